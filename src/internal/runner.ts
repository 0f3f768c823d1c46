import type * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import type * as EffectScheduler from "effect/Scheduler"
import * as Tracer from "effect/Tracer"
import type { ResolvedPoolConfig } from "../PoolConfig.js"
import { TaskTimeoutError } from "../PoolError.js"
import type { TaskOutcome } from "../PoolEvent.js"
import { withCurrentTask } from "./currentTask.js"
import type { EventHub } from "./events.js"
import { Launcher } from "./launcher.js"
import { type Outcome, outcomeOf } from "./outcome.js"
import { Result } from "./result.js"
import { retryInput, RetryState } from "./retry.js"
import type { Scheduler } from "./scheduler.js"
import type { PoolStats } from "./stats.js"
import { type AnyResult, Phase, type TaskEntry } from "./taskEntry.js"
import { callbackProgram, timeoutOf } from "./taskProgram.js"
import { endTaskSpan, startTaskSpan } from "./taskSpan.js"
import type { Timers } from "./timers.js"

/** How many task fibers one run of the launcher starts before it yields to the scheduler. */
const launchBudget = 1024

/**
 * What the runner needs of its pool.
 *
 * @internal
 */
export interface RunnerOwner {
  /** Gives free slots (and keys freed) to queued tasks. */
  dispatch(): void
  /** Resolves a task's handle with its result. */
  settle(entry: TaskEntry, result: AnyResult): void
  /** Whether a failed attempt may be followed by another: not once shutdown has begun. */
  mayRetry(): boolean
  /** Puts a task whose retry delay has passed back into the queue. */
  requeue(entry: TaskEntry): void
  /** Lets a fiber of `entry` waiting to take its worker back go on without it: its run is ending. */
  releaseWaiter(entry: TaskEntry): void
  /** Whether the shutdown deadline has passed: interrupted tasks are shut down, not cancelled. */
  readonly forcedStop: boolean
}

/** How `TaskSettled` names the end of a task that ran. */
const settledAs = (outcome: Outcome, forcedStop: boolean): TaskOutcome =>
  outcome === "interrupted" ? (forcedStop ? "shutdown" : "cancelled") : outcome === "defect" ? "failure" : outcome

/**
 * Runs the tasks the pool gives a worker slot, each attempt on a fiber of
 * its own forked from its origin with `Runtime.runFork`, so that a task is
 * a fiber in every respect Effect defines; decides retries; and runs
 * callbacks, each on a fiber of its own too.
 *
 * A task holds its slot from the moment it is picked until its callback
 * has run, except while it waits for its next attempt, or lends the slot
 * while it waits on its own pool. Fibers are started by the launcher in
 * the order tasks were picked. A running-time timeout, or a callback's, is
 * a timer that interrupts the fiber.
 *
 * @internal
 */
export class TaskRunner {
  /** Slots held: tasks about to start, running, or running the callback of their run. */
  busy = 0
  private readonly launcher: Launcher<TaskEntry>
  /** Fibers running callbacks of tasks that hold no slot (never ran, or waited for a retry). */
  private readonly callbackFibers = new Set<Fiber.RuntimeFiber<unknown, unknown>>()
  /** Set once callbacks are cut off at the end of a forced shutdown: who cut them. */
  cutBy: FiberId.FiberId | undefined = undefined

  constructor(
    private readonly config: ResolvedPoolConfig,
    private readonly scheduler: Scheduler<TaskEntry>,
    private readonly timers: Timers,
    private readonly stats: PoolStats,
    private readonly now: () => number,
    private readonly clock: Clock.Clock,
    private readonly hub: EventHub,
    effectScheduler: EffectScheduler.Scheduler,
    private readonly owner: RunnerOwner
  ) {
    this.launcher = new Launcher(effectScheduler, (entry) => this.startFiber(entry), launchBudget)
  }

  /** Gives a task a slot for its next attempt; its fiber starts when the launcher next runs (see `launchSoon`). */
  assign(entry: TaskEntry, now: number): void {
    entry.phase = Phase.Running
    entry.lastResult = undefined
    entry.holdsSlot = true
    if (++entry.attempts > 1) this.stats.onRetried(entry.priority)
    entry.timedOut = false
    this.launcher.push(entry)
    this.stats.onRunning(++this.busy)
    entry.startedAt = now
    const waited = now - entry.enqueuedAt
    entry.waitedMillis += waited
    this.stats.onStarted(entry.priority, waited)
    const timeout = timeoutOf(entry, this.config)
    if (timeout !== undefined) {
      entry.deadline = this.timers.schedule(now + Duration.toMillis(timeout), () => this.timeOut(entry))
    }
    const key = entry.keyState
    if (key.name !== undefined) this.stats.onKey(key.name, key.running, key.queued)
  }

  /** Gives a slot back to a task that lent it (see `PoolCore.lendWhile`). */
  takeSlot(entry: TaskEntry): void {
    entry.holdsSlot = true
    this.stats.onRunning(++this.busy)
  }

  /** Frees a task's slot, if it holds one. */
  freeSlot(entry: TaskEntry): void {
    if (!entry.holdsSlot) return
    entry.holdsSlot = false
    this.stats.onRunning(--this.busy)
  }

  /** Starts the fibers of assigned tasks on the scheduler's next turn, unless the launcher is running. */
  launchSoon(): void {
    this.launcher.soon()
  }

  /** Interrupts a task's run, or its callback's fiber; before its fiber exists, as soon as it does. */
  interruptRun(entry: TaskEntry, by: FiberId.FiberId): void {
    const fiber = entry.fiber
    if (fiber !== undefined) fiber.unsafeInterruptAsFork(by)
    else if (entry.interruptedBy === undefined) entry.interruptedBy = by
    this.owner.releaseWaiter(entry)
  }

  /**
   * Settles a task that holds no slot: one that never ran (cancelled,
   * evicted or expired in the queue, or shut down), or one waiting for its
   * next attempt; after its callback, if any.
   */
  settleUnrun(entry: TaskEntry, exit: Exit.Exit<never, unknown>, outcome: TaskOutcome): void {
    if (entry.phase === Phase.Queued) entry.waitedMillis += this.now() - entry.enqueuedAt
    this.settleHeld(entry, this.resultOf(entry, exit), outcome)
  }

  /** Settles a task that holds no slot with `result`, after its callback. */
  settleHeld(entry: TaskEntry, result: AnyResult, outcome: TaskOutcome): void {
    entry.outcome = outcome
    entry.lastResult = undefined
    const callback = entry.task.callback
    if (callback === undefined) return this.owner.settle(entry, result)
    entry.phase = Phase.Callback
    // Once callbacks are cut off, a callback runs on the spot and is cut at
    // its first suspension, so that it cannot hold shutdown. Otherwise it
    // starts on the next turn, not inside the stack of whoever settled it.
    const cutBy = this.cutBy
    const fiber = this.runCallback(entry, result, cutBy !== undefined, () => {
      this.callbackFibers.delete(fiber)
      this.owner.settle(entry, result)
    })
    this.callbackFibers.add(fiber)
    if (cutBy !== undefined) fiber.unsafeInterruptAsFork(cutBy)
  }

  /**
   * Settles a task waiting for its next attempt (out of the queue) with its
   * last attempt's result: once shutdown has begun no new attempt starts.
   */
  settleRetrying(entry: TaskEntry): void {
    if (entry.deadline !== undefined) this.timers.cancel(entry.deadline)
    entry.deadline = undefined
    this.stats.onFinished(entry.priority, entry.outcome === "timeout" ? "timeout" : "failure", entry.ranMillis)
    this.settleHeld(entry, entry.lastResult!, entry.outcome)
  }

  /** Cuts off the callbacks of tasks without a slot; the pool cuts those of tasks on slots. */
  cutCallbacks(by: FiberId.FiberId): void {
    this.cutBy = by
    for (const fiber of this.callbackFibers) fiber.unsafeInterruptAsFork(by)
  }

  /**
   * Runs a task's callback on a fiber of its own, cut by `callbackTimeout`,
   * and calls `done` when it has ended.
   */
  private runCallback(
    entry: TaskEntry,
    result: AnyResult,
    immediate: boolean,
    done: () => void
  ): Fiber.RuntimeFiber<unknown, unknown> {
    const fiber = Runtime.runFork(entry.origin.runtime, callbackProgram(this.config.name, entry.task.callback!, result), {
      immediate,
      updateRefs: withCurrentTask(entry)
    })
    const limit = this.config.callbackTimeout
    const timer = limit === undefined || fiber.unsafePoll() !== null
      ? undefined
      : this.timers.schedule(this.now() + Duration.toMillis(limit), () => fiber.unsafeInterruptAsFork(FiberId.none))
    fiber.addObserver((exit) => {
      if (timer !== undefined) this.timers.cancel(timer)
      if (Exit.isFailure(exit)) this.stats.onCallbackFailure()
      done()
    })
    return fiber
  }

  private startFiber(entry: TaskEntry): void {
    // Cancelled, or timed out, after it was given a slot and before its fiber started.
    if (entry.interruptedBy !== undefined) return this.onRunExit(entry, Exit.interrupt(entry.interruptedBy))
    this.hub.taskStarted(entry)
    const fiber = Runtime.runFork(this.runtimeOf(entry), entry.task.execute, { updateRefs: withCurrentTask(entry) })
    entry.fiber = fiber
    // Cancelled during its fiber's first synchronous steps.
    if (entry.interruptedBy !== undefined && fiber.unsafePoll() === null) fiber.unsafeInterruptAsFork(entry.interruptedBy)
    fiber.addObserver((exit) => this.onRunExit(entry, exit))
  }

  /** The runtime a task's fiber is forked from: its origin's, with the task's span as the current span. */
  private runtimeOf(entry: TaskEntry): Runtime.Runtime<any> {
    const { runtime, spans } = entry.origin
    if (spans === undefined) return runtime
    const span = startTaskSpan(entry, spans, this.config)
    entry.span = span
    return Runtime.make({
      context: Context.add(runtime.context, Tracer.ParentSpan, span),
      fiberRefs: runtime.fiberRefs,
      runtimeFlags: runtime.runtimeFlags
    })
  }

  /**
   * An attempt's fiber has ended, its children done, as Effect ends a
   * fiber. The task is retried if its schedule says so; otherwise its
   * callback, if any, runs on a fiber of its own while the task keeps its
   * slot, and then the slot goes to the next task. This is a safe place to
   * start fibers, so the launcher runs right here.
   */
  private onRunExit(entry: TaskEntry, ended: Exit.Exit<unknown, unknown>): void {
    const outer = this.launcher.enter()
    const exit = this.endAttempt(entry, ended)
    const input = this.retryInputOf(entry, exit)
    if (Option.isNone(input)) {
      this.conclude(entry, exit)
    } else {
      entry.retry!.next(entry.origin.runtime, this.clock.unsafeCurrentTimeMillis(), input.value, (delay) => {
        const inner = this.launcher.enter()
        const cancelledBy = entry.interruptedBy
        if (cancelledBy !== undefined) this.conclude(entry, Exit.interrupt(cancelledBy))
        else if (delay === undefined || !this.owner.mayRetry()) this.conclude(entry, exit)
        else this.awaitRetry(entry, exit, delay)
        this.launcher.leave(inner)
      })
    }
    this.launcher.leave(outer)
  }

  /** The error to retry an attempt's end with, when the task has a retry schedule and may be retried. */
  private retryInputOf(entry: TaskEntry, exit: Exit.Exit<unknown, unknown>): Option.Option<unknown> {
    if (Exit.isSuccess(exit) || entry.interruptedBy !== undefined) return Option.none()
    const schedule = entry.task.retry ?? this.config.retry
    if (schedule === undefined || !this.owner.mayRetry()) return Option.none()
    const input = retryInput(exit)
    if (Option.isSome(input)) entry.retry ??= new RetryState(schedule)
    return input
  }

  /** The task waits `delay` ms for its next attempt, holding no slot, then goes back into the queue. */
  private awaitRetry(entry: TaskEntry, exit: Exit.Exit<unknown, unknown>, delay: number): void {
    entry.phase = Phase.Retrying
    entry.lastResult = this.resultOf(entry, exit)
    entry.outcome = settledAs(outcomeOf(exit, entry.timedOut), false)
    this.hub.taskRetrying(entry, delay)
    entry.deadline = this.timers.schedule(this.now() + delay, () => {
      entry.deadline = undefined
      this.owner.requeue(entry)
    })
    this.freeSlot(entry)
    this.owner.dispatch()
  }

  /** The task's last attempt has ended: its callback runs, then it settles and frees its slot. */
  private conclude(entry: TaskEntry, exit: Exit.Exit<unknown, unknown>): void {
    entry.phase = Phase.Callback
    const outcome = outcomeOf(exit, entry.timedOut)
    entry.outcome = settledAs(outcome, this.owner.forcedStop)
    this.stats.onFinished(entry.priority, outcome, entry.ranMillis)
    const result = this.resultOf(entry, exit)
    if (entry.task.callback === undefined) return this.release(entry, result)
    const fiber = this.runCallback(entry, result, true, () => {
      const outer = this.launcher.enter()
      entry.fiber = undefined
      this.release(entry, result)
      this.launcher.leave(outer)
    })
    if (entry.phase === Phase.Callback) entry.fiber = fiber
    if (this.cutBy !== undefined && fiber.unsafePoll() === null) fiber.unsafeInterruptAsFork(this.cutBy)
  }

  /** The running-time timeout passed: interrupt the task. */
  private timeOut(entry: TaskEntry): void {
    entry.deadline = undefined
    if (entry.phase !== Phase.Running) return
    entry.timedOut = true
    this.interruptRun(entry, FiberId.none)
  }

  /** Counts an attempt's run, frees its key, and returns how it ended. */
  private endAttempt(entry: TaskEntry, ended: Exit.Exit<unknown, unknown>): Exit.Exit<unknown, unknown> {
    entry.fiber = undefined
    if (entry.deadline !== undefined) {
      this.timers.cancel(entry.deadline)
      entry.deadline = undefined
    }
    // A run the timer interrupted ends with the timeout error, as
    // `Effect.timeoutFail` would end it: after its finalizers ran.
    const exit = entry.timedOut && Exit.isInterrupted(ended)
      ? Exit.fail(new TaskTimeoutError({ taskId: entry.taskId, timeout: timeoutOf(entry, this.config)!, phase: "running" }))
      : ended
    if (entry.span !== undefined) {
      endTaskSpan(entry.span, entry.origin.spans!, exit, entry.timedOut)
      entry.span = undefined
    }
    const now = this.now()
    const ran = now - entry.startedAt
    entry.ranMillis += ran
    this.stats.onAttempt(entry.priority, outcomeOf(exit, entry.timedOut), ran)
    const key = entry.keyState
    this.scheduler.finished(key, now)
    if (key.name !== undefined) this.stats.onKey(key.name, key.running, key.queued)
    // The key may have held back queued tasks while other slots were free.
    this.owner.dispatch()
    return exit
  }

  private resultOf(entry: TaskEntry, exit: Exit.Exit<unknown, unknown>): AnyResult {
    return new Result(entry.taskId, entry.priority, exit, entry.ranMillis, entry.waitedMillis, entry.attempts)
  }

  /** Settles a task that ran, and gives its slot to the next. */
  private release(entry: TaskEntry, result: AnyResult): void {
    this.freeSlot(entry)
    this.owner.settle(entry, result)
    this.owner.dispatch()
  }
}

import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Runtime from "effect/Runtime"
import type * as EffectScheduler from "effect/Scheduler"
import * as Tracer from "effect/Tracer"
import type { ResolvedPoolConfig } from "../PoolConfig.js"
import { TaskTimeoutError } from "../PoolError.js"
import { Launcher } from "./launcher.js"
import { outcomeOf } from "./outcome.js"
import { Result } from "./result.js"
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
}

/**
 * Runs the tasks the pool gives a worker slot, each on a fiber of its own
 * forked from its origin with `Runtime.runFork`, so that a task is a fiber
 * in every respect Effect defines; and runs callbacks, each on a fiber of
 * its own too.
 *
 * A task holds its slot from the moment it is picked until its callback
 * has run. Its fiber is started by the launcher in the order tasks were
 * picked. A running-time timeout is a timer that interrupts the fiber.
 *
 * @internal
 */
export class TaskRunner {
  /** Tasks holding a slot: about to start, running, or running the callback of their run. */
  busy = 0
  private readonly launcher: Launcher<TaskEntry>
  /** Fibers running callbacks of tasks that never ran. */
  private readonly callbackFibers = new Set<Fiber.RuntimeFiber<unknown, unknown>>()
  /** Set once callbacks are cut off at the end of a forced shutdown: who cut them. */
  cutBy: FiberId.FiberId | undefined = undefined

  constructor(
    private readonly config: ResolvedPoolConfig,
    private readonly scheduler: Scheduler<TaskEntry>,
    private readonly timers: Timers,
    private readonly stats: PoolStats,
    private readonly now: () => number,
    effectScheduler: EffectScheduler.Scheduler,
    private readonly owner: RunnerOwner
  ) {
    this.launcher = new Launcher(effectScheduler, (entry) => this.startFiber(entry), launchBudget)
  }

  /** Gives a task a slot; its fiber starts when the launcher next runs (see `launchSoon`). */
  assign(entry: TaskEntry, now: number): void {
    entry.phase = Phase.Running
    this.launcher.push(entry)
    this.stats.onRunning(++this.busy)
    entry.startedAt = now
    entry.waitedMillis = now - entry.submittedAt
    this.stats.onStarted(entry.priority, entry.waitedMillis)
    const timeout = timeoutOf(entry, this.config)
    if (timeout !== undefined) {
      entry.deadline = this.timers.schedule(now + Duration.toMillis(timeout), () => this.timeOut(entry))
    }
    const key = entry.keyState
    if (key.name !== undefined) this.stats.onKey(key.name, key.running, key.queued)
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
  }

  /**
   * Settles a task that never ran (cancelled, evicted or expired in the
   * queue, or shut down), after its callback, if any.
   */
  settleUnrun(entry: TaskEntry, exit: Exit.Exit<never, unknown>): void {
    entry.waitedMillis = this.now() - entry.submittedAt
    const result = new Result(entry.taskId, entry.priority, exit, 0, entry.waitedMillis)
    const callback = entry.task.callback
    if (callback === undefined) return this.owner.settle(entry, result)
    entry.phase = Phase.Callback
    // Once callbacks are cut off, a callback runs on the spot and is cut at
    // its first suspension, so that it cannot hold shutdown. Otherwise it
    // starts on the next turn, not inside the stack of whoever settled it.
    const cutBy = this.cutBy
    const fiber = Runtime.runFork(entry.origin.runtime, callbackProgram(this.config.name, callback, result), {
      immediate: cutBy !== undefined
    })
    this.callbackFibers.add(fiber)
    fiber.addObserver((exit) => {
      this.callbackFibers.delete(fiber)
      if (Exit.isFailure(exit)) this.stats.onCallbackFailure()
      this.owner.settle(entry, result)
    })
    if (cutBy !== undefined) fiber.unsafeInterruptAsFork(cutBy)
  }

  /** Cuts off the callbacks of tasks that never ran; the pool cuts those of tasks on slots. */
  cutCallbacks(by: FiberId.FiberId): void {
    this.cutBy = by
    for (const fiber of this.callbackFibers) fiber.unsafeInterruptAsFork(by)
  }

  private startFiber(entry: TaskEntry): void {
    // Cancelled, or timed out, after it was given a slot and before its fiber started.
    if (entry.interruptedBy !== undefined) return this.onRunExit(entry, Exit.interrupt(entry.interruptedBy))
    const fiber = Runtime.runFork(this.runtimeOf(entry), entry.task.execute)
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
   * A task's fiber has ended, its children done, as Effect ends a fiber.
   * Its callback, if any, runs on a fiber of its own while the task keeps
   * its slot; then the slot goes to the next task. This is a safe place to
   * start fibers, so the launcher runs right here.
   */
  private onRunExit(entry: TaskEntry, exit: Exit.Exit<unknown, unknown>): void {
    const outer = this.launcher.enter()
    const result = this.finish(entry, exit)
    const callback = entry.task.callback
    if (callback === undefined) {
      entry.fiber = undefined
      this.release(entry, result)
    } else {
      const fiber = Runtime.runFork(entry.origin.runtime, callbackProgram(this.config.name, callback, result))
      entry.fiber = fiber
      if (this.cutBy !== undefined && fiber.unsafePoll() === null) fiber.unsafeInterruptAsFork(this.cutBy)
      fiber.addObserver((callbackExit) => this.onCallbackExit(entry, result, callbackExit))
    }
    this.launcher.leave(outer)
  }

  private onCallbackExit(entry: TaskEntry, result: AnyResult, exit: Exit.Exit<unknown, unknown>): void {
    const outer = this.launcher.enter()
    if (Exit.isFailure(exit)) this.stats.onCallbackFailure()
    entry.fiber = undefined
    this.release(entry, result)
    this.launcher.leave(outer)
  }

  /** The running-time timeout passed: interrupt the task. */
  private timeOut(entry: TaskEntry): void {
    entry.deadline = undefined
    if (entry.phase !== Phase.Running) return
    entry.timedOut = true
    this.interruptRun(entry, FiberId.none)
  }

  /** Counts a finished run, frees its key, and makes its result. */
  private finish(entry: TaskEntry, ended: Exit.Exit<unknown, unknown>): AnyResult {
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
    entry.phase = Phase.Callback
    const now = this.now()
    const ran = now - entry.startedAt
    this.stats.onFinished(entry.priority, outcomeOf(exit, entry.timedOut), ran)
    const key = entry.keyState
    this.scheduler.finished(key, now)
    if (key.name !== undefined) this.stats.onKey(key.name, key.running, key.queued)
    // The key may have held back queued tasks while other slots were free.
    this.owner.dispatch()
    return new Result(entry.taskId, entry.priority, exit, ran, entry.waitedMillis)
  }

  /** Settles a task that ran, and gives its slot to the next. */
  private release(entry: TaskEntry, result: AnyResult): void {
    this.stats.onRunning(--this.busy)
    this.owner.settle(entry, result)
    this.owner.dispatch()
  }
}

import type * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as FiberRef from "effect/FiberRef"
import * as FiberRefs from "effect/FiberRefs"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import type * as RuntimeFlags from "effect/RuntimeFlags"
import type * as Tracer from "effect/Tracer"
import type { OverflowPolicy, ResolvedPoolConfig } from "../PoolConfig.js"
import { InvalidTaskError, PoolShutdownError, QueueFullError, TaskTimeoutError } from "../PoolError.js"
import type { KeyMetrics, PoolMetrics } from "../PoolMetrics.js"
import * as Priority from "../Priority.js"
import type { Task } from "../Task.js"
import { type Origin, originOf } from "./origin.js"
import { Launcher } from "./launcher.js"
import { outcomeOf } from "./outcome.js"
import { type KeyState, Scheduler } from "./scheduler.js"
import type { PoolStats } from "./stats.js"
import * as Stopwatch from "./stopwatch.js"
import { type AnyResult, type EntryOwner, Phase, TaskEntry } from "./taskEntry.js"
import { Result } from "./result.js"
import { callbackProgram, taskProgram, timeoutOf } from "./taskProgram.js"
import { Timers } from "./timers.js"
import { duplicateId, validateTask, type ValidTask } from "./validateTask.js"

interface Waiter {
  readonly entry: TaskEntry
  readonly resume: (effect: Effect.Effect<TaskEntry, PoolShutdownError>) => void
  admitted: boolean
}

/** How many task fibers one run of the launcher starts before it yields to the scheduler. */
const launchBudget = 1024

/**
 * The dispatcher. Its state is plain data updated synchronously: JavaScript
 * runs one fiber step at a time, so each transition below is atomic, and the
 * per-task path pays for no `Ref`, `Queue`, semaphore or `Deferred`.
 *
 * Every task runs on a fiber of its own, forked from its origin (the
 * submitter's runtime as it was at submission) with `Runtime.runFork`, so
 * that it is a fiber in every respect Effect defines. A task is given one of
 * the `workers` slots synchronously, when the scheduler picks it; its fiber
 * is started by the launcher, which starts fibers in the order their tasks
 * were picked: at once when the launcher runs in a safe place (when a task's
 * fiber has just ended), otherwise on the next turn of Effect's scheduler,
 * as `Effect.fork` would start it, never inside a submitter's stack.
 *
 * Invariant: unless the pool is being forced to stop, no task that could
 * start is queued while fewer than `workers` tasks hold a slot.
 *
 * @internal
 */
export class PoolCore implements EntryOwner {
  private readonly scheduler: Scheduler<TaskEntry>
  private readonly timers: Timers
  private readonly launcher: Launcher<TaskEntry>
  /** Tasks holding a worker slot: about to start, running, or running the callback of their run. */
  private busy = 0
  private readonly waiters = new Set<Waiter>()
  /** The tasks queued, running or waiting to enter, by id: no two may share one. */
  private readonly tasks = new Map<string, TaskEntry>()
  /** Fibers running callbacks of tasks that never ran. */
  private readonly callbackFibers = new Set<Fiber.RuntimeFiber<unknown, unknown>>()
  private readonly idleWaiters = new Set<() => void>()
  /**
   * The origin made last; consecutive submissions from a fiber whose refs
   * did not change share it. Dropped whenever the pool is idle, so that the
   * pool keeps nothing of a submitter whose tasks have all settled.
   */
  private lastOrigin: Origin | undefined = undefined
  private unsettled = 0
  private accepted = 0
  private accepting = true
  private shutdownStarted = false
  /** Set when the shutdown deadline passed: the pool is being forced to stop. */
  private stoppedBy: FiberId.FiberId | undefined = undefined
  /** Set when the callbacks' grace after the deadline is over too. */
  private callbacksCut = false

  constructor(
    readonly config: ResolvedPoolConfig,
    private readonly clock: Clock.Clock,
    private readonly runtime: Runtime.Runtime<never>,
    private readonly stats: PoolStats,
    private readonly shutdownDone: Deferred.Deferred<void>
  ) {
    this.now = Stopwatch.make(clock)
    this.timers = new Timers(runtime, clock, this.now)
    this.launcher = new Launcher(
      FiberRefs.getOrDefault(runtime.fiberRefs, FiberRef.currentScheduler),
      (entry) => this.startFiber(entry),
      launchBudget
    )
    this.scheduler = new Scheduler<TaskEntry>({
      levels: Priority.levels,
      // `Object.hasOwn`: a key may be named like an Object.prototype member.
      keyLimit: (key) =>
        Object.hasOwn(config.keyLimits, key) ? config.keyLimits[key]! : config.defaultKeyLimit ?? Infinity,
      rateLimit: (key) => {
        if (!Object.hasOwn(config.rateLimits, key)) return undefined
        const rate = config.rateLimits[key]!
        return { limit: rate.limit, intervalMillis: Duration.toMillis(rate.interval) }
      },
      agingMillis: config.agingInterval && Duration.toMillis(config.agingInterval),
      wakeAt: (at, key) => {
        this.timers.schedule(at, () => {
          key.wakeAt = undefined
          this.scheduler.refresh(key, this.now())
          this.dispatch()
        })
      }
    })
  }

  /** The pool's time in milliseconds (see `stopwatch.ts`). */
  private readonly now: () => number

  // ---- submission ----

  /** The origin of a task `fiber` submits now. */
  originFor(fiber: Fiber.RuntimeFiber<unknown, unknown>, flags: RuntimeFlags.RuntimeFlags): Origin {
    const origin = originOf(fiber, flags, this.lastOrigin)
    this.lastOrigin = origin
    return origin
  }

  submit(task: Task<any, any, any>, overflow: OverflowPolicy): Effect.Effect<TaskEntry, any, any> {
    return Effect.withFiberRuntime((fiber, status) => {
      const valid = validateTask(task)
      if (valid instanceof InvalidTaskError) return Effect.fail(valid)
      this.recordSubmission(fiber.currentSpan, valid)
      return this.offer(valid, this.originFor(fiber, status.runtimeFlags), overflow)
    })
  }

  /** Adds a `WorkerPool.submit` event to the submitter's span, if it is in one. */
  recordSubmission(span: Tracer.AnySpan | undefined, valid: ValidTask): void {
    if (span !== undefined && span._tag === "Span") {
      span.event("WorkerPool.submit", this.clock.unsafeCurrentTimeNanos(), {
        "task.id": valid.id,
        "task.priority": valid.priority,
        "pool.name": this.config.name
      })
    }
  }

  offer(
    valid: ValidTask,
    origin: Origin,
    overflow: "backpressure"
  ): Effect.Effect<TaskEntry, PoolShutdownError | InvalidTaskError>
  offer(
    valid: ValidTask,
    origin: Origin,
    overflow: OverflowPolicy
  ): Effect.Effect<TaskEntry, PoolShutdownError | QueueFullError | InvalidTaskError>
  offer(
    valid: ValidTask,
    origin: Origin,
    overflow: OverflowPolicy
  ): Effect.Effect<TaskEntry, PoolShutdownError | QueueFullError | InvalidTaskError> {
    const offered = this.tryOffer(valid, origin, overflow)
    if (offered === undefined) return this.waitForRoom(valid, origin)
    return offered instanceof TaskEntry ? Effect.succeed(offered) : Effect.fail(offered)
  }

  /**
   * Accepts a task if the pool can now; fails it if it never will; returns
   * `undefined` when it must wait for room (backpressure).
   */
  tryOffer(
    valid: ValidTask,
    origin: Origin,
    overflow: OverflowPolicy
  ): TaskEntry | PoolShutdownError | QueueFullError | InvalidTaskError | undefined {
    if (!this.accepting) {
      this.stats.onRejected("shutdown")
      return this.shutdownError(valid.id)
    }
    if (this.tasks.has(valid.id)) return duplicateId(valid.id, "queued, running or waiting to enter this pool")
    // A pause or rate window ending right now frees its key's queued tasks
    // first, so that the room check sees them gone and they are not overtaken.
    if (this.timers.pending) this.timers.runDue(this.now())
    const entry = new TaskEntry(this, valid, origin, this.scheduler.keyState(valid.key))
    if (this.hasRoomFor(entry) || (overflow === "evict-lowest" && this.evictFor(entry))) {
      this.tasks.set(valid.id, entry)
      this.accept(entry)
      return entry
    }
    if (overflow === "backpressure") return undefined
    this.stats.onRejected("queue_full")
    return this.queueFullError(valid.id, false)
  }

  /** Waits for room for a task `tryOffer` could not accept, then accepts it. */
  waitForRoom(valid: ValidTask, origin: Origin): Effect.Effect<TaskEntry, PoolShutdownError> {
    const entry = new TaskEntry(this, valid, origin, this.scheduler.keyState(valid.key))
    // With no queue room, it may be its key that holds the task back: be
    // woken when the key may start again.
    this.scheduler.wakeWhenStartable(entry.keyState, this.now())
    return Effect.async<TaskEntry, PoolShutdownError>((resume) => {
      const waiter: Waiter = { entry, resume, admitted: false }
      this.waiters.add(waiter)
      this.tasks.set(valid.id, entry)
      return Effect.withFiberRuntime<void>((fiber) => {
        // Interrupted after it was let in but before it resumed: the task is
        // cancelled, so that the interrupted submitter leaves nothing behind.
        if (waiter.admitted) {
          this.cancel(entry, fiber.id())
        } else if (this.waiters.delete(waiter)) {
          this.tasks.delete(valid.id)
        }
        return Effect.void
      })
    })
  }

  private hasRoomFor(entry: TaskEntry): boolean {
    return this.scheduler.size < this.config.queueSize || this.canStartNow(entry)
  }

  /**
   * Whether a new task may start on the spot: a slot is free, its key may
   * start, and no task of its key is queued (the queued ones go first).
   */
  private canStartNow(entry: TaskEntry): boolean {
    const key = entry.keyState
    if (this.busy >= this.config.workers || key.queued > 0 || key.running >= key.limit) return false
    return key.timeBound() ? this.scheduler.canStart(key, this.now()) : true
  }

  /** Evicts a queued task of lower effective priority, if there is one. */
  private evictFor(entry: TaskEntry): boolean {
    const victim = this.scheduler.evictionCandidate(entry.level, this.now())
    if (victim === undefined) return false
    this.unqueue(victim)
    this.stats.onEvicted(victim.priority)
    this.settleUnrun(victim, Exit.fail(this.queueFullError(victim.taskId, true)))
    return true
  }

  private accept(entry: TaskEntry): void {
    this.unsettled++
    this.stats.onSubmitted()
    entry.seq = this.accepted++
    const now = this.now()
    entry.submittedAt = now
    if (this.canStartNow(entry)) {
      this.scheduler.started(entry.keyState, now)
      this.assign(entry, now)
      this.launcher.soon()
    } else {
      this.scheduler.enqueue(entry, now)
      const queueTimeout = entry.queueTimeout ?? this.config.queueTimeout
      if (queueTimeout !== undefined && Duration.isFinite(queueTimeout)) {
        entry.deadline = this.timers.schedule(now + Duration.toMillis(queueTimeout), () => this.expire(entry, queueTimeout))
      }
      this.onQueueChange(entry)
      this.dispatch()
    }
  }

  /**
   * Lets waiting submitters in, oldest first, as far as there is room. A
   * waiter whose task could only start at once (no queue room) and whose key
   * is held by a pause or rate window gets a wake-up for when it ends.
   */
  private admitWaiters(): void {
    if (this.waiters.size === 0 || !this.accepting) return
    for (const waiter of this.waiters) {
      if (this.scheduler.size >= this.config.queueSize && this.busy >= this.config.workers) return
      if (!this.hasRoomFor(waiter.entry)) {
        this.scheduler.wakeWhenStartable(waiter.entry.keyState, this.now())
        continue
      }
      this.waiters.delete(waiter)
      waiter.admitted = true
      this.accept(waiter.entry)
      waiter.resume(Effect.succeed(waiter.entry))
    }
  }

  /** Takes a queued task out of the queue. */
  private unqueue(entry: TaskEntry): void {
    this.scheduler.remove(entry, this.now())
    this.leftQueue(entry)
  }

  private leftQueue(entry: TaskEntry): void {
    if (entry.deadline !== undefined) this.timers.cancel(entry.deadline)
    entry.deadline = undefined
    this.onQueueChange(entry)
  }

  private onQueueChange(entry: TaskEntry): void {
    this.stats.onQueueDepth(entry.level, this.scheduler.sizeOf(entry.level))
    const key = entry.keyState
    if (key.name !== undefined) this.stats.onKey(key.name, key.running, key.queued)
  }

  /** The queue deadline passed: a task still queued settles without running. */
  private expire(entry: TaskEntry, timeout: Duration.Duration): void {
    if (entry.phase !== Phase.Queued) return
    entry.deadline = undefined
    this.unqueue(entry)
    this.stats.onExpired(entry.priority)
    this.settleUnrun(entry, Exit.fail(new TaskTimeoutError({ taskId: entry.taskId, timeout, phase: "queued" })))
    this.admitWaiters()
  }

  pauseKey(name: string, duration: Duration.Duration): void {
    const now = this.now()
    this.scheduler.pause(this.scheduler.keyState(name), now + Duration.toMillis(duration), now)
    // waiters for this key now need a wake-up at the pause's end
    this.admitWaiters()
  }

  resumeKey(name: string): void {
    this.scheduler.resume(this.scheduler.keyState(name), this.now())
    this.dispatch()
  }

  // ---- running ----

  /** Gives free slots to the queued tasks that may start now, then lets waiting submitters in. */
  private dispatch(): void {
    while (this.busy < this.config.workers && this.stoppedBy === undefined && this.scheduler.size > 0) {
      const now = this.now()
      const entry = this.scheduler.take(now)
      if (entry === undefined) break
      this.leftQueue(entry)
      this.assign(entry, now)
    }
    this.admitWaiters()
    this.launcher.soon()
  }

  /** Gives a task a slot; its fiber starts when the launcher next runs. */
  private assign(entry: TaskEntry, now: number): void {
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

  private startFiber(entry: TaskEntry): void {
    // Cancelled, or timed out, after it was given a slot and before its fiber started.
    if (entry.interruptedBy !== undefined) return this.onRunExit(entry, Exit.interrupt(entry.interruptedBy))
    const fiber = Runtime.runFork(entry.origin.runtime, taskProgram(entry, this.config))
    entry.fiber = fiber
    // Cancelled during its fiber's first synchronous steps.
    if (entry.interruptedBy !== undefined && fiber.unsafePoll() === null) fiber.unsafeInterruptAsFork(entry.interruptedBy)
    fiber.addObserver((exit) => this.onRunExit(entry, exit))
  }

  /**
   * A task's fiber has ended: its children are done, as Effect ends a
   * fiber. Its callback, if any, runs on a fiber of its own while the task
   * keeps its slot; then the slot goes to the next task.
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
      if (this.callbacksCut && fiber.unsafePoll() === null) fiber.unsafeInterruptAsFork(this.stoppedBy!)
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
    // A run the timer interrupted before its fiber could turn the
    // interruption into the timeout error itself.
    const exit = entry.timedOut && Exit.isInterrupted(ended)
      ? Exit.fail(new TaskTimeoutError({ taskId: entry.taskId, timeout: timeoutOf(entry, this.config)!, phase: "running" }))
      : ended
    entry.phase = Phase.Callback
    const now = this.now()
    const ran = now - entry.startedAt
    this.stats.onFinished(entry.priority, outcomeOf(exit, entry.timedOut), ran)
    const key = entry.keyState
    this.scheduler.finished(key, now)
    if (key.name !== undefined) this.stats.onKey(key.name, key.running, key.queued)
    this.dispatch()
    return new Result(entry.taskId, entry.priority, exit, ran, entry.waitedMillis)
  }

  /** Settles a task that ran, and gives its slot to the next. */
  private release(entry: TaskEntry, result: AnyResult): void {
    this.stats.onRunning(--this.busy)
    this.settle(entry, result)
    this.dispatch()
  }

  /** Settles a task that never ran: cancelled, evicted or expired in the queue, or shut down. */
  private settleUnrun(entry: TaskEntry, exit: Exit.Exit<never, unknown>): void {
    entry.waitedMillis = this.now() - entry.submittedAt
    const result = new Result(entry.taskId, entry.priority, exit, 0, entry.waitedMillis)
    const callback = entry.task.callback
    if (callback === undefined) return this.settle(entry, result)
    entry.phase = Phase.Callback
    // Once the callbacks' grace after the shutdown deadline is over, a
    // callback runs on the spot and is cut off at its first suspension, so
    // that it cannot hold shutdown. Otherwise it starts on the next turn,
    // not inside the stack of whoever settled the task.
    const cut = this.callbacksCut
    const fiber = Runtime.runFork(entry.origin.runtime, callbackProgram(this.config.name, callback, result), {
      immediate: cut
    })
    this.callbackFibers.add(fiber)
    fiber.addObserver((exit) => {
      this.callbackFibers.delete(fiber)
      if (Exit.isFailure(exit)) this.stats.onCallbackFailure()
      this.settle(entry, result)
    })
    if (cut) fiber.unsafeInterruptAsFork(this.stoppedBy!)
  }

  private settle(entry: TaskEntry, result: AnyResult): void {
    this.tasks.delete(entry.taskId)
    this.unsettled--
    entry.settle(result)
    this.checkIdle()
  }

  cancel(entry: TaskEntry, by: FiberId.FiberId): void {
    if (entry.phase === Phase.Queued) {
      this.unqueue(entry)
      this.stats.onSettledUnrun(entry.priority)
      this.settleUnrun(entry, Exit.interrupt(by))
      this.admitWaiters()
      return
    }
    // A callback is not cancelled, except to end a forced shutdown.
    if (entry.phase === Phase.Running || (entry.phase === Phase.Callback && this.callbacksCut)) {
      this.interruptRun(entry, by)
    }
  }

  /**
   * Cancels many tasks at once: the queued ones leave the queue before any
   * running one is interrupted, so that no slot freed by an interruption
   * goes to one of them.
   */
  cancelAll(entries: Iterable<TaskEntry>, by: FiberId.FiberId): void {
    const started: Array<TaskEntry> = []
    for (const entry of entries) {
      if (entry.phase === Phase.Queued) this.cancel(entry, by)
      else started.push(entry)
    }
    for (const entry of started) this.cancel(entry, by)
  }

  private interruptRun(entry: TaskEntry, by: FiberId.FiberId): void {
    const fiber = entry.fiber
    if (fiber !== undefined) fiber.unsafeInterruptAsFork(by)
    else if (entry.interruptedBy === undefined) entry.interruptedBy = by
  }

  // ---- shutdown ----

  private checkIdle(): void {
    if (this.unsettled !== 0) return
    this.lastOrigin = undefined
    if (this.idleWaiters.size > 0) {
      for (const resume of this.idleWaiters) resume()
      this.idleWaiters.clear()
    }
  }

  private readonly awaitIdle: Effect.Effect<void> = Effect.suspend(() =>
    this.unsettled === 0 ? Effect.void : Effect.async<void>((resume) => {
      const waiter = () => resume(Effect.void)
      this.idleWaiters.add(waiter)
      return Effect.sync(() => {
        this.idleWaiters.delete(waiter)
      })
    })
  )

  private stopAccepting(): void {
    this.accepting = false
    for (const waiter of this.waiters) {
      this.stats.onRejected("shutdown")
      this.tasks.delete(waiter.entry.taskId)
      waiter.resume(Effect.fail(this.shutdownError(waiter.entry.taskId)))
    }
    this.waiters.clear()
  }

  /**
   * At the shutdown deadline: queued tasks settle with `PoolShutdownError`,
   * then running ones are interrupted. Their callbacks still run.
   */
  private forceStop(by: FiberId.FiberId): void {
    this.stoppedBy = by
    for (const entry of this.scheduler.removeAll(this.now())) {
      this.leftQueue(entry)
      this.stats.onSettledUnrun(entry.priority)
      this.settleUnrun(entry, Exit.fail(this.shutdownError(entry.taskId)))
    }
    this.cancelOnWorkers(by)
  }

  private cancelOnWorkers(by: FiberId.FiberId): void {
    for (const entry of this.tasks.values()) if (entry.phase !== Phase.Queued) this.cancel(entry, by)
  }

  /**
   * After the callbacks' grace: callbacks still running are interrupted (and
   * counted as callback failures), so that shutdown cannot hang on one.
   */
  private cutCallbacks(by: FiberId.FiberId): void {
    this.callbacksCut = true
    this.cancelOnWorkers(by)
    for (const fiber of this.callbackFibers) fiber.unsafeInterruptAsFork(by)
  }

  /**
   * How long callbacks may still run after the shutdown deadline: a few
   * turns of the scheduler, no clock time, enough for a callback that logs,
   * records or signals, not for one that waits on anything.
   */
  private callbackGrace(turns: number): Effect.Effect<void> {
    return Effect.suspend(() =>
      turns === 0 || this.unsettled === 0 ? Effect.void : Effect.zipRight(Effect.yieldNow(), this.callbackGrace(turns - 1))
    )
  }

  private readonly drain: Effect.Effect<void> = Effect.uninterruptible(
    Effect.withFiberRuntime((fiber) => {
      this.stopAccepting()
      return Effect.interruptible(this.awaitIdle).pipe(
        Effect.timeoutOption(this.config.shutdownTimeout),
        Effect.flatMap((drained) => {
          if (Option.isSome(drained)) return Effect.void
          this.forceStop(fiber.id())
          return this.callbackGrace(64).pipe(
            Effect.zipRight(Effect.sync(() => this.cutCallbacks(fiber.id()))),
            Effect.zipRight(this.awaitIdle)
          )
        }),
        Effect.ensuring(this.timers.close),
        Effect.ensuring(Effect.sync(() => {
          this.lastOrigin = undefined
        }))
      )
    })
  )

  /**
   * The drain runs on a fiber of its own, so that a caller that is itself
   * one of the pool's tasks (a task that shuts its pool down) can be
   * interrupted at the deadline like any other task.
   */
  readonly shutdown: Effect.Effect<void> = Effect.suspend(() => {
    if (!this.shutdownStarted) {
      this.shutdownStarted = true
      Runtime.runFork(this.runtime, Effect.ensuring(this.drain, Deferred.done(this.shutdownDone, Exit.void)))
    }
    return Deferred.await(this.shutdownDone)
  })

  shutdownError(taskId: string): PoolShutdownError {
    return new PoolShutdownError({ pool: this.config.name, taskId })
  }

  private queueFullError(taskId: string, evicted: boolean): QueueFullError {
    return new QueueFullError({ pool: this.config.name, taskId, queueSize: this.config.queueSize, evicted })
  }

  // ---- observation ----

  readonly metrics: Effect.Effect<PoolMetrics> = Effect.sync(() => {
    const now = this.now()
    const keys = Object.fromEntries(
      Array.from(this.scheduler.namedKeys(), (key) => [key.name!, this.keyMetrics(key, now)])
    )
    return this.stats.snapshot(this.scheduler.size, this.busy, keys)
  })

  private keyMetrics(key: KeyState<TaskEntry>, now: number): KeyMetrics {
    return {
      running: key.running,
      queued: key.queued,
      limit: Number.isFinite(key.limit) ? key.limit : undefined,
      paused: key.isPaused(now),
      rateLimited: key.rateBlockedUntil(now) !== undefined
    }
  }
}

import type * as Cause from "effect/Cause"
import type * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import type { OverflowPolicy, ResolvedPoolConfig } from "../PoolConfig.js"
import { InvalidTaskError, PoolShutdownError, QueueFullError, TaskTimeoutError } from "../PoolError.js"
import type { KeyMetrics, PoolMetrics } from "../PoolMetrics.js"
import * as Priority from "../Priority.js"
import type { Task } from "../Task.js"
import { currentFiberRefs, interruptChildren, replaceFiberRefs } from "./fiberInternals.js"
import { outcomeOf } from "./outcome.js"
import { type KeyState, Scheduler } from "./scheduler.js"
import type { PoolStats } from "./stats.js"
import * as Stopwatch from "./stopwatch.js"
import { callbackProgram, resultOf, taskProgram, timeoutOf } from "./taskProgram.js"
import {
  type AnyResult,
  type EntryOwner,
  type Origin,
  originOf,
  Phase,
  TaskEntry,
  type Worker
} from "./taskEntry.js"
import { Timers } from "./timers.js"
import { duplicateId, validateTask, type ValidTask } from "./validateTask.js"

interface Waiter {
  readonly entry: TaskEntry
  readonly resume: (effect: Effect.Effect<TaskEntry, PoolShutdownError>) => void
  admitted: boolean
}

/**
 * The dispatcher. Its state is plain data updated synchronously: JavaScript
 * runs one fiber step at a time, so each transition below is atomic, and the
 * per-task path pays for no `Ref`, `Queue`, semaphore or `Deferred`.
 *
 * Tasks run on workers. A worker is a fiber made with a task's origin (the
 * submitter's runtime), so a task sees the submitter's services and fiber
 * refs without a fiber of its own. After a task settles, the worker takes
 * the next task the scheduler picks when it has the same origin, and
 * otherwise hands it to a new worker made with that origin. A worker exists
 * only while there is work; `busy` counts them.
 *
 * Invariant: unless the pool is being forced to stop, no task that could
 * start is queued while fewer than `workers` workers are busy.
 *
 * @internal
 */
export class PoolCore implements EntryOwner {
  private readonly scheduler: Scheduler<TaskEntry>
  private readonly timers: Timers
  /** The workers alive; each knows the task it runs. */
  private readonly workers = new Set<Worker>()
  /** Tasks on a worker: running, or running their callback there. */
  private running = 0
  private readonly waiters = new Set<Waiter>()
  /** Ids of the tasks queued, running or waiting to enter: no two may share one. */
  private readonly ids = new Set<string>()
  /** Fibers running callbacks of tasks settled off a worker. */
  private readonly callbackFibers = new Set<Fiber.RuntimeFiber<unknown, unknown>>()
  private readonly idleWaiters = new Set<() => void>()
  private busy = 0
  /** Workers spawned whose fiber has not taken its first step yet. */
  private unstarted = 0
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

  submit(task: Task<any, any, any>, overflow: OverflowPolicy): Effect.Effect<TaskEntry, any, any> {
    return Effect.withFiberRuntime((fiber, status) => {
      const valid = validateTask(task)
      if (valid instanceof InvalidTaskError) return Effect.fail(valid)
      const span = fiber.currentSpan
      if (span !== undefined && span._tag === "Span") {
        span.event("WorkerPool.submit", this.clock.unsafeCurrentTimeNanos(), {
          "task.id": valid.id,
          "task.priority": valid.priority,
          "pool.name": this.config.name
        })
      }
      return this.offer(valid, originOf(fiber, status.runtimeFlags), overflow)
    })
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
    if (!this.accepting) {
      this.stats.onRejected("shutdown")
      return Effect.fail(this.shutdownError(valid.id))
    }
    if (this.ids.has(valid.id)) {
      return Effect.fail(duplicateId(valid.id, "queued, running or waiting to enter this pool"))
    }
    // A pause or rate window ending right now frees its key's queued tasks
    // first, so that the room check sees them gone and they are not overtaken.
    if (this.timers.pending) this.timers.runDue(this.now())
    const entry = new TaskEntry(this, valid, origin, this.scheduler.keyState(valid.key))
    if (this.hasRoomFor(entry) || (overflow === "evict-lowest" && this.evictFor(entry))) {
      this.ids.add(valid.id)
      this.accept(entry)
      return Effect.succeed(entry)
    }
    if (overflow !== "backpressure") {
      this.stats.onRejected("queue_full")
      return Effect.fail(this.queueFullError(valid.id, false))
    }
    // With no queue room, it may be its key that holds the task back: be
    // woken when the key may start again.
    this.scheduler.wakeWhenStartable(entry.keyState, this.now())
    return Effect.async<TaskEntry, PoolShutdownError>((resume) => {
      const waiter: Waiter = { entry, resume, admitted: false }
      this.waiters.add(waiter)
      this.ids.add(valid.id)
      return Effect.withFiberRuntime<void>((fiber) => {
        // Interrupted after it was let in but before it resumed: the task is
        // cancelled, so that the interrupted submitter leaves nothing behind.
        if (waiter.admitted) {
          this.cancel(entry, fiber.id())
        } else if (this.waiters.delete(waiter)) {
          this.ids.delete(valid.id)
        }
        return Effect.void
      })
    })
  }

  private hasRoomFor(entry: TaskEntry): boolean {
    return this.scheduler.size < this.config.queueSize || this.canStartNow(entry)
  }

  /**
   * Whether a new task may start on the spot: a worker is free, its key may
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
      this.spawnWorker(entry, now)
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

  // ---- workers ----

  /** Starts queued tasks that may start now, while workers are free, then lets waiting submitters in. */
  private dispatch(): void {
    while (this.busy < this.config.workers && this.stoppedBy === undefined && this.scheduler.size > 0) {
      const now = this.now()
      const entry = this.scheduler.take(now)
      if (entry === undefined) break
      this.leftQueue(entry)
      this.spawnWorker(entry, now)
    }
    this.admitWaiters()
  }

  private spawnWorker(first: TaskEntry, now: number): void {
    this.busy++
    const worker: Worker = { fiber: undefined, current: undefined, doomed: false, cancelledBy: undefined }
    this.workers.add(worker)
    this.unstarted++
    // The task counts as running from now on, although its fiber starts on
    // the next tick: not on the spot, which would run the worker inside the
    // submitter's (or another worker's) stack.
    this.start(first, worker, now)
    Runtime.runFork(first.origin.runtime, this.worker(first, worker), { immediate: false })
  }

  /**
   * A worker runs its tasks inline, one after another, in an uninterruptible
   * loop that makes only the task itself (and its callback) interruptible.
   * Cancelling a running task interrupts the worker and dooms it: the worker
   * settles that task and then stops, so the interruption can never reach a
   * later task; a new worker takes its place.
   */
  private worker(first: TaskEntry, worker: Worker): Effect.Effect<void, never, any> {
    const origin = first.origin
    return Effect.uninterruptibleMask((restore) =>
      Effect.withFiberRuntime<void, never, any>((fiber) => {
        worker.fiber = fiber
        this.unstarted--
        const baseline = fiber.getFiberRefs()
        let current = first
        const run = (entry: TaskEntry): Effect.Effect<void, never, any> => {
          current = entry
          // Cancelled between its dispatch and the worker's first step.
          if (worker.cancelledBy !== undefined) return onExit(Exit.interrupt(worker.cancelledBy))
          return Effect.matchCauseEffect(restore(taskProgram(entry, this.config)), settleRun)
        }
        const settleRun = {
          onFailure: (cause: Cause.Cause<unknown>) => onExit(Exit.failCause(cause)),
          onSuccess: (value: unknown) => onExit(Exit.succeed(value))
        }
        const onExit = (exit: Exit.Exit<unknown, unknown>): Effect.Effect<void, never, any> => {
          endOfTask()
          const result = this.finish(current, exit)
          const callback = current.task.callback
          if (callback === undefined || worker.doomed) {
            this.complete(current, result)
            return proceed()
          }
          return Effect.flatMap(Effect.exit(restore(callbackProgram(this.config.name, callback, result))), (callbackExit) => {
            endOfTask()
            if (Exit.isFailure(callbackExit)) this.stats.onCallbackFailure()
            this.settle(current, result)
            return proceed()
          })
        }
        // What a fiber of its own would do for a task as it ends: interrupt
        // the fibers it forked, and drop the fiber refs it set
        // (`FiberRef.set`), so that the next task starts from the submitter's.
        const endOfTask = () => {
          interruptChildren(fiber)
          if (currentFiberRefs(fiber) !== baseline) replaceFiberRefs(fiber, baseline)
        }
        // Tasks start in the order they are taken from the queue. So a worker
        // yields before it takes a task (the scheduler is FIFO) while a new
        // worker has yet to start the task dispatched to it, and when the
        // runtime would soon make it yield anyway: never between taking a
        // task and starting it.
        const yieldBudget = fiber.getFiberRef(FiberRef.currentMaxOpsBeforeYield) - 32
        const proceed = (patience = 8): Effect.Effect<void, never, any> =>
          patience > 0 && (this.unstarted > 0 || fiber.currentOpCount > yieldBudget)
            ? Effect.zipRight(Effect.yieldNow(), Effect.suspend(() => proceed(patience - 1)))
            : takeNext()
        const takeNext = (): Effect.Effect<void, never, any> => {
          const next = this.next(origin, worker)
          return next === undefined ? Effect.void : run(next)
        }
        return run(first)
      })
    )
  }

  /** The next task for a worker of `origin`, or `undefined` when the worker should stop. */
  private next(origin: Origin, worker: Worker): TaskEntry | undefined {
    const now = this.now()
    const entry = this.stoppedBy === undefined && this.scheduler.size > 0 ? this.scheduler.take(now) : undefined
    if (entry !== undefined) this.leftQueue(entry)
    if (entry !== undefined && entry.origin === origin && !worker.doomed) {
      this.start(entry, worker, now)
      this.admitWaiters()
      return entry
    }
    this.workers.delete(worker)
    this.busy--
    if (entry !== undefined) this.spawnWorker(entry, now)
    this.admitWaiters()
    this.checkIdle()
    return undefined
  }

  private start(entry: TaskEntry, worker: Worker, now: number): void {
    entry.phase = Phase.Running
    entry.worker = worker
    worker.current = entry
    this.stats.onRunning(++this.running)
    entry.startedAt = now
    entry.waitedMillis = entry.startedAt - entry.submittedAt
    this.stats.onStarted(entry.priority, entry.waitedMillis)
    const timeout = entry.origin.traced ? undefined : timeoutOf(entry, this.config)
    if (timeout !== undefined) {
      entry.deadline = this.timers.schedule(entry.startedAt + Duration.toMillis(timeout), () => this.timeOut(entry))
    }
    const key = entry.keyState
    if (key.name !== undefined) this.stats.onKey(key.name, key.running, key.queued)
  }

  /** The running-time timeout of an untraced task passed: interrupt it. */
  private timeOut(entry: TaskEntry): void {
    entry.deadline = undefined
    if (entry.phase !== Phase.Running || entry.worker === undefined) return
    entry.timedOut = true
    this.interruptWorker(entry.worker, FiberId.none)
  }

  /** Counts a finished run, frees its key, and makes its result. */
  private finish(entry: TaskEntry, interrupted: Exit.Exit<unknown, unknown>): AnyResult {
    if (entry.deadline !== undefined) {
      this.timers.cancel(entry.deadline)
      entry.deadline = undefined
    }
    // A run the timer interrupted ends with the timeout error, as
    // `Effect.timeoutFail` would end it: after the task's finalizers ran.
    const exit = entry.timedOut && Exit.isInterrupted(interrupted)
      ? Exit.fail(new TaskTimeoutError({ taskId: entry.taskId, timeout: timeoutOf(entry, this.config)!, phase: "running" }))
      : interrupted
    entry.phase = Phase.Callback
    const now = this.now()
    const ran = now - entry.startedAt
    this.stats.onFinished(entry.priority, outcomeOf(exit, entry.timedOut), ran)
    const key = entry.keyState
    this.scheduler.finished(key, now)
    if (key.name !== undefined) this.stats.onKey(key.name, key.running, key.queued)
    this.dispatch()
    return resultOf(entry, exit, Duration.millis(ran))
  }

  /** Settles a task that never ran: cancelled, evicted or expired in the queue, or shut down. */
  private settleUnrun(entry: TaskEntry, exit: Exit.Exit<never, unknown>): void {
    entry.waitedMillis = this.now() - entry.submittedAt
    this.complete(entry, resultOf(entry, exit, Duration.zero))
  }

  /**
   * Settles a task off its worker: runs its callback, if any, on a fiber of
   * its own (with the submitter's runtime), then settles it.
   */
  private complete(entry: TaskEntry, result: AnyResult): void {
    const callback = entry.task.callback
    if (callback === undefined) return this.settle(entry, result)
    entry.phase = Phase.Callback
    // Once the callbacks' grace after the shutdown deadline is over, a
    // callback runs on the spot and is cut off at its first suspension, so
    // that it cannot hold shutdown.
    const cut = this.callbacksCut
    const fiber = Runtime.runFork(entry.origin.runtime, callbackProgram(this.config.name, callback, result), { immediate: cut })
    this.callbackFibers.add(fiber)
    fiber.addObserver((exit) => {
      this.callbackFibers.delete(fiber)
      if (Exit.isFailure(exit)) this.stats.onCallbackFailure()
      this.settle(entry, result)
    })
    if (cut) fiber.unsafeInterruptAsFork(this.stoppedBy!)
  }

  private settle(entry: TaskEntry, result: AnyResult): void {
    if (entry.worker !== undefined) {
      if (entry.worker.current === entry) entry.worker.current = undefined
      entry.worker = undefined
      this.stats.onRunning(--this.running)
    }
    this.ids.delete(entry.taskId)
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
    const interruptible = entry.phase === Phase.Running || this.callbacksCut
    if (entry.worker !== undefined && interruptible) this.interruptWorker(entry.worker, by)
  }

  /**
   * Interrupts what a worker runs and dooms the worker: it settles that task
   * and stops, so that the interruption can never reach a later task.
   */
  private interruptWorker(worker: Worker, by: FiberId.FiberId): void {
    if (worker.doomed) return
    worker.doomed = true
    worker.cancelledBy = by
    worker.fiber?.unsafeInterruptAsFork(by)
  }

  // ---- shutdown ----

  private checkIdle(): void {
    if (this.isIdle() && this.idleWaiters.size > 0) {
      for (const resume of this.idleWaiters) resume()
      this.idleWaiters.clear()
    }
  }

  private readonly awaitIdle: Effect.Effect<void> = Effect.suspend(() =>
    this.isIdle() ? Effect.void : Effect.async<void>((resume) => {
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
      this.ids.delete(waiter.entry.taskId)
      waiter.resume(Effect.fail(this.shutdownError(waiter.entry.taskId)))
    }
    this.waiters.clear()
  }

  /**
   * At the shutdown deadline: queued tasks settle with `PoolShutdownError`
   * and running ones are interrupted. Their callbacks still run.
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
    for (const worker of this.workers) if (worker.current !== undefined) this.cancel(worker.current, by)
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

  private isIdle(): boolean {
    return this.unsettled === 0 && this.busy === 0
  }

  /**
   * How long callbacks may still run after the shutdown deadline: a few
   * turns of the scheduler, no clock time, enough for a callback that logs,
   * records or signals, not for one that waits on anything.
   */
  private callbackGrace(turns: number): Effect.Effect<void> {
    return Effect.suspend(() =>
      turns === 0 || this.isIdle() ? Effect.void : Effect.zipRight(Effect.yieldNow(), this.callbackGrace(turns - 1))
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
        Effect.ensuring(this.timers.close)
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
    return this.stats.snapshot(this.scheduler.size, this.running, keys)
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

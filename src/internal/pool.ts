import type * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as FiberRef from "effect/FiberRef"
import * as FiberRefs from "effect/FiberRefs"
import * as Runtime from "effect/Runtime"
import type * as RuntimeFlags from "effect/RuntimeFlags"
import type * as Tracer from "effect/Tracer"
import type { OverflowPolicy, ResolvedPoolConfig } from "../PoolConfig.js"
import { InvalidTaskError, PoolShutdownError, QueueFullError, TaskTimeoutError } from "../PoolError.js"
import type { PoolMetrics } from "../PoolMetrics.js"
import { PoolEvent } from "../PoolEvent.js"
import * as Priority from "../Priority.js"
import type { Task } from "../Task.js"
import type { TaskInfo } from "../TaskInfo.js"
import { Admission, type AdmissionOwner } from "./admission.js"
import { currentTask } from "./currentTask.js"
import type { EventHub } from "./events.js"
import { Lending } from "./lending.js"
import * as Observe from "./observe.js"
import { type Origin, originOf } from "./origin.js"
import { type RunnerOwner, TaskRunner } from "./runner.js"
import { forever, Scheduler } from "./scheduler.js"
import { type Drainable, drain } from "./shutdown.js"
import type { PoolStats } from "./stats.js"
import * as Stopwatch from "./stopwatch.js"
import { type AnyResult, type EntryOwner, Phase, TaskEntry } from "./taskEntry.js"
import { Timers } from "./timers.js"
import { duplicateId, validateTask, type ValidTask } from "./validateTask.js"

/**
 * The pool: admission, the queue and the dispatch of tasks to worker slots.
 * Its state is plain data updated synchronously: JavaScript runs one fiber
 * step at a time, so each transition below is atomic, and the per-task path
 * pays for no `Ref`, `Queue`, semaphore or `Deferred`.
 *
 * A task is given one of the `workers` slots synchronously, when the
 * scheduler picks it; the runner (`runner.ts`) runs it on a fiber of its own.
 *
 * Invariant: unless the pool is being forced to stop, no task that could
 * start is queued while fewer than `workers` tasks hold a slot.
 *
 * @internal
 */
export class PoolCore implements EntryOwner, AdmissionOwner, Drainable, RunnerOwner {
  private readonly scheduler: Scheduler<TaskEntry>
  private readonly timers: Timers
  private readonly runner: TaskRunner
  private readonly admission = new Admission(this)
  private readonly lending = new Lending()
  /** The tasks queued, running, retrying or waiting to enter, by id: no two may share one. */
  private readonly tasks = new Map<string, TaskEntry>()
  /** Shutdown callers waiting for the pool to be idle, but for the task each is one of, if any. */
  private readonly idleWaiters = new Set<{ readonly except: TaskEntry | undefined; readonly resume: () => void }>()
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
  /** The concurrency bound now: `config.workers`, or the last `resize`. */
  workers: number
  /** While set (`pool.pause`), no task starts. */
  private paused = false

  constructor(
    readonly config: ResolvedPoolConfig,
    private readonly clock: Clock.Clock,
    private readonly runtime: Runtime.Runtime<never>,
    private readonly stats: PoolStats,
    private readonly hub: EventHub,
    private readonly shutdownDone: Deferred.Deferred<void>
  ) {
    this.workers = config.workers
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
    this.runner = new TaskRunner(
      config,
      this.scheduler,
      this.timers,
      stats,
      this.now,
      clock,
      hub,
      FiberRefs.getOrDefault(runtime.fiberRefs, FiberRef.currentScheduler),
      this
    )
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

  submit(task: Task.Any, overflow: OverflowPolicy): Effect.Effect<TaskEntry, any, any> {
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
    return this.lendWhile(this.admission.wait(new TaskEntry(this, valid, origin, this.scheduler.keyState(valid.key))))
  }

  reserve(entry: TaskEntry): void {
    this.tasks.set(entry.taskId, entry)
  }

  forget(entry: TaskEntry): void {
    this.tasks.delete(entry.taskId)
  }

  isFull(): boolean {
    return this.scheduler.size >= this.config.queueSize && this.runner.busy >= this.workers
  }

  wakeWhenStartable(entry: TaskEntry): void {
    // With no queue room, it may be its key that holds the task back.
    this.scheduler.wakeWhenStartable(entry.keyState, this.now())
  }

  hasRoomFor(entry: TaskEntry): boolean {
    return this.scheduler.size < this.config.queueSize || this.canStartNow(entry)
  }

  /**
   * Whether a new task may start on the spot: a slot is free, the pool is
   * not paused, no task waits to take its worker back, its key may start,
   * and no task of its key is queued (the queued ones go first).
   */
  private canStartNow(entry: TaskEntry): boolean {
    const key = entry.keyState
    if (this.runner.busy >= this.workers || this.paused || this.lending.size > 0) return false
    if (key.queued > 0 || key.running >= key.limit) return false
    return key.timeBound() ? this.scheduler.canStart(key, this.now()) : true
  }

  /** Evicts a queued task of lower effective priority, if there is one. */
  private evictFor(entry: TaskEntry): boolean {
    const victim = this.scheduler.evictionCandidate(entry.level, this.now())
    if (victim === undefined) return false
    this.unqueue(victim)
    this.stats.onEvicted(victim.priority)
    this.runner.settleUnrun(victim, Exit.fail(this.queueFullError(victim.taskId, true)), "evicted")
    return true
  }

  accept(entry: TaskEntry): void {
    this.unsettled++
    this.stats.onSubmitted()
    entry.seq = this.accepted++
    const now = this.now()
    entry.submittedAt = now
    entry.enqueuedAt = now
    if (this.hub.active) {
      this.hub.publish(PoolEvent.TaskAccepted({
        timestamp: this.hub.timestamp(),
        taskId: entry.taskId,
        priority: entry.priority,
        key: entry.key,
        attempt: 1
      }))
    }
    if (this.canStartNow(entry)) {
      this.scheduler.started(entry.keyState, now)
      this.runner.assign(entry, now)
      this.runner.launchSoon()
    } else {
      this.scheduler.enqueue(entry, now)
      this.queued(entry, now)
    }
  }

  /** A retried task's delay has passed: it goes back into the queue at its place. */
  requeue(entry: TaskEntry): void {
    if (entry.phase !== Phase.Retrying) return
    const now = this.now()
    entry.phase = Phase.Queued
    entry.lastResult = undefined
    entry.enqueuedAt = now
    this.scheduler.requeue(entry, now)
    this.queued(entry, now)
  }

  /** A task has entered the queue: its queue deadline starts, and a slot may take it. */
  private queued(entry: TaskEntry, now: number): void {
    const queueTimeout = entry.queueTimeout ?? this.config.queueTimeout
    if (queueTimeout !== undefined && Duration.isFinite(queueTimeout)) {
      entry.deadline = this.timers.schedule(now + Duration.toMillis(queueTimeout), () => this.expire(entry, queueTimeout))
    }
    this.onQueueChange(entry)
    this.dispatch()
  }

  mayRetry(): boolean {
    return this.accepting
  }

  get forcedStop(): boolean {
    return this.stoppedBy !== undefined
  }

  /** Lets waiting submitters in as far as there is room. */
  private admitWaiters(): void {
    if (this.accepting) this.admission.admit()
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
    this.runner.settleUnrun(
      entry,
      Exit.fail(new TaskTimeoutError({ taskId: entry.taskId, timeout, phase: "queued" })),
      "expired"
    )
    this.admitWaiters()
  }

  pauseKey(name: string, duration: Duration.Duration): void {
    const now = this.now()
    const key = this.scheduler.keyState(name)
    this.scheduler.pause(key, now + Duration.toMillis(duration), now)
    const until = key.pausedUntil!
    if (this.hub.active) {
      const timestamp = this.hub.timestamp()
      this.hub.publish(PoolEvent.KeyPaused({ timestamp, key: name, until: until === forever ? forever : timestamp + until - now }))
    }
    if (until !== forever) {
      this.timers.schedule(until, () => {
        if (key.pausedUntil !== until) return
        key.isPaused(until)
        if (this.hub.active) this.hub.publish(PoolEvent.KeyResumed({ timestamp: this.hub.timestamp(), key: name }))
      })
    }
    // waiters for this key now need a wake-up at the pause's end
    this.admitWaiters()
  }

  resumeKey(name: string): void {
    const key = this.scheduler.keyState(name)
    const wasPaused = key.isPaused(this.now())
    this.scheduler.resume(key, this.now())
    if (wasPaused && this.hub.active) this.hub.publish(PoolEvent.KeyResumed({ timestamp: this.hub.timestamp(), key: name }))
    this.dispatch()
  }

  /** `pool.pause`: no task starts until `resume`; running ones go on. */
  pause(): void {
    if (this.paused || !this.accepting) return
    this.paused = true
    if (this.hub.active) this.hub.publish(PoolEvent.PoolPaused({ timestamp: this.hub.timestamp() }))
  }

  resume(): void {
    if (!this.paused) return
    this.paused = false
    if (this.hub.active) this.hub.publish(PoolEvent.PoolResumed({ timestamp: this.hub.timestamp() }))
    this.dispatch()
  }

  /** `pool.resize`: growing starts queued tasks at once; shrinking interrupts nothing. */
  resize(workers: number): void {
    this.workers = workers
    this.stats.onResized(workers, this.runner.busy)
    if (this.hub.active) this.hub.publish(PoolEvent.PoolResized({ timestamp: this.hub.timestamp(), workers }))
    this.dispatch()
  }

  // ---- running ----

  /**
   * Gives free slots to tasks taking their worker back and to the queued
   * tasks that may start now, then lets waiting submitters in. A task
   * taking its worker back goes before any queued task of its effective
   * level or lower.
   */
  dispatch(): void {
    while (this.runner.busy < this.workers && this.stoppedBy === undefined) {
      const now = this.now()
      if (this.lending.size > 0) {
        const borrower = this.lending.best((entry) => this.scheduler.effectiveLevel(entry, now))!
        if (this.paused || this.scheduler.peekLevel(now) <= this.scheduler.effectiveLevel(borrower, now)) {
          this.runner.takeSlot(borrower)
          this.lending.resume(borrower)
          continue
        }
      }
      if (this.paused || this.scheduler.size === 0) break
      const entry = this.scheduler.take(now)
      if (entry === undefined) break
      this.leftQueue(entry)
      this.runner.assign(entry, now)
    }
    this.admitWaiters()
    this.runner.launchSoon()
  }

  /**
   * Runs `wait`, a wait on this pool. When the waiting fiber works for one
   * of the pool's tasks, that task gives its worker back for the wait, and
   * takes one again before the last of its waiting fibers goes on.
   */
  lendWhile<A, E, R>(wait: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    return Effect.withFiberRuntime((fiber) => {
      const task = fiber.getFiberRef(currentTask)
      if (task === undefined || task.owner !== this || (!task.holdsSlot && task.waits === 0)) return wait
      return Effect.acquireUseRelease(Effect.sync(() => this.lend(task)), () => wait, () => this.takeBack(task))
    })
  }

  private lend(task: TaskEntry): void {
    if (task.waits++ > 0 || !task.holdsSlot) return
    this.runner.freeSlot(task)
    this.dispatch()
  }

  private takeBack(task: TaskEntry): Effect.Effect<void> {
    return Effect.async<void>((resume) => {
      if (--task.waits > 0 || task.holdsSlot || !this.mayTakeBack(task)) return resume(Effect.void)
      this.lending.wait(task, () => resume(Effect.void))
      this.dispatch()
    })
  }

  /** Whether a task's fiber should wait for a worker to go on: not when its run is being stopped. */
  private mayTakeBack(task: TaskEntry): boolean {
    return this.stoppedBy === undefined && task.interruptedBy === undefined && !task.timedOut &&
      (task.phase === Phase.Running || task.phase === Phase.Callback)
  }

  releaseWaiter(entry: TaskEntry): void {
    if (entry.waits > 0) this.lending.resume(entry)
  }

  settle(entry: TaskEntry, result: AnyResult): void {
    this.tasks.delete(entry.taskId)
    this.unsettled--
    entry.settle(result)
    if (this.hub.active) {
      this.hub.publish(PoolEvent.TaskSettled({
        timestamp: this.hub.timestamp(),
        taskId: entry.taskId,
        outcome: entry.outcome,
        attempts: result.attempts,
        duration: result.duration,
        waitTime: result.waitTime
      }))
    }
    this.checkIdle()
  }

  cancel(entry: TaskEntry, by: FiberId.FiberId): void {
    if (entry.phase === Phase.Queued) {
      this.unqueue(entry)
      this.stats.onSettledUnrun(entry.priority)
      this.runner.settleUnrun(entry, Exit.interrupt(by), this.stoppedBy === undefined ? "cancelled" : "shutdown")
      this.admitWaiters()
      return
    }
    if (entry.phase === Phase.Retrying) {
      this.timers.cancel(entry.deadline!)
      entry.deadline = undefined
      this.stats.onSettledUnrun(entry.priority)
      this.runner.settleUnrun(entry, Exit.interrupt(by), "cancelled")
      return
    }
    // A callback is not cancelled, except to end a forced shutdown.
    if (entry.phase === Phase.Running || (entry.phase === Phase.Callback && this.runner.cutBy !== undefined)) {
      this.runner.interruptRun(entry, by)
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

  /** `pool.cancel(taskId)`: cancels the accepted task of that id as its handle would; `false` if there is none. */
  cancelById(taskId: string): Effect.Effect<boolean> {
    return Effect.suspend(() => {
      const entry = typeof taskId === "string" ? this.tasks.get(taskId) : undefined
      if (entry === undefined || entry.seq < 0) return Effect.succeed(false)
      return Effect.as(entry.cancel, true)
    })
  }

  // ---- shutdown ----

  private checkIdle(): void {
    if (this.unsettled > 1) return
    if (this.unsettled === 0) this.lastOrigin = undefined
    for (const waiter of this.idleWaiters) {
      if (this.unsettled === 0 || (waiter.except !== undefined && waiter.except.phase !== Phase.Settled)) {
        this.idleWaiters.delete(waiter)
        waiter.resume()
      }
    }
  }

  /** Waits until every accepted task but `except` (the caller's own task, if any) has settled. */
  private awaitSettledBut(except: TaskEntry | undefined): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.unsettled === 0 || (except !== undefined && this.unsettled === 1)) return Effect.void
      return Effect.async<void>((resume) => {
        const waiter = { except, resume: () => resume(Effect.void) }
        this.idleWaiters.add(waiter)
        return Effect.sync(() => {
          this.idleWaiters.delete(waiter)
        })
      })
    })
  }

  readonly awaitIdle: Effect.Effect<void> = this.awaitSettledBut(undefined)

  stopAccepting(): void {
    this.accepting = false
    if (this.hub.active) this.hub.publish(PoolEvent.ShutdownStarted({ timestamp: this.hub.timestamp() }))
    this.resume()
    this.admission.refuseAll((entry) => {
      this.stats.onRejected("shutdown")
      return this.shutdownError(entry.taskId)
    })
    // No new attempt starts: a task waiting for one settles with its last failure.
    for (const entry of this.tasks.values()) {
      if (entry.phase !== Phase.Retrying) continue
      this.timers.cancel(entry.deadline!)
      entry.deadline = undefined
      const last = entry.lastResult!
      this.stats.onFinished(entry.priority, entry.outcome === "timeout" ? "timeout" : "failure", entry.ranMillis)
      this.runner.settleHeld(entry, last, entry.outcome)
    }
  }

  /**
   * At the shutdown deadline: queued tasks settle with `PoolShutdownError`,
   * then running ones are interrupted. Their callbacks still run.
   */
  forceStop(by: FiberId.FiberId): void {
    this.stoppedBy = by
    for (const entry of this.scheduler.removeAll(this.now())) {
      this.leftQueue(entry)
      this.stats.onSettledUnrun(entry.priority)
      this.runner.settleUnrun(entry, Exit.fail(this.shutdownError(entry.taskId)), "shutdown")
    }
    this.lending.resumeAll()
    this.cancelOnWorkers(by)
  }

  private cancelOnWorkers(by: FiberId.FiberId): void {
    for (const entry of this.tasks.values()) if (entry.phase !== Phase.Queued) this.cancel(entry, by)
  }

  /**
   * After the callbacks' grace: callbacks still running are interrupted (and
   * counted as callback failures), so that shutdown cannot hang on one.
   */
  cutCallbacks(by: FiberId.FiberId): void {
    this.runner.cutCallbacks(by)
    this.cancelOnWorkers(by)
  }

  isIdle(): boolean {
    return this.unsettled === 0
  }

  readonly close: Effect.Effect<void> = Effect.zipRight(
    Effect.suspend(() => this.timers.close),
    Effect.sync(() => {
      this.lastOrigin = undefined
    })
  )

  /**
   * The drain runs on a fiber of its own, so that a caller that is itself
   * one of the pool's tasks (a task that shuts its pool down) can be
   * interrupted at the deadline like any other task.
   */
  readonly shutdown: Effect.Effect<void> = Effect.withFiberRuntime((fiber) => {
    if (!this.shutdownStarted) {
      this.shutdownStarted = true
      Runtime.runFork(
        this.runtime,
        Effect.ensuring(
          drain(this, this.config.shutdownTimeout),
          Effect.zipRight(Deferred.done(this.shutdownDone, Exit.void), Effect.sync(() => this.shutdownCompleted()))
        )
      )
    }
    // Called by one of the pool's own tasks (or its callback): waiting for
    // that task would wait for the caller itself.
    const caller = fiber.getFiberRef(currentTask)
    return caller !== undefined && caller.owner === this && caller.phase !== Phase.Settled
      ? this.awaitSettledBut(caller)
      : Deferred.await(this.shutdownDone)
  })

  private shutdownCompleted(): void {
    if (this.hub.active) this.hub.publish(PoolEvent.ShutdownCompleted({ timestamp: this.hub.timestamp() }))
    this.hub.end()
  }

  shutdownError(taskId: string): PoolShutdownError {
    return new PoolShutdownError({ pool: this.config.name, taskId })
  }

  private queueFullError(taskId: string, evicted: boolean): QueueFullError {
    return new QueueFullError({ pool: this.config.name, taskId, queueSize: this.config.queueSize, evicted })
  }

  // ---- observation ----

  readonly metrics: Effect.Effect<PoolMetrics> = Effect.sync(() =>
    this.stats.snapshot(
      this.scheduler.size,
      this.runner.busy,
      Observe.keyMetrics(this.scheduler, this.now()),
      this.paused
    )
  )

  readonly tasksSnapshot: Effect.Effect<ReadonlyArray<TaskInfo>> = Effect.sync(() =>
    Observe.taskInfos(this.scheduler, this.tasks.values(), this.now())
  )
}

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
import * as Priority from "../Priority.js"
import type { Task } from "../Task.js"
import { Admission, type AdmissionOwner } from "./admission.js"
import type { EventHub } from "./events.js"
import { Lending, type LendingOwner } from "./lending.js"
import { type Origin, originOf } from "./origin.js"
import { type RunnerOwner, TaskRunner } from "./runner.js"
import { Scheduler } from "./scheduler.js"
import { Settlement } from "./shutdown.js"
import { recordSubmission } from "./taskSpan.js"
import type { PoolStats } from "./stats.js"
import * as Stopwatch from "./stopwatch.js"
import { type AnyResult, type EntryOwner, Phase, TaskEntry } from "./taskEntry.js"
import { Timers } from "./timers.js"
import { duplicateId, validateTask, type ValidTask } from "./validateTask.js"

/**
 * The pool's queue and dispatch: admission, the queue and the dispatch of
 * tasks to worker slots. Its state is plain data updated synchronously:
 * JavaScript runs one fiber step at a time, so each transition below is
 * atomic, and the per-task path pays for no `Ref`, `Queue`, semaphore or
 * `Deferred`. `PoolCore` adds the commands of a running pool.
 *
 * A task is given one of the `workers` slots synchronously, when the
 * scheduler picks it; the runner (`runner.ts`) runs it on a fiber of its own.
 *
 * Invariant: unless the pool is being forced to stop, no task that could
 * start is queued while fewer than `workers` tasks hold a slot.
 *
 * @internal
 */
export abstract class PoolQueue implements EntryOwner, AdmissionOwner, RunnerOwner, LendingOwner {
  protected readonly scheduler: Scheduler<TaskEntry>
  protected readonly timers: Timers
  protected readonly runner: TaskRunner
  protected readonly admission = new Admission(this)
  protected readonly lending = new Lending(this)
  /** The tasks queued, running, retrying or waiting to enter, by id: no two may share one. */
  protected readonly tasks = new Map<string, TaskEntry>()
  protected readonly settlement = new Settlement(() => {
    this.lastOrigin = undefined
  })
  /**
   * The origin made last; consecutive submissions from a fiber whose refs
   * did not change share it. Dropped whenever the pool is idle, so that the
   * pool keeps nothing of a submitter whose tasks have all settled.
   */
  protected lastOrigin: Origin | undefined = undefined
  protected accepted = 0
  protected accepting = true
  protected shutdownStarted = false
  /** Set when the shutdown deadline passed: the pool is being forced to stop. */
  protected stoppedBy: FiberId.FiberId | undefined = undefined
  /** The concurrency bound now: `config.workers`, or the last `resize`. */
  workers: number
  /** While set (`pool.pause`), no task starts. */
  protected paused = false

  constructor(
    readonly config: ResolvedPoolConfig,
    protected readonly clock: Clock.Clock,
    protected readonly runtime: Runtime.Runtime<never>,
    protected readonly stats: PoolStats,
    protected readonly hub: EventHub,
    protected readonly shutdownDone: Deferred.Deferred<void>
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
  protected readonly now: () => number

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
    recordSubmission(span, valid, this.clock, this.config.name)
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
  protected canStartNow(entry: TaskEntry): boolean {
    const key = entry.keyState
    if (this.runner.busy >= this.workers || this.paused || this.lending.size > 0) return false
    if (key.queued > 0 || key.running >= key.limit) return false
    return key.timeBound() ? this.scheduler.canStart(key, this.now()) : true
  }

  /** Evicts a queued task of lower effective priority, if there is one. */
  protected evictFor(entry: TaskEntry): boolean {
    const victim = this.scheduler.evictionCandidate(entry.level, this.now())
    if (victim === undefined) return false
    this.unqueue(victim)
    this.stats.onEvicted(victim.priority)
    this.runner.settleUnrun(victim, Exit.fail(this.queueFullError(victim.taskId, true)), "evicted")
    return true
  }

  accept(entry: TaskEntry): void {
    this.settlement.accepted()
    this.stats.onSubmitted()
    entry.seq = this.accepted++
    const now = this.now()
    entry.submittedAt = now
    entry.enqueuedAt = now
    this.hub.taskAccepted(entry)
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
    entry.enqueuedAt = now
    this.scheduler.requeue(entry, now)
    this.queued(entry, now)
  }

  /** A task has entered the queue: its queue deadline starts, and a slot may take it. */
  protected queued(entry: TaskEntry, now: number): void {
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
  protected admitWaiters(): void {
    if (this.accepting) this.admission.admit()
  }

  /** Takes a queued task out of the queue. */
  protected unqueue(entry: TaskEntry): void {
    this.scheduler.remove(entry, this.now())
    this.leftQueue(entry)
  }

  protected leftQueue(entry: TaskEntry): void {
    if (entry.deadline !== undefined) this.timers.cancel(entry.deadline)
    entry.deadline = undefined
    this.onQueueChange(entry)
  }

  protected onQueueChange(entry: TaskEntry): void {
    this.stats.onQueueDepth(entry.level, this.scheduler.sizeOf(entry.level))
    const key = entry.keyState
    if (key.name !== undefined) this.stats.onKey(key.name, key.running, key.queued)
  }

  /** The queue deadline passed: a task still queued settles without running. */
  protected expire(entry: TaskEntry, timeout: Duration.Duration): void {
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
          this.lending.serve(borrower)
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

  lendWhile<A, E, R>(wait: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    return this.lending.lendWhile(wait)
  }

  releaseWaiter(entry: TaskEntry): void {
    this.lending.resume(entry)
  }

  freeSlot(entry: TaskEntry): void {
    this.runner.freeSlot(entry)
  }

  takeSlot(entry: TaskEntry): void {
    this.runner.takeSlot(entry)
  }

  settle(entry: TaskEntry, result: AnyResult): void {
    this.tasks.delete(entry.taskId)
    entry.settle(result)
    this.hub.taskSettled(entry, result)
    this.settlement.settled()
  }

  shutdownError(taskId: string): PoolShutdownError {
    return new PoolShutdownError({ pool: this.config.name, taskId })
  }

  protected queueFullError(taskId: string, evicted: boolean): QueueFullError {
    return new QueueFullError({ pool: this.config.name, taskId, queueSize: this.config.queueSize, evicted })
  }


  abstract cancel(entry: TaskEntry, by: FiberId.FiberId): void
}

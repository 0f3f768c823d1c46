/**
 * What a running pool offers: the {@link WorkerPoolService} interface that
 * `yield* WorkerPool` returns, and the options of one submission.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import type * as PoolConfig from "./PoolConfig.js"
import type { OverflowPolicy } from "./PoolConfig.js"
import type {
  InvalidTaskError,
  PoolConfigError,
  PoolShutdownError,
  QueueFullError,
  TaskTimeoutError
} from "./PoolError.js"
import type { PoolEvent } from "./PoolEvent.js"
import type { PoolMetrics } from "./PoolMetrics.js"
import type { Task } from "./Task.js"
import type { TaskHandle } from "./TaskHandle.js"
import type { TaskInfo } from "./TaskInfo.js"
import type { TaskResult } from "./TaskResult.js"

/**
 * What a pool offers once it is running.
 *
 * @since 0.1.0
 * @category models
 */
export interface WorkerPoolService {
  /**
   * The configuration the pool runs with: the options it was made with,
   * validated, with every default filled in (`workers` 10, `queueSize` 100,
   * `shutdownTimeout` 30 seconds, `enableMetrics` true, `name` `"default"`,
   * `overflow` `"backpressure"`, `keyLimits` and `rateLimits` empty).
   * Durations are `Duration`s; `taskTimeout`, `queueTimeout`,
   * `agingInterval` and `defaultKeyLimit` are `undefined` when not set, and
   * so is a timeout or aging interval given as `Infinity`. It is what the
   * pool was made with; it never changes.
   *
   * @example
   * ```ts
   * const pool = yield* WorkerPool
   * yield* Effect.log(`pool ${pool.config.name}: ${pool.config.workers} workers, queue of ${pool.config.queueSize}`)
   * ```
   *
   * @since 0.1.0
   */
  readonly config: PoolConfig.ResolvedPoolConfig

  /**
   * Hands a task to the pool and returns its handle once the pool has
   * accepted it. When the queue is full it follows `options.overflow`, or
   * else the pool's `overflow` policy: `"backpressure"` (the default) waits
   * for room, interruptibly, and a submitter interrupted while waiting
   * enqueues nothing; `"reject"` and `"evict-lowest"` fail with
   * `QueueFullError` when they cannot make room (so with the default policy
   * and no options, `QueueFullError` never happens). Fails with
   * `InvalidTaskError` for a malformed task or options (or an id already in
   * the pool) and `PoolShutdownError` once the pool is shutting down.
   *
   * @example
   * ```ts
   * const pool = yield* WorkerPool
   * const handle = yield* pool.submit({ id: "summarize", execute: Effect.succeed("a summary"), priority: Priority.High })
   * const summary = yield* handle.join
   * // with a full queue, make room by evicting a queued task of lower priority
   * const urgent = yield* pool.submit(
   *   { id: "urgent", execute: Effect.succeed(1), priority: Priority.Critical },
   *   { overflow: "evict-lowest" }
   * )
   * ```
   *
   * @since 0.1.0
   */
  submit<A, E, R>(
    task: Task<A, E, R>,
    options?: SubmitOptions
  ): Effect.Effect<TaskHandle<A, E>, QueueFullError | PoolShutdownError | InvalidTaskError, R>

  /**
   * Like `submit`, but fails at once with `QueueFullError` when the queue is
   * full instead of waiting (the `"reject"` policy, whatever the pool's
   * `overflow` option). The refusal is counted in `metrics.tasksRejected`.
   *
   * @example
   * ```ts
   * const pool = yield* WorkerPool
   * const accepted = yield* pool.trySubmit({ id: "optional", execute: Effect.succeed(1) }).pipe(
   *   Effect.as(true),
   *   Effect.catchTag("QueueFullError", () => Effect.succeed(false))
   * )
   * ```
   *
   * @since 0.1.0
   */
  trySubmit<A, E, R>(
    task: Task<A, E, R>
  ): Effect.Effect<TaskHandle<A, E>, QueueFullError | PoolShutdownError | InvalidTaskError, R>

  /**
   * Submits a task and waits for its value: `submit` (waiting for room when
   * the queue is full, whatever the pool's `overflow` policy) followed by
   * `join`. It fails as the task failed (its typed error,
   * `TaskTimeoutError`, `PoolShutdownError`, or `QueueFullError` when
   * another submission evicted it from the queue), or with
   * `InvalidTaskError` for a malformed task. Interrupting the caller cancels
   * the task.
   *
   * @example
   * ```ts
   * const pool = yield* WorkerPool
   * const answer = yield* pool.run({ id: "ask", execute: Effect.succeed(42), timeout: "10 seconds" })
   * ```
   *
   * @since 0.1.0
   */
  run<A, E, R>(
    task: Task<A, E, R>
  ): Effect.Effect<A, E | TaskTimeoutError | PoolShutdownError | QueueFullError | InvalidTaskError, R>

  /**
   * Runs tasks and emits their results in the order they complete. The
   * tasks may differ in value, error and requirement types: the stream's
   * types are their unions. Tasks are
   * submitted lazily as the pool has room, so the batch may be far larger
   * than the queue (or an endless iterable): no more than
   * `workers + queueSize` of its tasks are in the pool at once. The stream
   * fails with `InvalidTaskError` when it reaches a malformed task; a task
   * refused because the pool shut down is emitted as a result failed with
   * `PoolShutdownError`. Ending the stream early cancels the batch's tasks
   * still in the pool.
   *
   * @example
   * ```ts
   * const pool = yield* WorkerPool
   * const checks = Array.from({ length: 10_000 }, (_, n) => ({ id: `check-${n}`, execute: Effect.succeed(n % 7 !== 0) }))
   * const passed = yield* pool.submitBatch(checks).pipe(
   *   Stream.filter(TaskResult.isSuccess),
   *   Stream.filter((result) => result.exit.value),
   *   Stream.runCount
   * )
   * ```
   *
   * @since 0.1.0
   */
  submitBatch<T extends Task.Any>(
    tasks: Iterable<T>
  ): Stream.Stream<TaskResult<Task.Success<T>, Task.Error<T>>, InvalidTaskError, Task.Context<T>>

  /**
   * Runs tasks and returns their results in input order. Every task is
   * validated before any is submitted: one malformed task fails the call and
   * nothing runs. A task refused because the pool shut down meanwhile
   * appears as a result failed with `PoolShutdownError`. Interrupting the
   * caller cancels the tasks. Two tasks of one batch may not share an id.
   *
   * @example
   * ```ts
   * const pool = yield* WorkerPool
   * const results = yield* pool.runAll([
   *   { id: "a", execute: Effect.succeed(1) },
   *   { id: "b", execute: Effect.succeed(2) }
   * ])
   * const values = results.filter(TaskResult.isSuccess).map((result) => result.exit.value) // [1, 2]
   * ```
   *
   * @since 0.1.0
   */
  runAll<T extends Task.Any>(
    tasks: Iterable<T>
  ): Effect.Effect<ReadonlyArray<TaskResult<Task.Success<T>, Task.Error<T>>>, InvalidTaskError, Task.Context<T>>

  /**
   * Holds back the tasks of `key` for `duration`, for example after a 429
   * with Retry-After from that provider: its queued tasks stay queued (their
   * queue deadlines still run) and start once the pause ends; running ones
   * go on; other keys are not affected. A longer pause already in force is
   * kept. `duration` is a `DurationInput` >= 0 (milliseconds as a number,
   * a string such as `"30 seconds"`, or a `Duration`; `Infinity` pauses until
   * `resumeKey`), counted from now on the pool's `Clock`. Fails with `InvalidTaskError` for an empty key or an
   * invalid duration.
   *
   * @example
   * ```ts
   * const pool = yield* WorkerPool
   * // the provider answered 429 with Retry-After: 30
   * yield* pool.pauseKey("openai", "30 seconds")
   * ```
   *
   * @since 0.1.0
   */
  pauseKey(key: string, duration: Duration.DurationInput): Effect.Effect<void, InvalidTaskError>

  /**
   * Ends a pause of `key` at once: its queued tasks may start again. Does
   * nothing for a key that is not paused. Fails with `InvalidTaskError` for
   * an empty key.
   *
   * @example
   * ```ts
   * const pool = yield* WorkerPool
   * yield* pool.pauseKey("openai", "1 minute")
   * // the provider is back sooner than expected
   * yield* pool.resumeKey("openai")
   * ```
   *
   * @since 0.1.0
   */
  resumeKey(key: string): Effect.Effect<void, InvalidTaskError>

  /**
   * A snapshot of the pool's counters and current load (see
   * {@link PoolMetrics}), taken when it runs. It is kept whether or not
   * `enableMetrics` is on.
   *
   * @example
   * ```ts
   * const pool = yield* WorkerPool
   * const metrics = yield* pool.metrics
   * yield* Effect.log(`${metrics.running} running, ${metrics.queued} queued, ${metrics.tasksTimedOut} timed out`)
   * ```
   *
   * @since 0.1.0
   */
  readonly metrics: Effect.Effect<PoolMetrics>

  /**
   * Shuts the pool down gracefully: new submissions, and submitters still
   * waiting for room, fail with `PoolShutdownError`; queued tasks still run
   * and running ones finish, within `shutdownTimeout`. At the deadline
   * running tasks are interrupted and queued ones settle with
   * `PoolShutdownError`. Returns once every accepted task has settled.
   * Idempotent: later calls wait for the same shutdown. Closing the scope
   * of `WorkerPool.make`, or releasing `WorkerPool.layer`, runs it too.
   *
   * @example
   * ```ts
   * const pool = yield* WorkerPool.make({ workers: 2, shutdownTimeout: "5 seconds" })
   * yield* pool.submit({ id: "job", execute: Effect.sleep("10 millis") })
   * yield* pool.shutdown // waits for "job"
   * ```
   *
   * @since 0.1.0
   */
  readonly shutdown: Effect.Effect<void>

  /**
   * Cancels the task with this id, wherever it is (queued, running, or
   * waiting for its next attempt), exactly as its handle's `cancel` would,
   * and returns `true` once it has settled. Returns `false` when no task of
   * that id is in the pool (never accepted, already settled, or a
   * submitter still waiting for room).
   *
   * @example
   * ```ts
   * const pool = yield* WorkerPool
   * yield* pool.submit({ id: "report-42", execute: buildReport })
   * // the user closed the page
   * const cancelled = yield* pool.cancel("report-42")
   * ```
   *
   * @since 0.1.0
   */
  cancel(taskId: string): Effect.Effect<boolean>

  /**
   * Pauses the pool: no task starts until `resume`; running tasks go on;
   * submissions are accepted while there is queue room, then wait (or
   * follow the overflow policy) as usual; queue deadlines still run.
   * `metrics.paused` tells. A shutdown resumes the pool, so that queued
   * tasks run within `shutdownTimeout`. Pausing a paused pool does nothing.
   *
   * @example
   * ```ts
   * const pool = yield* WorkerPool
   * yield* pool.pause // maintenance window
   * yield* pool.resume
   * ```
   *
   * @since 0.1.0
   */
  readonly pause: Effect.Effect<void>

  /**
   * Ends a pause: queued tasks start again as workers are free. Does
   * nothing when the pool is not paused.
   *
   * @since 0.1.0
   */
  readonly resume: Effect.Effect<void>

  /**
   * Sets how many tasks may run at once while the pool runs. Growing starts
   * queued tasks at once; shrinking interrupts nothing: running tasks
   * finish, and no task starts until fewer than the new bound run.
   * `metrics.workers` is the bound now (`config.workers` stays what the
   * pool was made with). Fails with `PoolConfigError` (field `workers`)
   * unless `workers` is an integer >= 1.
   *
   * @example
   * ```ts
   * const pool = yield* WorkerPool
   * yield* pool.resize(32) // the provider raised our quota
   * ```
   *
   * @since 0.1.0
   */
  resize(workers: number): Effect.Effect<void, PoolConfigError>

  /**
   * A snapshot of every task in the pool (see {@link TaskInfo}): the queued
   * ones first, in the order they would start if every key were free now,
   * then the running, retrying and callback ones in acceptance order.
   * Submitters still waiting for room are not listed.
   *
   * @example
   * ```ts
   * const pool = yield* WorkerPool
   * const stuck = (yield* pool.tasks).filter((task) => Duration.greaterThan(task.runTime, "1 minute"))
   * ```
   *
   * @since 0.1.0
   */
  readonly tasks: Effect.Effect<ReadonlyArray<TaskInfo>>

  /**
   * The pool's events (see {@link PoolEvent}), from the moment the stream
   * starts; it ends after `ShutdownCompleted`. Each subscriber has a buffer
   * of `eventBufferSize` events of its own: a slow subscriber never slows
   * the pool or the others; when its buffer is full its oldest events are
   * dropped and it next receives `EventsDropped` with their count. With no
   * subscriber, the pool makes no events.
   *
   * @example
   * ```ts
   * const pool = yield* WorkerPool
   * yield* pool.events.pipe(
   *   Stream.runForEach((event) => Effect.log(event._tag)),
   *   Effect.forkScoped
   * )
   * ```
   *
   * @since 0.1.0
   */
  readonly events: Stream.Stream<PoolEvent>
}

/**
 * Options of one submission, the second argument of `pool.submit`.
 *
 * @example
 * ```ts
 * const handle = yield* pool.submit({ id: "a", execute: Effect.succeed(1) }, { overflow: "reject" })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface SubmitOptions {
  /**
   * What to do when the queue is full, for this submission only:
   * `"backpressure"` (wait for room), `"reject"` (fail with
   * `QueueFullError`) or `"evict-lowest"` (evict a queued task of lower
   * priority, else fail with `QueueFullError`). Default: the pool's
   * `overflow` option (itself `"backpressure"` by default).
   *
   * @since 0.1.0
   */
  readonly overflow?: OverflowPolicy | undefined
}

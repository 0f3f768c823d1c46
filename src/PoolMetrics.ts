/**
 * A snapshot of what a pool has done and is doing.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"

/**
 * The figures `pool.metrics` returns: counters since the pool was made
 * (`tasks*`, `callbackFailures`, `totalDuration`, `averageTaskTime`) and the
 * load now (`queued`, `running`, `keys`). The counters are kept whether or
 * not `enableMetrics` is on (that option only turns off the Effect `Metric`
 * updates). Every accepted task ends in exactly one of completed, failed and
 * cancelled, so once the pool is idle
 * `tasksSubmitted = tasksCompleted + tasksFailed + tasksCancelled`;
 * `tasksTimedOut`, `tasksExpired` and `tasksEvicted` count subsets of those.
 *
 * @example
 * ```ts
 * import { Duration, Effect } from "effect"
 * import { WorkerPool } from "@helixagent/concurrency"
 *
 * const report = Effect.gen(function*() {
 *   const pool = yield* WorkerPool
 *   const metrics = yield* pool.metrics
 *   const settled = metrics.tasksCompleted + metrics.tasksFailed + metrics.tasksCancelled
 *   yield* Effect.log(
 *     `${settled}/${metrics.tasksSubmitted} settled, ${metrics.queued} queued, ${metrics.running} running, ` +
 *       `${Duration.toMillis(metrics.averageTaskTime)} ms per task`
 *   )
 * })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface PoolMetrics {
  /**
   * Tasks the pool accepted. Submissions it refused are counted in
   * `tasksRejected` instead, and malformed tasks nowhere.
   *
   * @since 0.1.0
   */
  readonly tasksSubmitted: number

  /**
   * Tasks that succeeded.
   *
   * @since 0.1.0
   */
  readonly tasksCompleted: number

  /**
   * Tasks that failed: with a typed error, a defect, or a timeout (running
   * past `timeout`, or queued past `queueTimeout`). Includes
   * `tasksTimedOut`.
   *
   * @since 0.1.0
   */
  readonly tasksFailed: number

  /**
   * Of the failed tasks, those that settled with `TaskTimeoutError`: they ran
   * past their running-time timeout (`task.timeout` or the pool's
   * `taskTimeout`) and were interrupted, or they were still queued at their
   * queue deadline (these are `tasksExpired` too). Counted in `tasksFailed`.
   *
   * @since 0.1.0
   */
  readonly tasksTimedOut: number

  /**
   * Tasks cancelled (`handle.cancel`, an interrupted `run` or batch caller),
   * settled by shutdown without running, evicted from the queue, or
   * interrupted at the shutdown deadline. Includes `tasksEvicted`.
   *
   * @since 0.1.0
   */
  readonly tasksCancelled: number

  /**
   * Of the cancelled tasks, those evicted from the queue by the
   * `evict-lowest` overflow policy (they settled with `QueueFullError`,
   * `evicted: true`). Counted in `tasksCancelled`.
   *
   * @since 0.1.0
   */
  readonly tasksEvicted: number

  /**
   * Tasks whose queue deadline (`task.queueTimeout` or the pool's
   * `queueTimeout`) passed before they started; they never ran. Counted in
   * `tasksFailed` and `tasksTimedOut` too.
   *
   * @since 0.1.0
   */
  readonly tasksExpired: number

  /**
   * Submissions refused with `QueueFullError` (queue full under `trySubmit`
   * or the `reject` or `evict-lowest` policy) or `PoolShutdownError` (the
   * pool was shutting down). They were never accepted, so they are not in
   * `tasksSubmitted`.
   *
   * @since 0.1.0
   */
  readonly tasksRejected: number

  /**
   * Callbacks that failed, threw, or were interrupted at the end of a forced
   * shutdown. Their tasks' results are unaffected.
   *
   * @since 0.1.0
   */
  readonly callbackFailures: number

  /**
   * Retries: attempts that ran after a task's first, because its `retry`
   * schedule went on after a failure. A retried task counts once in
   * `tasksCompleted`, `tasksFailed` or `tasksCancelled`, with its last
   * outcome.
   *
   * @since 0.1.0
   */
  readonly tasksRetried: number

  /**
   * Running time (see `TaskResult.duration`) summed over the tasks that
   * completed or failed, measured on the pool's `Clock`. Cancelled tasks are
   * left out. `Duration.zero` until one has.
   *
   * @since 0.1.0
   */
  readonly totalDuration: Duration.Duration

  /**
   * `totalDuration` divided by `tasksCompleted + tasksFailed`: the mean
   * running time of a completed or failed task (expired tasks count with a
   * running time of zero). `Duration.zero` until a task has completed or
   * failed.
   *
   * @since 0.1.0
   */
  readonly averageTaskTime: Duration.Duration

  /**
   * Tasks waiting in the queue now, all levels and keys together (at most
   * `queueSize`). Submitters still waiting for room are not counted.
   *
   * @since 0.1.0
   */
  readonly queued: number

  /**
   * Tasks occupying a worker now: starting, running, or running their
   * callback (at most `workers`). A task that waits on another task of its
   * own pool gives its worker back meanwhile and is not counted.
   *
   * @since 0.1.0
   */
  readonly running: number

  /**
   * What each `task.key` seen so far is doing now, by key. Tasks without a
   * key appear in no entry.
   *
   * @since 0.1.0
   */
  readonly keys: Readonly<Record<string, KeyMetrics>>

  /**
   * Whether the pool is paused (`pool.pause`): no task starts until
   * `pool.resume`.
   *
   * @since 0.1.0
   */
  readonly paused: boolean

  /**
   * The concurrency bound now: the `workers` option, or the last
   * `pool.resize`.
   *
   * @since 0.1.0
   */
  readonly workers: number
}

/**
 * What one key is doing now, as `metrics.keys[key]` reports it.
 *
 * @since 0.1.0
 * @category models
 */
export interface KeyMetrics {
  /**
   * Tasks of the key running now (their callbacks not included), never more
   * than `limit`.
   *
   * @since 0.1.0
   */
  readonly running: number

  /**
   * Tasks of the key waiting in the queue now.
   *
   * @since 0.1.0
   */
  readonly queued: number

  /**
   * The key's concurrency limit: its entry in `keyLimits`, else
   * `defaultKeyLimit`; `undefined` when neither applies and the key is
   * unlimited.
   *
   * @since 0.1.0
   */
  readonly limit: number | undefined

  /**
   * Whether a `pauseKey` is holding the key's tasks back now.
   *
   * @since 0.1.0
   */
  readonly paused: boolean

  /**
   * Whether the key's rate limit (`rateLimits`) is holding its tasks back
   * now: its window already holds `limit` starts.
   *
   * @since 0.1.0
   */
  readonly rateLimited: boolean
}

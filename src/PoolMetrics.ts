/**
 * A snapshot of what a pool has done and is doing.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"

/**
 * The figures `pool.metrics` returns. The counters are kept whether or not
 * `enableMetrics` is on (that option only turns off the Effect `Metric`
 * updates), and once the pool is idle
 * `tasksSubmitted = tasksCompleted + tasksFailed + tasksCancelled`.
 *
 * - `tasksSubmitted`: tasks the pool accepted.
 * - `tasksCompleted`: tasks that succeeded.
 * - `tasksFailed`: tasks that failed with a typed error, a defect or a timeout.
 * - `tasksTimedOut`: of the failed tasks, those that timed out.
 * - `tasksCancelled`: tasks cancelled or interrupted, settled by shutdown
 *   without running, evicted from the queue, or interrupted at the shutdown
 *   deadline.
 * - `tasksEvicted`: of the cancelled tasks, those evicted from the queue by
 *   the `evict-lowest` overflow policy.
 * - `tasksExpired`: tasks whose queue deadline passed before they started
 *   (counted as failed and timed out too).
 * - `tasksRejected`: submissions refused because the queue was full
 *   (`trySubmit`) or the pool was shutting down. They were never accepted,
 *   so they are not in `tasksSubmitted`.
 * - `callbackFailures`: callbacks that failed, threw or were interrupted.
 * - `totalDuration` and `averageTaskTime`: running time summed and averaged
 *   over the tasks that completed or failed.
 * - `queued` and `running`: tasks waiting in the queue and tasks occupying a
 *   worker, now.
 * - `keys`: per `task.key` seen so far, what is running and queued now, its
 *   concurrency limit, and whether it is paused or held by its rate limit.
 *
 * @since 0.1.0
 * @category models
 */
export interface PoolMetrics {
  readonly tasksSubmitted: number
  readonly tasksCompleted: number
  readonly tasksFailed: number
  readonly tasksTimedOut: number
  readonly tasksCancelled: number
  readonly tasksEvicted: number
  readonly tasksExpired: number
  readonly tasksRejected: number
  readonly callbackFailures: number
  readonly totalDuration: Duration.Duration
  readonly averageTaskTime: Duration.Duration
  readonly queued: number
  readonly running: number
  readonly keys: Readonly<Record<string, KeyMetrics>>
}

/**
 * What one key is doing now. `limit` is `undefined` for a key without a
 * concurrency limit.
 *
 * @since 0.1.0
 * @category models
 */
export interface KeyMetrics {
  readonly running: number
  readonly queued: number
  readonly limit: number | undefined
  readonly paused: boolean
  readonly rateLimited: boolean
}

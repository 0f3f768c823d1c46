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
 * - `tasksCancelled`: tasks cancelled or interrupted, settled by shutdown
 *   without running, or interrupted at the shutdown deadline.
 * - `callbackFailures`: callbacks that failed, threw or were interrupted.
 * - `totalDuration` and `averageTaskTime`: running time summed and averaged
 *   over the tasks that completed or failed.
 * - `queued` and `running`: tasks waiting in the queue and tasks occupying a
 *   worker, now.
 *
 * @since 0.1.0
 * @category models
 */
export interface PoolMetrics {
  readonly tasksSubmitted: number
  readonly tasksCompleted: number
  readonly tasksFailed: number
  readonly tasksCancelled: number
  readonly callbackFailures: number
  readonly totalDuration: Duration.Duration
  readonly averageTaskTime: Duration.Duration
  readonly queued: number
  readonly running: number
}

/**
 * The outcome of one task.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import * as Exit from "effect/Exit"
import type { PoolShutdownError, TaskTimeoutError } from "./PoolError.js"
import type { Priority } from "./Priority.js"

/**
 * What became of a task: its `exit` (success, typed failure, defect,
 * `TaskTimeoutError`, `PoolShutdownError`, or interruption when it was
 * cancelled), how long it ran (`duration`, zero when it never ran) and how
 * long it waited in the queue (`waitTime`).
 *
 * @since 0.1.0
 * @category models
 */
export interface TaskResult<A, E = never> {
  readonly taskId: string
  readonly priority: Priority
  readonly exit: Exit.Exit<A, E | TaskTimeoutError | PoolShutdownError>
  readonly duration: Duration.Duration
  readonly waitTime: Duration.Duration
}

/**
 * Tells whether a task succeeded.
 *
 * @example
 * ```ts
 * import { TaskResult } from "@helixagent/concurrency"
 *
 * const ok = results.filter(TaskResult.isSuccess).length
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isSuccess = <A, E>(result: TaskResult<A, E>): boolean => Exit.isSuccess(result.exit)

/**
 * Tells whether a task did not succeed (failed, timed out, was cancelled or
 * was settled by shutdown).
 *
 * @since 0.1.0
 * @category guards
 */
export const isFailure = <A, E>(result: TaskResult<A, E>): boolean => Exit.isFailure(result.exit)

/**
 * A handle on a submitted task.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type { PoolShutdownError, TaskTimeoutError } from "./PoolError.js"
import type { TaskResult } from "./TaskResult.js"

/**
 * What `submit` returns once the pool has accepted a task.
 *
 * - `await` waits for the task's result (it never fails: the outcome is in
 *   the result's `exit`).
 * - `join` waits for the task's value, failing as the task failed.
 * - `cancel` removes a queued task from the queue, or interrupts a running
 *   one, and returns once the task has settled. Cancelling a settled task
 *   does nothing.
 *
 * @example
 * ```ts
 * const handle = yield* pool.submit({ id: "a", execute: Effect.succeed(1) })
 * const value = yield* handle.join
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface TaskHandle<A, E = never> {
  readonly taskId: string
  readonly await: Effect.Effect<TaskResult<A, E>>
  readonly join: Effect.Effect<A, E | TaskTimeoutError | PoolShutdownError>
  readonly cancel: Effect.Effect<void>
}

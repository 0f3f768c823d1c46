/**
 * A handle on a submitted task.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type { PoolShutdownError, QueueFullError, TaskTimeoutError } from "./PoolError.js"
import type { TaskResult } from "./TaskResult.js"

/**
 * What `submit` returns once the pool has accepted a task: `await` for its
 * result, `join` for its value, `cancel` to stop it. Waiting on a handle
 * (with `await` or `join`) and then being interrupted does not cancel the
 * task; only `cancel` does (and interrupting a `pool.run` caller).
 *
 * @example
 * ```ts
 * import { Effect, Exit } from "effect"
 * import { WorkerPool } from "@helixagent/concurrency"
 *
 * const program = Effect.gen(function*() {
 *   const pool = yield* WorkerPool
 *   const handle = yield* pool.submit({ id: "a", execute: Effect.succeed(1) })
 *   const value = yield* handle.join // 1
 *
 *   const slow = yield* pool.submit({ id: "slow", execute: Effect.never })
 *   yield* slow.cancel // returns once the task has settled
 *   const result = yield* slow.await
 *   return { value, cancelled: Exit.isInterrupted(result.exit) }
 * })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface TaskHandle<A, E = never> {
  /**
   * The `id` of the submitted task.
   *
   * @since 0.1.0
   */
  readonly taskId: string

  /**
   * Waits until the task has settled (its callback, if any, included) and
   * returns its result. It never fails: the outcome, whatever it is, is in
   * the result's `exit`. Once the task has settled it returns the same
   * result at once, as often as it is run.
   *
   * @since 0.1.0
   */
  readonly await: Effect.Effect<TaskResult<A, E>>

  /**
   * Waits until the task has settled and returns its value, failing as the
   * task failed: with its typed error `E`, a `TaskTimeoutError`, a
   * `PoolShutdownError` or a `QueueFullError` (evicted) in the error
   * channel, and with its defect or interruption in the cause.
   *
   * @since 0.1.0
   */
  readonly join: Effect.Effect<A, E | TaskTimeoutError | PoolShutdownError | QueueFullError>

  /**
   * Cancels the task and returns once it has settled. A queued task leaves
   * the queue without running; a running one is interrupted and its
   * finalizers run. Either way it settles as interrupted (by the fiber that
   * cancelled it) and its callback still runs. Cancelling a task that is
   * running its callback waits for the callback; cancelling a settled task
   * does nothing.
   *
   * @since 0.1.0
   */
  readonly cancel: Effect.Effect<void>
}

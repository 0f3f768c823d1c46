/**
 * What `pool.tasks` reports of each task in the pool.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type { Priority } from "./Priority.js"

/**
 * Where a task is now:
 *
 * - `"queued"`: waiting in the queue for a worker;
 * - `"running"`: an attempt is running (also while it waits on other tasks
 *   of its pool and has lent its worker);
 * - `"retrying"`: an attempt failed and the task waits for its next one,
 *   holding no worker;
 * - `"callback"`: its last attempt ended (or it never ran) and its callback
 *   is running.
 *
 * @since 0.1.0
 * @category models
 */
export type TaskState = "queued" | "running" | "retrying" | "callback"

/**
 * One task in a snapshot of the pool (`pool.tasks`).
 *
 * @example
 * ```ts
 * const pool = yield* WorkerPool
 * for (const task of yield* pool.tasks) {
 *   yield* Effect.log(`${task.taskId} ${task.state} attempt ${task.attempts} waited ${Duration.format(task.waitTime)}`)
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface TaskInfo {
  /**
   * The task's id.
   *
   * @since 0.1.0
   */
  readonly taskId: string
  /**
   * The priority it was submitted with.
   *
   * @since 0.1.0
   */
  readonly priority: Priority
  /**
   * The level it is scheduled at now: for a queued task, its priority
   * raised by aging (one level per `agingInterval` waited, up to
   * `Critical`); for the others, `priority`.
   *
   * @since 0.1.0
   */
  readonly effectivePriority: Priority
  /**
   * Its `key`, or `undefined` for a task without one.
   *
   * @since 0.1.0
   */
  readonly key: string | undefined
  /**
   * Where it is now; see {@link TaskState}.
   *
   * @since 0.1.0
   */
  readonly state: TaskState
  /**
   * Attempts started so far, the running one included: 0 for a task that
   * has not started yet.
   *
   * @since 0.1.0
   */
  readonly attempts: number
  /**
   * Time spent in the queue so far, all its waits together (the current
   * one included), on the pool's `Clock`.
   *
   * @since 0.1.0
   */
  readonly waitTime: Duration.Duration
  /**
   * How long its current attempt has run so far, on the pool's `Clock`;
   * `Duration.zero` unless it is running.
   *
   * @since 0.1.0
   */
  readonly runTime: Duration.Duration
}

/**
 * A unit of work for the pool.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type { Priority } from "./Priority.js"
import type { TaskResult } from "./TaskResult.js"

/**
 * A unit of work: an id, the effect to run, and optionally a callback, a
 * priority and a timeout.
 *
 * - `execute` runs on a worker, with the submitter's services, log
 *   annotations and tracer.
 * - `callback` runs exactly once with the task's result, whatever the
 *   outcome (cancelled and shut-down tasks included), before the task's
 *   handle resolves. Its failures are logged and counted, never propagated.
 * - `priority` defaults to `Priority.Normal`.
 * - `timeout` bounds the running time (not the time spent queued) and
 *   overrides the pool's `taskTimeout`; `Infinity` means no timeout.
 * - `key` groups tasks (for example by provider) for the pool's per-key
 *   concurrency limits, rate limits and `pauseKey`.
 * - `queueTimeout` bounds the time spent queued, counted from acceptance,
 *   and overrides the pool's `queueTimeout`: a task still queued then
 *   settles with `TaskTimeoutError` (`phase: "queued"`) and never runs.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Priority, type Task } from "@helixagent/concurrency"
 *
 * const task: Task<string> = {
 *   id: "summarize-1",
 *   execute: Effect.succeed("summary"),
 *   priority: Priority.High,
 *   timeout: "30 seconds"
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Task<A, E = never, R = never> {
  readonly id: string
  readonly execute: Effect.Effect<A, E, R>
  readonly callback?: Callback<A, E, R> | undefined
  readonly priority?: Priority | undefined
  readonly timeout?: Duration.DurationInput | undefined
  readonly key?: string | undefined
  readonly queueTimeout?: Duration.DurationInput | undefined
}

/**
 * A task's callback. Its parameter is checked bivariantly (as a method's
 * would be), so that tasks of different types can share one batch.
 *
 * @since 0.1.0
 * @category models
 */
export type Callback<A, E, R> = {
  bivariant(result: TaskResult<A, E>): Effect.Effect<unknown, unknown, R>
}["bivariant"]

/**
 * Helpers to extract the type parameters of a task.
 *
 * @since 0.1.0
 * @category models
 */
export declare namespace Task {
  /**
   * Any task.
   *
   * @since 0.1.0
   */
  export type Any = Task<any, any, any>
  /**
   * The success type of a task.
   *
   * @since 0.1.0
   */
  export type Success<T> = T extends Task<infer A, infer _E, infer _R> ? A : never
  /**
   * The error type of a task.
   *
   * @since 0.1.0
   */
  export type Error<T> = T extends Task<infer _A, infer E, infer _R> ? E : never
  /**
   * The services a task requires.
   *
   * @since 0.1.0
   */
  export type Context<T> = T extends Task<infer _A, infer _E, infer R> ? R : never
}

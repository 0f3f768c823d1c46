/**
 * A unit of work for the pool.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Schedule from "effect/Schedule"
import type { TaskTimeoutError } from "./PoolError.js"
import type { Priority } from "./Priority.js"
import type { TaskResult } from "./TaskResult.js"

/**
 * A unit of work: an id and the effect to run, and optionally a callback, a
 * priority, a running-time timeout, a key and a queue deadline. Each field
 * is documented below; a task with a field it does not have (a misspelt
 * `priorty`, say) or a malformed one fails `submit` with `InvalidTaskError`.
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
 *   timeout: "30 seconds",
 *   key: "openai",
 *   queueTimeout: "2 minutes",
 *   callback: (result) => Effect.log(`${result.taskId} took ${result.duration.toString()}`)
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Task<A, E = never, R = never> {
  /**
   * Names the task in its result, its handle, its errors and its span
   * (`task.id`). A non-empty string, unique among the tasks in the pool
   * (queued, running, or waiting to enter): a second task with the id of
   * one still there fails `submit` with `InvalidTaskError`. Once a task has
   * settled, its id may be used again.
   *
   * @since 0.1.0
   */
  readonly id: string

  /**
   * The effect to run. It runs on a fiber of its own, forked from the
   * submitter as `Effect.fork` would fork it: with the submitter's services,
   * fiber refs, log annotations, tracer and runtime flags. Its value, typed
   * failure, defect or interruption becomes the task's result; the worker
   * goes on either way.
   *
   * @since 0.1.0
   */
  readonly execute: Effect.Effect<A, E, R>

  /**
   * Runs exactly once with the task's result, whatever the outcome
   * (cancelled, evicted, expired and shut-down tasks included), on a fiber
   * of its own with the submitter's services, before the task's handle
   * resolves. The task keeps its worker until its callback has ended. A
   * callback that fails or throws is logged and counted in
   * `metrics.callbackFailures`, and never changes the result. Default: none.
   *
   * @since 0.1.0
   */
  readonly callback?: Callback<A, E, R> | undefined

  /**
   * The task's priority level, an integer from `Priority.Low` (0) to
   * `Priority.Critical` (3). A free worker takes the oldest task of the
   * highest non-empty level (the pool's `agingInterval`, when set, lifts
   * tasks that have waited). Default: `Priority.Normal` (1).
   *
   * @since 0.1.0
   */
  readonly priority?: Priority | undefined

  /**
   * The longest the task may run, counted from the moment it starts on a
   * worker (the time spent queued does not count; see `queueTimeout`). At
   * the deadline the task is interrupted and, once its finalizers have run,
   * settles with `TaskTimeoutError` (`phase: "running"`). A `DurationInput`
   * (milliseconds as a number, a string such as `"30 seconds"`, or a
   * `Duration`) >= 0; `Infinity` means no timeout. Default: the pool's
   * `taskTimeout` (none unless set), which this overrides.
   *
   * @since 0.1.0
   */
  readonly timeout?: Duration.DurationInput | undefined

  /**
   * Groups tasks (for example by LLM provider) for the pool's per-key
   * scheduling: `keyLimits` and `defaultKeyLimit` (concurrency), `rateLimits`
   * (starts per window), `pauseKey`, and the per-key figures in
   * `metrics.keys`. A non-empty string. Default: none (the task is subject
   * to no per-key limit).
   *
   * @since 0.1.0
   */
  readonly key?: string | undefined

  /**
   * The longest the task may wait in the queue, counted from the moment the
   * pool accepted it. A task still queued then settles with
   * `TaskTimeoutError` (`phase: "queued"`) and never runs. A `DurationInput`
   * >= 0; `Infinity` means no deadline. Default: the pool's `queueTimeout`
   * (none unless set), which this overrides.
   *
   * @since 0.1.0
   */
  readonly queueTimeout?: Duration.DurationInput | undefined

  /**
   * Retries after a failed attempt, as long as the schedule goes on. The
   * schedule's input is the error that ended the attempt: the task's typed
   * failure, or `TaskTimeoutError` when its running-time timeout ended it.
   * Defects, interruptions, cancellation, shutdown, eviction and queue
   * deadlines are never retried. Between attempts the task holds no worker:
   * it waits out the schedule's delay, then goes back into the queue at its
   * priority and key, ahead of the tasks of its level accepted after it.
   * Each attempt has its own running-time timeout and span; the callback
   * runs once, after the last attempt. Default: the pool's `retry` (none
   * unless set), which this replaces.
   *
   * @example
   * ```ts
   * const task: Task<string, Error> = {
   *   id: "ask",
   *   execute: callProvider,
   *   retry: Schedule.exponential("200 millis").pipe(Schedule.intersect(Schedule.recurs(3)))
   * }
   * ```
   *
   * @since 0.1.0
   */
  readonly retry?: Schedule.Schedule<unknown, E | TaskTimeoutError> | undefined
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
  export type Any = Task<any, any, any> | Task<any, never, any>
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

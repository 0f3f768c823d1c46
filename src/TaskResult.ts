/**
 * The outcome of one task: the {@link TaskResult} model, the narrowed
 * {@link Success} and {@link Failure} results, and the guards
 * {@link isSuccess} and {@link isFailure} that narrow to them.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import * as Exit from "effect/Exit"
import type { PoolShutdownError, QueueFullError, TaskTimeoutError } from "./PoolError.js"
import type { Priority } from "./Priority.js"

/**
 * What became of a task: its `exit` (success, typed failure, defect,
 * `TaskTimeoutError`, `PoolShutdownError`, `QueueFullError` when it was
 * evicted from the queue, or interruption when it was cancelled), how long it
 * ran (`duration`, zero when it never ran) and how long it waited in the
 * queue (`waitTime`).
 *
 * Every accepted task settles with exactly one result, which `handle.await`
 * returns, the task's callback receives, and `submitBatch` and `runAll`
 * emit. Narrow it with {@link isSuccess} and {@link isFailure}.
 *
 * @example
 * ```ts
 * import { Effect, Exit } from "effect"
 * import { WorkerPool, type TaskResult } from "@helixagent/concurrency"
 *
 * const describe = (result: TaskResult<string>): string =>
 *   Exit.match(result.exit, {
 *     onSuccess: (value) => `${result.taskId}: ${value} in ${result.duration.toString()}`,
 *     onFailure: () => `${result.taskId} failed after waiting ${result.waitTime.toString()}`
 *   })
 *
 * const program = Effect.gen(function*() {
 *   const pool = yield* WorkerPool
 *   const handle = yield* pool.submit({ id: "a", execute: Effect.succeed("done") })
 *   return describe(yield* handle.await)
 * })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface TaskResult<A, E = never> {
  /**
   * The `id` of the task this result is for.
   *
   * @since 0.1.0
   */
  readonly taskId: string

  /**
   * The priority the task was submitted with (`Priority.Normal` when it named
   * none). Aging never changes it: it is the level the task asked for, not
   * the effective level it started at.
   *
   * @since 0.1.0
   */
  readonly priority: Priority

  /**
   * How the task ended:
   *
   * - `Exit.Success` with the value of `execute`;
   * - `Exit.Failure` whose cause holds the task's typed error `E`, a defect
   *   (a thrown exception or `Effect.die`), a `TaskTimeoutError` (it ran past
   *   its timeout, or waited in the queue past its queue deadline), a
   *   `PoolShutdownError` (the pool shut down before it ran), a
   *   `QueueFullError` with `evicted: true` (the `evict-lowest` overflow
   *   policy evicted it from the queue), or an interruption (it was
   *   cancelled, or interrupted at the shutdown deadline).
   *
   * @since 0.1.0
   */
  readonly exit: Exit.Exit<A, E | TaskTimeoutError | PoolShutdownError | QueueFullError>

  /**
   * Running time: from the moment the task started on a worker until its
   * fiber ended (its finalizers and the fibers it forked done), measured on
   * the pool's `Clock`, summed over its attempts when it was retried. It
   * does not include the time spent queued, between attempts, nor the
   * callback. `Duration.zero` for a task that never ran (cancelled, evicted,
   * expired or shut down while queued).
   *
   * @since 0.1.0
   */
  readonly duration: Duration.Duration

  /**
   * Time spent queued: from the moment the pool accepted the task until it
   * started on a worker, or until it settled if it never ran, measured on
   * the pool's `Clock`. A submitter waiting for room (backpressure) has not
   * been accepted yet, so that wait is not included. A retried task's waits
   * in the queue before each attempt are summed (the delays between
   * attempts are not waits in the queue). `Duration.zero` for a task that
   * started at once.
   *
   * @since 0.1.0
   */
  readonly waitTime: Duration.Duration

  /**
   * How many attempts ran: 1 for a task that ran once, more when its
   * `retry` schedule ran it again, 0 for a task that never ran (cancelled,
   * evicted, expired or shut down while queued).
   *
   * @since 0.1.0
   */
  readonly attempts: number
}

/**
 * A result whose task succeeded: `exit` is an `Exit.Success` holding the
 * task's value. {@link isSuccess} narrows a {@link TaskResult} to it.
 *
 * @example
 * ```ts
 * import { TaskResult } from "@helixagent/concurrency"
 *
 * const values = (results: ReadonlyArray<TaskResult<number, string>>): Array<number> =>
 *   results.filter(TaskResult.isSuccess).map((result) => result.exit.value)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Success<A, E = never> extends TaskResult<A, E> {
  /**
   * The task's success: `exit.value` is the value of `execute`.
   *
   * @since 0.1.0
   */
  readonly exit: Exit.Success<A, E | TaskTimeoutError | PoolShutdownError | QueueFullError>
}

/**
 * A result whose task did not succeed: `exit` is an `Exit.Failure` whose
 * `cause` holds the task's typed error, a defect, a `TaskTimeoutError`, a
 * `PoolShutdownError`, a `QueueFullError` (evicted) or an interruption.
 * {@link isFailure} narrows a {@link TaskResult} to it.
 *
 * @example
 * ```ts
 * import { Cause } from "effect"
 * import { TaskResult } from "@helixagent/concurrency"
 *
 * const report = (results: ReadonlyArray<TaskResult<number, string>>): Array<string> =>
 *   results.filter(TaskResult.isFailure).map((result) => `${result.taskId}: ${Cause.pretty(result.exit.cause)}`)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Failure<A, E = never> extends TaskResult<A, E> {
  /**
   * The task's failure: `exit.cause` says what went wrong.
   *
   * @since 0.1.0
   */
  readonly exit: Exit.Failure<A, E | TaskTimeoutError | PoolShutdownError | QueueFullError>
}

/**
 * Tells whether a task succeeded. A type predicate: it narrows the result to
 * a {@link Success}, whose `exit` is an `Exit.Success`, so
 * `results.filter(TaskResult.isSuccess)` and
 * `Stream.filter(TaskResult.isSuccess)` keep the narrowed type and
 * `result.exit.value` needs no further check.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { TaskResult, WorkerPool, type Task } from "@helixagent/concurrency"
 *
 * declare const tasks: ReadonlyArray<Task<number>>
 *
 * const program = Effect.gen(function*() {
 *   const pool = yield* WorkerPool
 *
 *   const results = yield* pool.runAll(tasks)
 *   const values = results.filter(TaskResult.isSuccess).map((result) => result.exit.value)
 *
 *   const total = yield* pool.submitBatch(tasks).pipe(
 *     Stream.filter(TaskResult.isSuccess),
 *     Stream.runFold(0, (sum, result) => sum + result.exit.value)
 *   )
 *   return { values, total }
 * })
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isSuccess = <A, E>(result: TaskResult<A, E>): result is Success<A, E> => Exit.isSuccess(result.exit)

/**
 * Tells whether a task did not succeed: it failed, died, timed out (running
 * or queued), was cancelled, was evicted, or was settled by shutdown. A type
 * predicate: it narrows the result to a {@link Failure}, whose `exit` is an
 * `Exit.Failure`, so `result.exit.cause` needs no further check.
 *
 * @example
 * ```ts
 * import { Cause, Effect, Stream } from "effect"
 * import { TaskResult, WorkerPool, type Task } from "@helixagent/concurrency"
 *
 * declare const tasks: ReadonlyArray<Task<number>>
 *
 * const program = Effect.gen(function*() {
 *   const pool = yield* WorkerPool
 *   yield* pool.submitBatch(tasks).pipe(
 *     Stream.filter(TaskResult.isFailure),
 *     Stream.runForEach((result) => Effect.logWarning(`${result.taskId} failed`, Cause.squash(result.exit.cause)))
 *   )
 * })
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isFailure = <A, E>(result: TaskResult<A, E>): result is Failure<A, E> => Exit.isFailure(result.exit)

/**
 * `@helixagent/concurrency`: a worker pool for Effect programs. Run many
 * tasks in parallel on a bounded number of fibers, highest priority first,
 * with per-task timeouts, backpressure, callbacks, metrics and a graceful
 * shutdown that never loses a task.
 *
 * @since 0.1.0
 */
import * as PoolConfigModule from "./PoolConfig.js"
import type * as TaskResultModule from "./TaskResult.js"

export {
  /**
   * Options of one submission: `overflow` overrides the pool's policy for a
   * full queue.
   *
   * @since 0.1.0
   */
  type SubmitOptions,
  /**
   * The worker pool service tag, with its constructors `WorkerPool.make`,
   * `WorkerPool.layer` and `WorkerPool.layerConfig`. Reach the pool with
   * `const pool = yield* WorkerPool`.
   *
   * @since 0.1.0
   */
  WorkerPool,
  /**
   * What a running pool offers: `submit`, `trySubmit`, `run`, `submitBatch`,
   * `runAll`, `pauseKey`, `resumeKey`, `metrics`, `shutdown` and its
   * resolved `config`.
   *
   * @since 0.1.0
   */
  type WorkerPoolService
} from "./WorkerPool.js"

export {
  /**
   * The priority levels `Priority.Low` (0), `Normal` (1, the default),
   * `High` (2) and `Critical` (3); as a type, `0 | 1 | 2 | 3`.
   *
   * @since 0.1.0
   */
  Priority
} from "./Priority.js"

export type {
  /**
   * A task's callback, run exactly once with its result.
   *
   * @since 0.1.0
   */
  Callback,
  /**
   * A unit of work: `id` and `execute`, and optionally `callback`,
   * `priority`, `timeout`, `key` and `queueTimeout`.
   *
   * @since 0.1.0
   */
  Task
} from "./Task.js"

export type {
  /**
   * What `submit` returns: `taskId`, `await`, `join` and `cancel`.
   *
   * @since 0.1.0
   */
  TaskHandle
} from "./TaskHandle.js"

export type {
  /**
   * What one key is doing now, in `metrics.keys`.
   *
   * @since 0.1.0
   */
  KeyMetrics,
  /**
   * The snapshot `pool.metrics` returns: counters and current load.
   *
   * @since 0.1.0
   */
  PoolMetrics
} from "./PoolMetrics.js"

export type {
  /**
   * What `submit` does when the queue is full: `"backpressure"`,
   * `"reject"` or `"evict-lowest"`.
   *
   * @since 0.1.0
   */
  OverflowPolicy,
  /**
   * A sliding-window rate limit of one key: `limit` starts per `interval`.
   *
   * @since 0.1.0
   */
  RateLimit
} from "./PoolConfig.js"

export {
  /**
   * One event of a pool's `events` stream: a union of tagged values, each
   * with `_tag` and `timestamp`; the value `PoolEvent` holds the
   * constructors and the guards `PoolEvent.$is` / `PoolEvent.$match`.
   *
   * @since 0.1.0
   */
  PoolEvent,
  /**
   * How a task ended, as the `TaskSettled` event reports it.
   *
   * @since 0.1.0
   */
  type TaskOutcome
} from "./PoolEvent.js"

export type {
  /**
   * One task in `pool.tasks`, the snapshot of the tasks in a pool.
   *
   * @since 0.1.0
   */
  TaskInfo,
  /**
   * Where a task is: `"queued"`, `"running"`, `"retrying"` or `"callback"`.
   *
   * @since 0.1.0
   */
  TaskState
} from "./TaskInfo.js"

export {
  /**
   * A submitted task, or an argument of a pool method, is malformed.
   *
   * @since 0.1.0
   */
  InvalidTaskError,
  /**
   * An option given to the pool is invalid.
   *
   * @since 0.1.0
   */
  PoolConfigError,
  /**
   * The pool is shutting down or has shut down.
   *
   * @since 0.1.0
   */
  PoolShutdownError,
  /**
   * The queue was full: the submission was refused, or the task evicted.
   *
   * @since 0.1.0
   */
  QueueFullError,
  /**
   * A task ran past its timeout, or waited in the queue past its deadline.
   *
   * @since 0.1.0
   */
  TaskTimeoutError
} from "./PoolError.js"

/**
 * The options a pool is made with; every field is optional (see
 * {@link PoolConfigModule.PoolConfig} for the rules and defaults).
 *
 * @example
 * ```ts
 * import { WorkerPool, type PoolConfig } from "@helixagent/concurrency"
 *
 * const options: PoolConfig = { workers: 4, queueSize: 50, taskTimeout: "30 seconds" }
 * const layer = WorkerPool.layer(options)
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type PoolConfig = PoolConfigModule.PoolConfig

/**
 * A validated pool configuration with every default filled in, as
 * `pool.config` and `PoolConfig.resolve` return it.
 *
 * @since 0.1.0
 * @category models
 */
export type ResolvedPoolConfig = PoolConfigModule.ResolvedPoolConfig

/**
 * Pool options: their defaults, their schema, validation and the
 * environment reader. Each member keeps the documentation of its definition.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { PoolConfig } from "@helixagent/concurrency"
 *
 * const resolved = Effect.runSync(PoolConfig.resolve({ workers: 4 }))
 * // resolved.queueSize === PoolConfig.defaults.queueSize (100)
 * ```
 *
 * @since 0.1.0
 * @category config
 */
export const PoolConfig: Pick<typeof PoolConfigModule, "defaults" | "resolve" | "fromEnv" | "resolveFromEnv"> & {
  /**
   * The `Schema` of the options: it decodes options to their values with
   * the defaults filled in, and rejects unknown fields when decoded with
   * `onExcessProperty: "error"` (as `resolve` does).
   *
   * @since 0.1.0
   */
  readonly schema: typeof PoolConfigModule.PoolConfigSchema
} = {
  defaults: PoolConfigModule.defaults,
  schema: PoolConfigModule.PoolConfigSchema,
  resolve: PoolConfigModule.resolve,
  fromEnv: PoolConfigModule.fromEnv,
  resolveFromEnv: PoolConfigModule.resolveFromEnv
}

/**
 * The outcome of one task: which task (`taskId`, `priority`), how it ended
 * (`exit`), how long it ran (`duration`) and how long it was queued
 * (`waitTime`). Narrow it with `TaskResult.isSuccess` and
 * `TaskResult.isFailure`.
 *
 * @since 0.1.0
 * @category models
 */
export type TaskResult<A, E = never> = TaskResultModule.TaskResult<A, E>

/**
 * The outcome of one task: the guards `TaskResult.isSuccess` and
 * `TaskResult.isFailure`, type predicates that narrow a result to
 * `TaskResult.Success` (its `exit` an `Exit.Success`) or `TaskResult.Failure`
 * (its `exit` an `Exit.Failure`).
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
 *   const values = (yield* pool.runAll(tasks))
 *     .filter(TaskResult.isSuccess)
 *     .map((result) => result.exit.value)
 *   const failed = yield* pool.submitBatch(tasks).pipe(Stream.filter(TaskResult.isFailure), Stream.runCount)
 *   return { values, failed }
 * })
 * ```
 *
 * @since 0.1.0
 */
export * as TaskResult from "./TaskResult.js"

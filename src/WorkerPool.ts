/**
 * The worker pool: a service that runs tasks on a bounded number of fibers,
 * highest priority first, with timeouts, backpressure, callbacks, metrics and
 * graceful shutdown.
 *
 * @since 0.1.0
 */
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { fromResolved } from "./internal/service.js"
import * as PoolConfig from "./PoolConfig.js"
import type { PoolConfigError } from "./PoolError.js"
import type { WorkerPoolService } from "./WorkerPoolService.js"

export type {
  /**
   * Options of one submission, the second argument of `pool.submit`; see
   * `WorkerPoolService.ts`.
   *
   * @since 0.1.0
   */
  SubmitOptions,
  /**
   * What a pool offers once it is running; see `WorkerPoolService.ts`.
   *
   * @since 0.1.0
   */
  WorkerPoolService
} from "./WorkerPoolService.js"


/**
 * Makes a pool in the current scope; closing the scope shuts it down
 * gracefully. Fails with `PoolConfigError` when an option is invalid.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { WorkerPool } from "@helixagent/concurrency"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function*() {
 *     const pool = yield* WorkerPool.make({ workers: 4 })
 *     return yield* pool.run({ id: "a", execute: Effect.succeed(42) })
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options?: PoolConfig.PoolConfig
): Effect.Effect<WorkerPoolService, PoolConfigError, Scope.Scope> =>
  Effect.flatMap(PoolConfig.resolve(options), fromResolved)

/**
 * The worker pool service. Provide it with `WorkerPool.layer(options)` (or
 * `WorkerPool.layerConfig()` to read the options from the environment) and
 * use it in generators with `const pool = yield* WorkerPool`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Priority, WorkerPool } from "@helixagent/concurrency"
 *
 * const program = Effect.gen(function*() {
 *   const pool = yield* WorkerPool
 *   const answer = yield* pool.run({
 *     id: "ask",
 *     execute: Effect.succeed("42"),
 *     priority: Priority.High,
 *     timeout: "10 seconds"
 *   })
 *   return answer
 * })
 *
 * program.pipe(Effect.provide(WorkerPool.layer({ workers: 8 })), Effect.runPromise)
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export class WorkerPool extends Context.Tag("@helixagent/concurrency/WorkerPool")<WorkerPool, WorkerPoolService>() {
  /**
   * Makes a pool in the current scope. See {@link make}.
   *
   * @since 0.1.0
   */
  static readonly make = make

  /**
   * A layer that provides a pool made with these options, shut down
   * gracefully when the layer is released. Fails to build with
   * `PoolConfigError` when an option is invalid.
   *
   * @example
   * ```ts
   * import { Effect } from "effect"
   * import { WorkerPool } from "@helixagent/concurrency"
   *
   * const program = Effect.gen(function*() {
   *   const pool = yield* WorkerPool
   *   return yield* pool.run({ id: "a", execute: Effect.succeed(42) })
   * })
   *
   * program.pipe(
   *   Effect.provide(WorkerPool.layer({ workers: 4, queueSize: 100, taskTimeout: "1 minute" })),
   *   Effect.runPromise
   * )
   * ```
   *
   * @since 0.1.0
   */
  static readonly layer = (options?: PoolConfig.PoolConfig): Layer.Layer<WorkerPool, PoolConfigError> =>
    Layer.scoped(WorkerPool, make(options))

  /**
   * A layer whose options are read with Effect's `Config` from
   * `WORKER_POOL_WORKERS`, `WORKER_POOL_QUEUE_SIZE`,
   * `WORKER_POOL_TASK_TIMEOUT`, `WORKER_POOL_SHUTDOWN_TIMEOUT`,
   * `WORKER_POOL_ENABLE_METRICS` and `WORKER_POOL_NAME`. Unset variables
   * take the defaults; unreadable values fail with `ConfigError`, invalid
   * ones with `PoolConfigError`.
   *
   * @example
   * ```ts
   * import { Effect } from "effect"
   * import { WorkerPool } from "@helixagent/concurrency"
   *
   * declare const program: Effect.Effect<void, never, WorkerPool>
   *
   * // WORKER_POOL_WORKERS=8 WORKER_POOL_TASK_TIMEOUT="30 seconds" node main.js
   * program.pipe(Effect.provide(WorkerPool.layerConfig()), Effect.runPromise)
   * ```
   *
   * @since 0.1.0
   */
  static readonly layerConfig = (): Layer.Layer<WorkerPool, PoolConfigError | ConfigError.ConfigError> =>
    Layer.scoped(WorkerPool, Effect.flatMap(PoolConfig.resolveFromEnv, fromResolved))
}

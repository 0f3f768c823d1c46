/**
 * `@helixagent/concurrency`: a worker pool for Effect programs.
 *
 * @since 0.1.0
 */
import * as PoolConfigModule from "./PoolConfig.js"
import * as TaskResultModule from "./TaskResult.js"

export { type SubmitOptions, WorkerPool, type WorkerPoolService } from "./WorkerPool.js"
export { Priority } from "./Priority.js"
export type { Callback, Task } from "./Task.js"
export type { TaskHandle } from "./TaskHandle.js"
export type { KeyMetrics, PoolMetrics } from "./PoolMetrics.js"
export type { OverflowPolicy, RateLimit } from "./PoolConfig.js"
export {
  InvalidTaskError,
  PoolConfigError,
  PoolShutdownError,
  QueueFullError,
  TaskTimeoutError
} from "./PoolError.js"

/**
 * The options of a pool (see {@link PoolConfigModule.PoolConfig}).
 *
 * @since 0.1.0
 * @category models
 */
export type PoolConfig = PoolConfigModule.PoolConfig

/**
 * A validated pool configuration with every default filled in.
 *
 * @since 0.1.0
 * @category models
 */
export type ResolvedPoolConfig = PoolConfigModule.ResolvedPoolConfig

/**
 * Pool options: their defaults, their schema, validation and the
 * environment reader.
 *
 * @since 0.1.0
 * @category config
 */
export const PoolConfig = {
  defaults: PoolConfigModule.defaults,
  schema: PoolConfigModule.PoolConfigSchema,
  resolve: PoolConfigModule.resolve,
  fromEnv: PoolConfigModule.fromEnv,
  resolveFromEnv: PoolConfigModule.resolveFromEnv
} as const

/**
 * The outcome of one task.
 *
 * @since 0.1.0
 * @category models
 */
export type TaskResult<A, E = never> = TaskResultModule.TaskResult<A, E>

/**
 * Guards on task results.
 *
 * @since 0.1.0
 * @category guards
 */
export const TaskResult = {
  isSuccess: TaskResultModule.isSuccess,
  isFailure: TaskResultModule.isFailure
} as const

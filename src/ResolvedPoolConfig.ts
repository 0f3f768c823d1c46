/**
 * The configuration a pool runs with (`pool.config`): its options
 * validated, with every default filled in.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Schedule from "effect/Schedule"
import type { OverflowPolicy } from "./PoolConfig.js"

/**
 * A validated configuration with every default filled in. `taskTimeout` is
 * `undefined` when tasks have no default timeout.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResolvedPoolConfig {
  /**
   * How many tasks run at once. An integer >= 1; default `10`.
   *
   * @since 0.1.0
   */
  readonly workers: number
  /**
   * How many accepted tasks may wait for a worker. An integer >= 0; default
   * `100`.
   *
   * @since 0.1.0
   */
  readonly queueSize: number
  /**
   * The default running-time limit of a task, a finite `Duration`;
   * `undefined` (the default) when tasks have none.
   *
   * @since 0.1.0
   */
  readonly taskTimeout: Duration.Duration | undefined
  /**
   * How long a graceful shutdown waits before it interrupts running tasks,
   * a `Duration` (may be infinite). Default: 30 seconds.
   *
   * @since 0.1.0
   */
  readonly shutdownTimeout: Duration.Duration
  /**
   * Whether the pool updates its Effect `Metric`s. Default `true`.
   *
   * @since 0.1.0
   */
  readonly enableMetrics: boolean
  /**
   * The pool's name, a non-empty string. Default `"default"`.
   *
   * @since 0.1.0
   */
  readonly name: string
  /**
   * Per-key concurrency limits (tasks). Default: `{}` (none).
   *
   * @since 0.1.0
   */
  readonly keyLimits: Readonly<Record<string, number>>
  /**
   * The concurrency limit (tasks) of keys not in `keyLimits`; `undefined`
   * (the default) when such keys are unlimited.
   *
   * @since 0.1.0
   */
  readonly defaultKeyLimit: number | undefined
  /**
   * Per-key rate limits: at most `limit` starts per sliding window of
   * length `interval` (a `Duration` > 0). Default: `{}` (none).
   *
   * @since 0.1.0
   */
  readonly rateLimits: Readonly<Record<string, { readonly limit: number; readonly interval: Duration.Duration }>>
  /**
   * The aging interval, a finite `Duration` > 0; `undefined` (the default)
   * when there is no aging.
   *
   * @since 0.1.0
   */
  readonly agingInterval: Duration.Duration | undefined
  /**
   * The default queue deadline of a task, a finite `Duration`; `undefined`
   * (the default) when tasks may wait as long as it takes.
   *
   * @since 0.1.0
   */
  readonly queueTimeout: Duration.Duration | undefined
  /**
   * What `submit` does when the queue is full. Default `"backpressure"`.
   *
   * @since 0.1.0
   */
  readonly overflow: OverflowPolicy
  /**
   * The retry schedule of tasks that set none; `undefined` (the default)
   * when tasks are not retried.
   *
   * @since 0.1.0
   */
  readonly retry: Schedule.Schedule<unknown, unknown> | undefined
  /**
   * How long a callback may run, a finite `Duration`; `undefined` when
   * callbacks have no limit. Default 10 seconds.
   *
   * @since 0.1.0
   */
  readonly callbackTimeout: Duration.Duration | undefined
  /**
   * How many events each subscriber of `pool.events` may have waiting.
   * Default 1,024.
   *
   * @since 0.1.0
   */
  readonly eventBufferSize: number
}

/**
 * The options of a pool, their defaults, and how they are validated and read
 * from the environment.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import { envText, fromVariable, readEnv } from "./internal/envConfig.js"
import { DurationInput, IntegerAtLeast, PositiveDurationInput, RateLimitSchema, toConfigError, withRule } from "./internal/configSchema.js"
import { nameRule } from "./internal/rules.js"
import { PoolConfigError } from "./PoolError.js"
import type { ResolvedPoolConfig } from "./ResolvedPoolConfig.js"

export type {
  /**
   * A validated configuration with every default filled in; see
   * `ResolvedPoolConfig.ts`.
   *
   * @since 0.1.0
   */
  ResolvedPoolConfig
} from "./ResolvedPoolConfig.js"

/**
 * The options a pool is made with. Every field is optional:
 *
 * | option | rule | default |
 * | --- | --- | --- |
 * | `workers` | integer >= 1 | 10 |
 * | `queueSize` | integer >= 0 | 100 |
 * | `taskTimeout` | duration >= 0 | none |
 * | `shutdownTimeout` | duration >= 0 | 30 seconds |
 * | `enableMetrics` | boolean | true |
 * | `name` | non-empty string | "default" |
 * | `keyLimits` | record of integers >= 1 | none |
 * | `defaultKeyLimit` | integer >= 1 | none (keys unlimited) |
 * | `rateLimits` | record of `{ limit, interval }` | none |
 * | `agingInterval` | duration > 0 | none (no aging) |
 * | `queueTimeout` | duration >= 0 | none |
 * | `overflow` | `"backpressure"`, `"reject"`, `"evict-lowest"` | `"backpressure"` |
 * | `retry` | a `Schedule` | none (no retries) |
 * | `callbackTimeout` | duration >= 0 | 10 seconds |
 * | `eventBufferSize` | integer >= 1 | 1,024 |
 *
 * - `keyLimits` and `defaultKeyLimit`: never more than that many tasks of
 *   one `task.key` run at once.
 * - `rateLimits`: per key, at most `limit` task starts in any window of
 *   length `interval` (a sliding window).
 * - `agingInterval`: a queued task counts one priority level higher for
 *   each interval it has waited, up to `Critical`.
 * - `queueTimeout`: a task still queued this long after it was accepted
 *   settles with `TaskTimeoutError` (`phase: "queued"`) and never runs;
 *   `task.queueTimeout` overrides it.
 * - `overflow`: what `submit` does when the queue is full; see
 *   {@link OverflowPolicy}.
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
export interface PoolConfig {
  /**
   * How many tasks run at once: the number of workers. An integer >= 1;
   * default `10`. From the environment: `WORKER_POOL_WORKERS`.
   *
   * @since 0.1.0
   */
  readonly workers?: number | undefined
  /**
   * How many accepted tasks may wait for a worker, not counting the running
   * ones. An integer >= 0; default `100`. With `0` a submit waits until a
   * worker takes its task. When the queue is full, `overflow` decides what
   * `submit` does. From the environment: `WORKER_POOL_QUEUE_SIZE`.
   *
   * @since 0.1.0
   */
  readonly queueSize?: number | undefined
  /**
   * How long a task may run before it is interrupted and settles with
   * `TaskTimeoutError` (`phase: "running"`); a task's own `timeout`
   * overrides it. A duration >= 0: a number is milliseconds, a string reads
   * like `"5 seconds"`, or a `Duration`. Default: none (tasks may run for
   * ever); `Infinity` also means none. From the environment:
   * `WORKER_POOL_TASK_TIMEOUT` (`5 seconds`, `1500 millis`, or `1500` for
   * milliseconds).
   *
   * @since 0.1.0
   */
  readonly taskTimeout?: Duration.DurationInput | undefined
  /**
   * How long a graceful shutdown waits for queued tasks to run and running
   * ones to finish; at the deadline running tasks are interrupted and queued
   * ones settle with `PoolShutdownError`. A duration >= 0: a number is
   * milliseconds, a string reads like `"30 seconds"`, or a `Duration`.
   * Default: 30 seconds. From the environment:
   * `WORKER_POOL_SHUTDOWN_TIMEOUT`.
   *
   * @since 0.1.0
   */
  readonly shutdownTimeout?: Duration.DurationInput | undefined
  /**
   * Whether the pool updates its Effect `Metric`s (tagged with the pool's
   * `name`); `pool.metrics` is available either way. A boolean; default
   * `true`. From the environment: `WORKER_POOL_ENABLE_METRICS` (`true`,
   * `false`, `yes`, `no`, `on`, `off`, `1`, `0`).
   *
   * @since 0.1.0
   */
  readonly enableMetrics?: boolean | undefined
  /**
   * The pool's name, shown in error messages and logs and used as the
   * `pool` tag of its metrics and the `pool.name` attribute of its spans. A
   * non-empty string without surrounding spaces; default `"default"`. From
   * the environment: `WORKER_POOL_NAME`.
   *
   * @since 0.1.0
   */
  readonly name?: string | undefined
  /**
   * Per-key concurrency limits: never more than `keyLimits[key]` tasks with
   * that `task.key` run at once. A record of integers >= 1 (tasks); default:
   * none (only `defaultKeyLimit` applies).
   *
   * @since 0.1.0
   */
  readonly keyLimits?: Readonly<Record<string, number>> | undefined
  /**
   * The concurrency limit of every key not in `keyLimits`. An integer >= 1
   * (tasks); default: none (keys are limited only by `workers`).
   *
   * @since 0.1.0
   */
  readonly defaultKeyLimit?: number | undefined
  /**
   * Per-key rate limits: for `task.key`, at most `limit` task starts in any
   * window of length `interval` (a sliding window). A record of
   * {@link RateLimit}; default: none (no rate limit).
   *
   * @since 0.1.0
   */
  readonly rateLimits?: Readonly<Record<string, RateLimit>> | undefined
  /**
   * Aging: a queued task counts one priority level higher for each interval
   * it has waited, up to `Critical`. A duration > 0: a number is
   * milliseconds, a string reads like `"1 second"`, or a `Duration`. Default:
   * none (no aging).
   *
   * @since 0.1.0
   */
  readonly agingInterval?: Duration.DurationInput | undefined
  /**
   * How long a task may wait in the queue: a task still queued this long
   * after it was accepted settles with `TaskTimeoutError`
   * (`phase: "queued"`) and never runs; a task's own `queueTimeout`
   * overrides it. A duration >= 0: a number is milliseconds, a string reads
   * like `"10 seconds"`, or a `Duration`. Default: none (tasks wait as long
   * as it takes).
   *
   * @since 0.1.0
   */
  readonly queueTimeout?: Duration.DurationInput | undefined
  /**
   * What `submit` does when the queue is full: `"backpressure"` (wait for
   * room), `"reject"` or `"evict-lowest"`; see {@link OverflowPolicy}.
   * Default `"backpressure"`. `pool.submit(task, { overflow })` overrides it
   * for one call.
   *
   * @since 0.1.0
   */
  readonly overflow?: OverflowPolicy | undefined
  /**
   * The retry schedule of tasks that set no `retry` of their own (see
   * `Task.retry`): its input is the error that ended an attempt, the task's
   * typed failure or `TaskTimeoutError`. Default: none (no task is retried).
   *
   * @example
   * ```ts
   * const options: PoolConfig = {
   *   retry: Schedule.exponential("200 millis").pipe(Schedule.intersect(Schedule.recurs(3)))
   * }
   * ```
   *
   * @since 0.1.0
   */
  readonly retry?: Schedule.Schedule<unknown, unknown> | undefined
  /**
   * How long a task's callback may run: a callback still running then is
   * interrupted and counted in `metrics.callbackFailures`, so that a stuck
   * callback cannot hold a worker, a `cancel` or a shutdown. A duration >= 0
   * (a number is milliseconds); `Infinity` means no limit. Default: 10
   * seconds.
   *
   * @since 0.1.0
   */
  readonly callbackTimeout?: Duration.DurationInput | undefined
  /**
   * How many events each subscriber of `pool.events` may have waiting: when
   * its buffer is full the oldest events are dropped and the subscriber
   * next receives `EventsDropped`. An integer >= 1; default 1,024.
   *
   * @since 0.1.0
   */
  readonly eventBufferSize?: number | undefined
}

/**
 * A rate limit of one key: at most `limit` task starts in any window of
 * length `interval`, wherever the window falls.
 *
 * @since 0.1.0
 * @category models
 */
export interface RateLimit {
  /**
   * How many tasks of the key may start in one window. An integer >= 1
   * (task starts); required, no default.
   *
   * @since 0.1.0
   */
  readonly limit: number
  /**
   * The length of the sliding window. A duration > 0: a number is
   * milliseconds, a string reads like `"1 second"`, or a `Duration`;
   * required, no default.
   *
   * @since 0.1.0
   */
  readonly interval: Duration.DurationInput
}

/**
 * What `submit` does when the queue is full:
 *
 * - `"backpressure"` (the default): wait for room, interruptibly.
 * - `"reject"`: fail at once with `QueueFullError`.
 * - `"evict-lowest"`: make room by evicting the newest queued task of the
 *   lowest effective priority strictly below the new task's; the evicted
 *   task settles with `QueueFullError` (`evicted: true`). When there is no
 *   such task, fail with `QueueFullError` as `"reject"` does.
 *
 * @since 0.1.0
 * @category models
 */
export type OverflowPolicy =
  /**
   * Wait for room, interruptibly. The default.
   *
   * @since 0.1.0
   */
  | "backpressure"
  /**
   * Fail at once with `QueueFullError`.
   *
   * @since 0.1.0
   */
  | "reject"
  /**
   * Evict the newest queued task of the lowest effective priority strictly
   * below the new task's (it settles with `QueueFullError`,
   * `evicted: true`); with no such task, fail as `"reject"` does.
   *
   * @since 0.1.0
   */
  | "evict-lowest"

/**
 * The default values of the options.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaults = {
  workers: 10,
  queueSize: 100,
  shutdownTimeout: Duration.seconds(30),
  enableMetrics: true,
  name: "default",
  overflow: "backpressure",
  callbackTimeout: Duration.seconds(10),
  eventBufferSize: 1024
} as const

/**
 * The schema that validates pool options and fills in defaults.
 *
 * @since 0.1.0
 * @category schemas
 */
export const PoolConfigSchema = Schema.Struct({
  workers: Schema.optionalWith(IntegerAtLeast(1), { default: () => defaults.workers }),
  queueSize: Schema.optionalWith(IntegerAtLeast(0), { default: () => defaults.queueSize }),
  taskTimeout: Schema.optional(DurationInput),
  shutdownTimeout: Schema.optionalWith(DurationInput, { default: () => defaults.shutdownTimeout }),
  enableMetrics: Schema.optionalWith(withRule(Schema.Boolean, "expected a boolean"), {
    default: () => defaults.enableMetrics
  }),
  name: Schema.optionalWith(withRule(Schema.NonEmptyTrimmedString, nameRule), {
    default: () => defaults.name
  }),
  keyLimits: Schema.optionalWith(Schema.Record({ key: Schema.String, value: IntegerAtLeast(1) }), {
    default: () => ({})
  }),
  defaultKeyLimit: Schema.optional(IntegerAtLeast(1)),
  rateLimits: Schema.optionalWith(Schema.Record({ key: Schema.String, value: RateLimitSchema }), {
    default: () => ({})
  }),
  agingInterval: Schema.optional(PositiveDurationInput),
  queueTimeout: Schema.optional(DurationInput),
  overflow: Schema.optionalWith(
    withRule(
      Schema.Literal("backpressure", "reject", "evict-lowest"),
      'expected "backpressure", "reject" or "evict-lowest"'
    ),
    { default: () => defaults.overflow }
  ),
  retry: Schema.optional(
    withRule(Schema.declare((input): input is Schedule.Schedule<unknown, unknown> => Schedule.isSchedule(input)), "expected a Schedule")
  ),
  callbackTimeout: Schema.optionalWith(DurationInput, { default: () => defaults.callbackTimeout }),
  eventBufferSize: Schema.optionalWith(IntegerAtLeast(1), { default: () => defaults.eventBufferSize })
})

const decodeOptions = Schema.decodeUnknownEither(PoolConfigSchema, {
  errors: "first",
  onExcessProperty: "error"
})

/** An infinite timeout is no timeout. */
const finite = (duration: Duration.Duration | undefined) =>
  duration !== undefined && Duration.isFinite(duration) ? duration : undefined

/**
 * Validates pool options and fills in defaults, failing with a
 * `PoolConfigError` that names the first invalid field, its value and the
 * rule it broke. Unknown fields are errors too, so a misspelt option is
 * never silently ignored.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { PoolConfig } from "@helixagent/concurrency"
 *
 * const resolved = Effect.runSync(PoolConfig.resolve({ workers: 4 }))
 * // resolved.queueSize === 100
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const resolve = (options: PoolConfig | undefined = {}): Effect.Effect<ResolvedPoolConfig, PoolConfigError> =>
  Either.match(decodeOptions(options), {
    onLeft: (error) => Effect.fail(toConfigError(options, error, Object.keys(PoolConfigSchema.fields))),
    onRight: (decoded) =>
      Effect.succeed({
        workers: decoded.workers,
        queueSize: decoded.queueSize,
        taskTimeout: finite(decoded.taskTimeout),
        shutdownTimeout: decoded.shutdownTimeout,
        enableMetrics: decoded.enableMetrics,
        name: decoded.name,
        keyLimits: decoded.keyLimits,
        defaultKeyLimit: decoded.defaultKeyLimit,
        rateLimits: decoded.rateLimits,
        agingInterval: finite(decoded.agingInterval),
        queueTimeout: finite(decoded.queueTimeout),
        overflow: decoded.overflow,
        retry: decoded.retry,
        callbackTimeout: finite(decoded.callbackTimeout),
        eventBufferSize: decoded.eventBufferSize
      })
  })

/**
 * Pool options read with Effect's `Config` from `WORKER_POOL_WORKERS`,
 * `WORKER_POOL_QUEUE_SIZE`, `WORKER_POOL_TASK_TIMEOUT`,
 * `WORKER_POOL_SHUTDOWN_TIMEOUT`, `WORKER_POOL_ENABLE_METRICS` and
 * `WORKER_POOL_NAME`, each read into the value its option takes in code: a
 * duration is a number of milliseconds (`1500`) or a string such as
 * `5 seconds` or `1500 millis`. Unset variables are left out, so they take
 * the defaults; text that cannot be read (`abc` for a number, `soon` for a
 * duration, an empty value for a number, duration or boolean) fails with a
 * `ConfigError` naming the variable and the text.
 *
 * The options are not validated yet: {@link resolveFromEnv} validates them
 * and names the variable of an invalid value.
 *
 * @since 0.1.0
 * @category config
 */
export const fromEnv: Config.Config<PoolConfig> = Config.mapOrFail(envText, readEnv)

/**
 * Reads the options from the environment (see {@link fromEnv}) and
 * validates them exactly as {@link resolve} validates options given in
 * code. Unset variables take the defaults. Text that cannot be read fails
 * with a `ConfigError`; a value that breaks its option's rule (`0` workers,
 * a negative duration such as `-1 seconds`, an empty name) fails with a
 * `PoolConfigError` whose `field` is the option, whose `value` is the text
 * as set and whose message names the variable, for example
 * `invalid pool option "taskTimeout" = "-1 seconds": expected a non-negative
 * duration: ... (read from the environment variable WORKER_POOL_TASK_TIMEOUT)`.
 *
 * @since 0.1.0
 * @category config
 */
export const resolveFromEnv: Effect.Effect<ResolvedPoolConfig, PoolConfigError | ConfigError.ConfigError> =
  Effect.flatMap(
    envText,
    (text): Effect.Effect<ResolvedPoolConfig, PoolConfigError | ConfigError.ConfigError> =>
      Either.match(readEnv(text), {
        onLeft: Effect.fail,
        onRight: (options) => Effect.mapError(resolve(options), fromVariable(text))
      })
  )

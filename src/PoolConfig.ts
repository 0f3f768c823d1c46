/**
 * The options of a pool, their defaults, and how they are validated and read
 * from the environment.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { decodeDurationInput, durationRule } from "./internal/duration.js"
import { PoolConfigError } from "./PoolError.js"

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
  readonly workers?: number | undefined
  readonly queueSize?: number | undefined
  readonly taskTimeout?: Duration.DurationInput | undefined
  readonly shutdownTimeout?: Duration.DurationInput | undefined
  readonly enableMetrics?: boolean | undefined
  readonly name?: string | undefined
  readonly keyLimits?: Readonly<Record<string, number>> | undefined
  readonly defaultKeyLimit?: number | undefined
  readonly rateLimits?: Readonly<Record<string, RateLimit>> | undefined
  readonly agingInterval?: Duration.DurationInput | undefined
  readonly queueTimeout?: Duration.DurationInput | undefined
  readonly overflow?: OverflowPolicy | undefined
}

/**
 * A rate limit of one key: at most `limit` task starts in any window of
 * length `interval`, wherever the window falls.
 *
 * @since 0.1.0
 * @category models
 */
export interface RateLimit {
  readonly limit: number
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
export type OverflowPolicy = "backpressure" | "reject" | "evict-lowest"

/**
 * A validated configuration with every default filled in. `taskTimeout` is
 * `undefined` when tasks have no default timeout.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResolvedPoolConfig {
  readonly workers: number
  readonly queueSize: number
  readonly taskTimeout: Duration.Duration | undefined
  readonly shutdownTimeout: Duration.Duration
  readonly enableMetrics: boolean
  readonly name: string
  readonly keyLimits: Readonly<Record<string, number>>
  readonly defaultKeyLimit: number | undefined
  readonly rateLimits: Readonly<Record<string, { readonly limit: number; readonly interval: Duration.Duration }>>
  readonly agingInterval: Duration.Duration | undefined
  readonly queueTimeout: Duration.Duration | undefined
  readonly overflow: OverflowPolicy
}

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
  overflow: "backpressure"
} as const

const withRule = <S extends Schema.Schema.Any>(schema: S, rule: string): S =>
  schema.annotations({ message: () => ({ message: rule, override: true }) }) as S

const IntegerAtLeast = (min: number) =>
  withRule(Schema.Int.pipe(Schema.greaterThanOrEqualTo(min)), `expected an integer >= ${min}`)

const DurationInput = withRule(
  Schema.transformOrFail(Schema.Unknown, Schema.DurationFromSelf, {
    strict: true,
    decode: (input, _, ast) => {
      const duration = decodeDurationInput(input)
      return duration === undefined
        ? ParseResult.fail(new ParseResult.Type(ast, input, durationRule))
        : ParseResult.succeed(duration)
    },
    encode: ParseResult.succeed
  }),
  durationRule
)

const PositiveDurationInput = withRule(
  DurationInput.pipe(Schema.filter((duration) => Duration.greaterThan(duration, Duration.zero))),
  "expected a positive duration: milliseconds as a number, or a string such as \"5 seconds\""
)

const RateLimitSchema = Schema.Struct({
  limit: IntegerAtLeast(1),
  interval: PositiveDurationInput
})

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
  name: Schema.optionalWith(withRule(Schema.NonEmptyTrimmedString, "expected a non-empty string"), {
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
  )
})

const decodeOptions = Schema.decodeUnknownEither(PoolConfigSchema, {
  errors: "first",
  onExcessProperty: "error"
})

const knownFields = Object.keys(PoolConfigSchema.fields).join(", ")

/** An infinite timeout is no timeout. */
const finite = (duration: Duration.Duration | undefined) =>
  duration !== undefined && Duration.isFinite(duration) ? duration : undefined

const toConfigError = (input: unknown, error: ParseResult.ParseError): PoolConfigError => {
  const [issue] = ParseResult.ArrayFormatter.formatErrorSync(error)
  const path = issue?.path ?? []
  if (path.length === 0) {
    return new PoolConfigError({ field: "options", value: input, rule: "expected an object of pool options" })
  }
  const field = path.map(String).join(".")
  const value = path.reduce<unknown>((at, step) => (at as Record<PropertyKey, unknown> | undefined)?.[step], input)
  const rule = issue?._tag !== "Unexpected"
    ? issue!.message
    : path.length === 1
    ? `unknown option; the options are ${knownFields}`
    : "unknown field"
  return new PoolConfigError({ field, value, rule })
}

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
    onLeft: (error) => Effect.fail(toConfigError(options, error)),
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
        overflow: decoded.overflow
      })
  })

/**
 * Pool options read with Effect's `Config` from `WORKER_POOL_WORKERS`,
 * `WORKER_POOL_QUEUE_SIZE`, `WORKER_POOL_TASK_TIMEOUT`,
 * `WORKER_POOL_SHUTDOWN_TIMEOUT` (durations as `Config.duration` reads them,
 * such as `5 seconds` or `1500 millis`), `WORKER_POOL_ENABLE_METRICS` and
 * `WORKER_POOL_NAME`. Unset variables are left out, so they take the
 * defaults (the schema treats `undefined` as unset); unreadable ones fail with a `ConfigError`.
 *
 * @since 0.1.0
 * @category config
 */
export const fromEnv: Config.Config<PoolConfig> = Config.all({
  workers: Config.option(Config.integer("WORKER_POOL_WORKERS")),
  queueSize: Config.option(Config.integer("WORKER_POOL_QUEUE_SIZE")),
  taskTimeout: Config.option(Config.duration("WORKER_POOL_TASK_TIMEOUT")),
  shutdownTimeout: Config.option(Config.duration("WORKER_POOL_SHUTDOWN_TIMEOUT")),
  enableMetrics: Config.option(Config.boolean("WORKER_POOL_ENABLE_METRICS")),
  name: Config.option(Config.string("WORKER_POOL_NAME"))
}).pipe(
  Config.map((options): PoolConfig => ({
    workers: Option.getOrUndefined(options.workers),
    queueSize: Option.getOrUndefined(options.queueSize),
    taskTimeout: Option.getOrUndefined(options.taskTimeout),
    shutdownTimeout: Option.getOrUndefined(options.shutdownTimeout),
    enableMetrics: Option.getOrUndefined(options.enableMetrics),
    name: Option.getOrUndefined(options.name)
  }))
)

/**
 * Reads the options from the environment and validates them.
 *
 * @since 0.1.0
 * @category config
 */
export const resolveFromEnv: Effect.Effect<ResolvedPoolConfig, PoolConfigError | ConfigError.ConfigError> =
  Effect.flatMap(fromEnv, resolve)

/**
 * The typed errors of the pool. Each is a `Data.TaggedError` whose `_tag` is
 * its class name, so they can be caught with `Effect.catchTag`.
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"

/**
 * `Data.TaggedError(tag)` for the fields `F`, with its constructor's type
 * written out: the package's declarations then name only
 * `Cause.YieldableError`, which every effect 3 release has, and not the
 * helper types of the release the package was built with (`VoidIfEmpty`
 * since 3.20). The assertion restates, for `F`, the type `Data.TaggedError`
 * has; TypeScript cannot check it while `F` is generic.
 */
const TaggedError = <F extends object>() =>
<Tag extends string>(tag: Tag): new(args: F) => Cause.YieldableError & { readonly _tag: Tag } & Readonly<F> =>
  Data.TaggedError(tag) as unknown as new(args: F) => Cause.YieldableError & { readonly _tag: Tag } & Readonly<F>

const show = (value: unknown): string => {
  if (typeof value === "string") return JSON.stringify(value)
  if (typeof value === "number") return String(value)
  if (typeof value === "bigint") return `${value}n`
  if (typeof value === "function") return "a function"
  if (Duration.isDuration(value)) return Duration.format(value)
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

/**
 * An option given to the pool is invalid. `field` names the option, `value`
 * is what was given and `rule` says what was expected. `WorkerPool.make`,
 * `WorkerPool.layer`, `WorkerPool.layerConfig` and `PoolConfig.resolve` fail
 * with it, naming the first invalid option.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { WorkerPool } from "@helixagent/concurrency"
 *
 * // fails with: invalid pool option "workers" = 0: expected an integer >= 1
 * const program = Effect.scoped(WorkerPool.make({ workers: 0 })).pipe(
 *   Effect.catchTag("PoolConfigError", (error) => Effect.succeed(`${error.field}: ${error.rule}`))
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class PoolConfigError extends TaggedError<{
  /**
   * The invalid option, as a dotted path for a nested one (`workers`,
   * `keyLimits.openai`, `rateLimits.openai.interval`), or `options` when the
   * options are not an object at all.
   *
   * @since 0.1.0
   */
  readonly field: string
  /**
   * The value given for `field`, as it was given.
   *
   * @since 0.1.0
   */
  readonly value: unknown
  /**
   * What was expected, such as `expected an integer >= 1`.
   *
   * @since 0.1.0
   */
  readonly rule: string
}>()("PoolConfigError") {
  /** A sentence naming what went wrong and the values involved, for logs. */
  override get message(): string {
    return `invalid pool option "${this.field}" = ${show(this.value)}: ${this.rule}`
  }
}

/**
 * The pool is shutting down or has shut down: it accepts no new task, and a
 * task still queued when the shutdown deadline passed settles with this error.
 * A submission refused this way fails `submit` with it; a task of a batch
 * refused this way appears as a result failed with it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { WorkerPool } from "@helixagent/concurrency"
 *
 * const program = Effect.gen(function*() {
 *   const pool = yield* WorkerPool
 *   yield* pool.shutdown
 *   return yield* pool.run({ id: "late", execute: Effect.succeed(1) }).pipe(
 *     Effect.catchTag("PoolShutdownError", (error) => Effect.succeed(`${error.taskId} refused by ${error.pool}`))
 *   )
 * })
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class PoolShutdownError extends TaggedError<{
  /**
   * The `name` of the pool (`"default"` unless the pool was given one).
   *
   * @since 0.1.0
   */
  readonly pool: string
  /**
   * The `id` of the task that was refused, or settled without running.
   *
   * @since 0.1.0
   */
  readonly taskId: string
}>()("PoolShutdownError") {
  /** A sentence naming what went wrong and the values involved, for logs. */
  override get message(): string {
    return `pool "${this.pool}" is shut down: task "${this.taskId}" was not run`
  }
}

/**
 * The queue was full. Either the submission was refused (`trySubmit`, or the
 * `reject` overflow policy, or `evict-lowest` with nothing lower to evict),
 * or, with `evicted: true`, the task had been accepted and was evicted from
 * the queue to make room for a task of higher priority: its result fails
 * with this error.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { WorkerPool } from "@helixagent/concurrency"
 *
 * const program = Effect.gen(function*() {
 *   const pool = yield* WorkerPool
 *   return yield* pool.trySubmit({ id: "maybe", execute: Effect.succeed(1) }).pipe(
 *     Effect.map(() => "accepted"),
 *     Effect.catchTag("QueueFullError", (error) => Effect.succeed(`refused: ${error.queueSize} queued`))
 *   )
 * })
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class QueueFullError extends TaggedError<{
  /**
   * The `name` of the pool (`"default"` unless the pool was given one).
   *
   * @since 0.1.0
   */
  readonly pool: string
  /**
   * The `id` of the task that was refused, or evicted.
   *
   * @since 0.1.0
   */
  readonly taskId: string
  /**
   * The pool's `queueSize`: how many tasks its queue holds when full.
   *
   * @since 0.1.0
   */
  readonly queueSize: number
  /**
   * `false` when the submission was refused (the task was never accepted);
   * `true` when the task had been accepted and was evicted from the queue by
   * the `evict-lowest` policy (it never ran).
   *
   * @since 0.1.0
   */
  readonly evicted: boolean
}>()("QueueFullError") {
  constructor(args: {
    /** The `name` of the pool. */
    readonly pool: string
    /** The `id` of the task refused or evicted. */
    readonly taskId: string
    /** The pool's `queueSize`. */
    readonly queueSize: number
    /** Whether the task was evicted after it was accepted. Default `false`: the submission was refused. */
    readonly evicted?: boolean | undefined
  }) {
    super({ ...args, evicted: args.evicted ?? false })
  }

  /** A sentence naming what went wrong and the values involved, for logs. */
  override get message(): string {
    return this.evicted
      ? `pool "${this.pool}" queue is full (queueSize ${this.queueSize}): task "${this.taskId}" was evicted for a task of higher priority`
      : `pool "${this.pool}" queue is full (queueSize ${this.queueSize}): task "${this.taskId}" was rejected`
  }
}

/**
 * A task ran out of time. With `phase: "running"` it ran longer than its
 * timeout (`task.timeout`, or the pool's `taskTimeout`): it was interrupted
 * and its finalizers ran before it settled with this error. With
 * `phase: "queued"` it was still queued when its queue deadline passed
 * (`task.queueTimeout`, or the pool's `queueTimeout`) and it never ran.
 * Either way the task's result fails with it (it is a failure, never an
 * interruption).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { WorkerPool } from "@helixagent/concurrency"
 *
 * const program = Effect.gen(function*() {
 *   const pool = yield* WorkerPool
 *   return yield* pool.run({ id: "slow", execute: Effect.never, timeout: "1 second" }).pipe(
 *     Effect.catchTag("TaskTimeoutError", (error) => Effect.succeed(`${error.taskId} ${error.phase}: ${error.message}`))
 *   )
 * })
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class TaskTimeoutError extends TaggedError<{
  /**
   * The `id` of the task that ran out of time.
   *
   * @since 0.1.0
   */
  readonly taskId: string
  /**
   * The limit that passed: with `phase: "running"`, the running-time
   * timeout (`task.timeout`, or the pool's `taskTimeout`), counted from the
   * task's start; with `phase: "queued"`, the queue deadline
   * (`task.queueTimeout`, or the pool's `queueTimeout`), counted from its
   * acceptance.
   *
   * @since 0.1.0
   */
  readonly timeout: Duration.Duration
  /**
   * Where the task was when its time ran out: `"running"` (it was
   * interrupted) or `"queued"` (it never ran).
   *
   * @since 0.1.0
   */
  readonly phase: "queued" | "running"
}>()("TaskTimeoutError") {
  constructor(args: {
    /** The `id` of the task. */
    readonly taskId: string
    /** The limit that passed. */
    readonly timeout: Duration.Duration
    /** Where the task was. Default `"running"`. */
    readonly phase?: "queued" | "running" | undefined
  }) {
    super({ ...args, phase: args.phase ?? "running" })
  }

  /** A sentence naming what went wrong and the values involved, for logs. */
  override get message(): string {
    return this.phase === "queued"
      ? `task "${this.taskId}" waited in the queue past its deadline of ${Duration.format(this.timeout)}`
      : `task "${this.taskId}" timed out after ${Duration.format(this.timeout)}`
  }
}

/**
 * A submitted task, or an argument of a pool method, is malformed. `field`
 * names the offending field, `value` is what was given and `reason` says
 * what was expected. `submit`, `trySubmit`, `run`, `runAll` and
 * `submitBatch` fail with it for a malformed task or a task id already in
 * the pool, `pauseKey` and `resumeKey` for an invalid key or duration.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { WorkerPool } from "@helixagent/concurrency"
 *
 * const program = Effect.gen(function*() {
 *   const pool = yield* WorkerPool
 *   // fails with: invalid task: field "id" = "": expected a non-empty string
 *   return yield* pool.submit({ id: "", execute: Effect.void }).pipe(
 *     Effect.catchTag("InvalidTaskError", (error) => Effect.succeed(error.field))
 *   )
 * })
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidTaskError extends TaggedError<{
  /**
   * The `id` of the task, or `undefined` when the id itself is invalid, the
   * task is not an object, or the error comes from `pauseKey` or
   * `resumeKey`.
   *
   * @since 0.1.0
   */
  readonly taskId: string | undefined
  /**
   * The offending field: a task field (`id`, `execute`, `callback`,
   * `priority`, `timeout`, `key`, `queueTimeout`), an unknown field's name,
   * `task` when the task is not an object, a submit option (`options`,
   * `overflow`), or `key` or `duration` for `pauseKey` and `resumeKey`.
   *
   * @since 0.1.0
   */
  readonly field: string
  /**
   * The value given for `field`, as it was given.
   *
   * @since 0.1.0
   */
  readonly value: unknown
  /**
   * What was expected, such as `expected a non-empty string`, or why the
   * value is refused (`another task with this id is queued, running or
   * waiting to enter this pool`).
   *
   * @since 0.1.0
   */
  readonly reason: string
}>()("InvalidTaskError") {
  /** A sentence naming what went wrong and the values involved, for logs. */
  override get message(): string {
    const task = this.taskId === undefined ? "task" : `task "${this.taskId}"`
    return `invalid ${task}: field "${this.field}" = ${show(this.value)}: ${this.reason}`
  }
}

/**
 * The typed errors of the pool. Each is a `Data.TaggedError` whose `_tag` is
 * its class name, so they can be caught with `Effect.catchTag`.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"

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
 * is what was given and `rule` says what was expected.
 *
 * @example
 * ```ts
 * // WorkerPool.make({ workers: 0 }) fails with:
 * // PoolConfigError: invalid pool option "workers" = 0: expected an integer >= 1
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class PoolConfigError extends Data.TaggedError("PoolConfigError")<{
  readonly field: string
  readonly value: unknown
  readonly rule: string
}> {
  override get message(): string {
    return `invalid pool option "${this.field}" = ${show(this.value)}: ${this.rule}`
  }
}

/**
 * The pool is shutting down or has shut down: it accepts no new task, and a
 * task still queued when the shutdown deadline passed settles with this error.
 *
 * @since 0.1.0
 * @category errors
 */
export class PoolShutdownError extends Data.TaggedError("PoolShutdownError")<{
  readonly pool: string
  readonly taskId: string
}> {
  override get message(): string {
    return `pool "${this.pool}" is shut down: task "${this.taskId}" was not run`
  }
}

/**
 * The queue was full. Either the submission was refused (`trySubmit`, or the
 * `reject` overflow policy, or `evict-lowest` with nothing lower to evict),
 * or, with `evicted: true`, the task had been accepted and was evicted from
 * the queue to make room for a task of higher priority.
 *
 * @since 0.1.0
 * @category errors
 */
export class QueueFullError extends Data.TaggedError("QueueFullError")<{
  readonly pool: string
  readonly taskId: string
  readonly queueSize: number
  readonly evicted: boolean
}> {
  constructor(args: {
    readonly pool: string
    readonly taskId: string
    readonly queueSize: number
    /** Default `false`: the submission was refused. */
    readonly evicted?: boolean | undefined
  }) {
    super({ ...args, evicted: args.evicted ?? false })
  }

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
 *
 * @since 0.1.0
 * @category errors
 */
export class TaskTimeoutError extends Data.TaggedError("TaskTimeoutError")<{
  readonly taskId: string
  readonly timeout: Duration.Duration
  readonly phase: "queued" | "running"
}> {
  constructor(args: {
    readonly taskId: string
    readonly timeout: Duration.Duration
    /** Default `"running"`. */
    readonly phase?: "queued" | "running" | undefined
  }) {
    super({ ...args, phase: args.phase ?? "running" })
  }

  override get message(): string {
    return this.phase === "queued"
      ? `task "${this.taskId}" waited in the queue past its deadline of ${Duration.format(this.timeout)}`
      : `task "${this.taskId}" timed out after ${Duration.format(this.timeout)}`
  }
}

/**
 * A submitted task is malformed. `field` names the offending field of the
 * task (`id`, `execute`, `callback`, `priority`, `timeout`), `value` is what
 * was given and `reason` says what was expected.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidTaskError extends Data.TaggedError("InvalidTaskError")<{
  readonly taskId: string | undefined
  readonly field: string
  readonly value: unknown
  readonly reason: string
}> {
  override get message(): string {
    const task = this.taskId === undefined ? "task" : `task "${this.taskId}"`
    return `invalid ${task}: field "${this.field}" = ${show(this.value)}: ${this.reason}`
  }
}

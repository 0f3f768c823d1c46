import * as Duration from "effect/Duration"
import type * as Exit from "effect/Exit"
import type { PoolShutdownError, TaskTimeoutError } from "../PoolError.js"
import type { Priority } from "../Priority.js"
import type { TaskResult } from "../TaskResult.js"

/**
 * A task's result. The times are kept in milliseconds and become
 * `Duration`s when first read: a fractional `Duration` holds a bigint,
 * and making two per task cost more than the rest of the result.
 *
 * @internal
 */
export class Result<A, E> implements TaskResult<A, E> {
  private durationValue: Duration.Duration | undefined = undefined
  private waitTimeValue: Duration.Duration | undefined = undefined

  constructor(
    readonly taskId: string,
    readonly priority: Priority,
    readonly exit: Exit.Exit<A, E | TaskTimeoutError | PoolShutdownError>,
    private readonly ranMillis: number,
    private readonly waitedMillis: number,
    readonly attempts: number
  ) {}

  get duration(): Duration.Duration {
    return this.durationValue ??= Duration.millis(this.ranMillis)
  }

  get waitTime(): Duration.Duration {
    return this.waitTimeValue ??= Duration.millis(this.waitedMillis)
  }
}

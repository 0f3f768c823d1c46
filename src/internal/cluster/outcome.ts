/**
 * How a runner reports what its local pool did with a task: the handler's
 * exit encoded with the request's schemas, or the pool's own error.
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type { AnyRequest } from "../../ClusterPool.js"
import { InvalidTaskError, PoolShutdownError, QueueFullError, TaskTimeoutError } from "../../PoolError.js"
import type { Priority } from "../../Priority.js"
import type { TaskResult } from "../../TaskResult.js"
import type { Outcome, Settled } from "./protocol.js"

/** How long results are kept when `resultRetention` is not given. */
export const defaultRetention = Duration.hours(1)

/** A task settled without running. */
export const settledWithout = (outcome: Outcome, priority: number, attempt: number): Settled => ({
  outcome,
  attempt,
  priority,
  duration: Duration.zero,
  waitTime: Duration.zero
})

/** A task cancelled by its submitter before it settled. */
export const cancelled = (priority: Priority): Settled => settledWithout({ _tag: "Cancelled" }, priority, 0)

/** The pool's own error in `exit`, as an outcome, if the exit failed with one. */
const poolOutcome = (exit: Exit.Exit<unknown, unknown>): Outcome | undefined => {
  if (Exit.isSuccess(exit)) return undefined
  const failure = Option.getOrUndefined(Cause.failureOption(exit.cause))
  if (failure instanceof TaskTimeoutError) {
    return { _tag: "TaskTimeout", timeout: failure.timeout, phase: failure.phase }
  }
  if (failure instanceof PoolShutdownError) return { _tag: "PoolShutdown", pool: failure.pool }
  if (failure instanceof QueueFullError) {
    return { _tag: "QueueFull", pool: failure.pool, queueSize: failure.queueSize, evicted: failure.evicted }
  }
  if (failure instanceof InvalidTaskError) {
    return { _tag: "Invalid", field: failure.field, value: failure.value, reason: failure.reason }
  }
  return undefined
}

/** What the runner reports for a task its pool settled with `result`. */
export const fromResult = (
  request: AnyRequest,
  result: TaskResult<unknown, unknown>,
  attempt: number
): Effect.Effect<Settled> => {
  const settled = (outcome: Outcome): Settled => ({
    outcome,
    attempt,
    priority: result.priority,
    duration: result.duration,
    waitTime: result.waitTime
  })
  const own = poolOutcome(result.exit)
  if (own !== undefined) return Effect.succeed(settled(own))
  const encoded = Schema.serializeExit(request as Schema.WithResult.Any, result.exit as Exit.Exit<any, any>) as Effect.Effect<
    unknown,
    ParseResult.ParseError
  >
  return encoded.pipe(
    Effect.map((exit) => settled({ _tag: "Exit", exit })),
    Effect.catchAll((error) =>
      Effect.succeed(settled({
        _tag: "Refused",
        reason: `the handler's result does not match the request's schema: ${
          ParseResult.TreeFormatter.formatErrorSync(error)
        }`
      }))
    )
  )
}

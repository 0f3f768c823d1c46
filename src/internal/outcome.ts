import * as Cause from "effect/Cause"
import * as Exit from "effect/Exit"

/**
 * How a task's run ended, as metrics and spans label it.
 *
 * @internal
 */
export type Outcome = "success" | "failure" | "defect" | "timeout" | "interrupted"

/** @internal */
export const outcomes: ReadonlyArray<Outcome> = ["success", "failure", "defect", "timeout", "interrupted"]

/**
 * Classifies a run. `timedOut` is known by the pool (it made the timeout
 * error), so a task that fails with some other pool's `TaskTimeoutError` is
 * still a plain failure.
 *
 * @internal
 */
export const outcomeOf = (exit: Exit.Exit<unknown, unknown>, timedOut: boolean): Outcome => {
  if (Exit.isSuccess(exit)) return "success"
  if (timedOut) return "timeout"
  if (Cause.isInterruptedOnly(exit.cause)) return "interrupted"
  return Cause.isFailure(exit.cause) ? "failure" : "defect"
}

import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import type * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as ScheduleIntervals from "effect/ScheduleIntervals"

/**
 * The error a retry schedule is given for an attempt that ended this way:
 * its typed failure, or the pool's `TaskTimeoutError`. Success, defects and
 * interruptions (cancellation, shutdown) are never retried.
 *
 * @internal
 */
export const retryInput = (exit: Exit.Exit<unknown, unknown>): Option.Option<unknown> => {
  if (Exit.isSuccess(exit)) return Option.none()
  const cause = exit.cause
  if (Cause.isInterrupted(cause) || Cause.isDie(cause)) return Option.none()
  return Cause.failureOption(cause)
}

/**
 * Where a task's retry schedule stands: the schedule, and its state after
 * the steps taken so far (`undefined` before the first).
 *
 * @internal
 */
export class RetryState {
  private state: unknown
  private started = false

  constructor(readonly schedule: Schedule.Schedule<unknown, unknown>) {}

  /**
   * Steps the schedule with an attempt's error, on a fiber of the task's
   * runtime (a schedule may read its `Random` or `Clock`), and calls back
   * with the delay before the next attempt in milliseconds, or `undefined`
   * when the schedule is done. A step that completes synchronously (as
   * Effect's own schedules do) calls back before this returns.
   */
  next(runtime: Runtime.Runtime<never>, now: number, error: unknown, decided: (delay: number | undefined) => void): void {
    const step = this.schedule.step(now, error, this.started ? this.state : this.schedule.initial)
    const fiber = Runtime.runFork(runtime, Effect.exit(step))
    fiber.addObserver((exit) => {
      if (Exit.isFailure(exit) || Exit.isFailure(exit.value)) return decided(undefined)
      const [state, , decision] = exit.value.value
      this.state = state
      this.started = true
      if (ScheduleDecision.isDone(decision)) return decided(undefined)
      const delay = ScheduleIntervals.start(decision.intervals) - now
      decided(delay > 0 ? delay : 0)
    })
  }
}

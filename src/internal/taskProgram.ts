// The effects a task's fiber and its callback's fiber run, and the result made of a run.
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import type * as Tracer from "effect/Tracer"
import type { ResolvedPoolConfig } from "../PoolConfig.js"
import { outcomeOf } from "./outcome.js"
import type { AnyResult, TaskEntry } from "./taskEntry.js"

/**
 * The running-time timeout of a task: its own, or the pool's; `undefined` for none.
 *
 * @internal
 */
export const timeoutOf = (entry: TaskEntry, config: ResolvedPoolConfig): Duration.Duration | undefined => {
  const timeout = entry.timeout ?? config.taskTimeout
  return timeout !== undefined && Duration.isFinite(timeout) ? timeout : undefined
}

/**
 * What a task's fiber runs: the task's effect, inside its span when
 * something can see one. The span is made here, as the first step of the
 * task's fiber (so that it is a child of the submitter's span and the
 * parent of the task's own spans), and ended by the runner once the fiber
 * has ended, with the task's result: a running-time timeout interrupts the
 * fiber, and the span must close with `TaskTimeoutError`, not with that
 * interruption.
 *
 * @internal
 */
export const taskProgram = (entry: TaskEntry, config: ResolvedPoolConfig): Effect.Effect<unknown, unknown, any> => {
  if (!entry.origin.traced) return entry.task.execute
  return Effect.flatMap(
    Effect.makeSpan("WorkerPool.task", {
      attributes: {
        "task.id": entry.taskId,
        "task.priority": entry.priority,
        "pool.name": config.name,
        "task.wait_ms": entry.waitedMillis,
        ...(entry.key === undefined ? {} : { "task.key": entry.key })
      },
      captureStackTrace: false
    }),
    (span) => {
      entry.span = span
      return Effect.withParentSpan(entry.task.execute, span)
    }
  )
}

/**
 * Ends a task's span with the task's outcome and exit, at the time of the
 * clock the span was started with.
 *
 * @internal
 */
export const endTaskSpan = (
  span: Tracer.Span,
  fiber: Fiber.RuntimeFiber<unknown, unknown>,
  exit: Exit.Exit<unknown, unknown>,
  timedOut: boolean
): void => {
  span.attribute("task.outcome", outcomeOf(exit, timedOut))
  span.end(Context.get(fiber.currentDefaultServices, Clock.Clock).unsafeCurrentTimeNanos(), exit)
}

/**
 * A task's callback as an effect: a callback that throws, fails or returns
 * something else than an Effect is handled, and a failure is logged.
 *
 * @internal
 */
export const callbackProgram = (
  pool: string,
  callback: (result: AnyResult) => unknown,
  result: AnyResult
): Effect.Effect<unknown, unknown, any> =>
  Effect.suspend(() => {
    const returned: unknown = callback(result)
    return Effect.isEffect(returned) ? returned : Effect.void
  }).pipe(
    Effect.onError((cause) => Effect.logWarning(`WorkerPool "${pool}": callback of task "${result.taskId}" failed`, cause))
  )

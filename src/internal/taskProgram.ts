// The effects a task's fiber and its callback's fiber run, and the result made of a run.
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type { ResolvedPoolConfig } from "../PoolConfig.js"
import { TaskTimeoutError } from "../PoolError.js"
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
 * What a task's fiber runs. A running-time timeout is a timer of the pool's
 * that interrupts the fiber (`Effect.timeout` would fork two fibers per
 * task); a task with one turns that interruption into `TaskTimeoutError`
 * itself, so that its fiber ends, and its span closes, with the error
 * `Effect.timeoutFail` would give. The task span is made only when
 * something can see it.
 *
 * @internal
 */
export const taskProgram = (entry: TaskEntry, config: ResolvedPoolConfig): Effect.Effect<unknown, unknown, any> => {
  const timeout = timeoutOf(entry, config)
  const traced = entry.origin.traced
  if (timeout === undefined) return traced ? withTaskSpan(entry, entry.task.execute, config) : entry.task.execute
  return Effect.uninterruptibleMask((restore) => {
    const run = Effect.flatMap(Effect.exit(restore(entry.task.execute)), (exit) =>
      entry.timedOut && Exit.isInterrupted(exit)
        ? Effect.fail(new TaskTimeoutError({ taskId: entry.taskId, timeout, phase: "running" }))
        : exit)
    return traced ? withTaskSpan(entry, run, config) : run
  })
}

const withTaskSpan = <A, E, R>(
  entry: TaskEntry,
  run: Effect.Effect<A, E, R>,
  config: ResolvedPoolConfig
): Effect.Effect<A, E, R> =>
  Effect.withSpan(
    Effect.onExit(run, (exit) => Effect.annotateCurrentSpan("task.outcome", outcomeOf(exit, entry.timedOut))),
    "WorkerPool.task",
    {
      attributes: {
        "task.id": entry.taskId,
        "task.priority": entry.priority,
        "pool.name": config.name,
        "task.wait_ms": entry.waitedMillis,
        ...(entry.key === undefined ? {} : { "task.key": entry.key })
      },
      captureStackTrace: false
    }
  )

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

// The effects a worker runs for a task, and the result it makes of a run.
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
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
 * What a worker runs for a task. Untraced, the task's own effect: its
 * running-time timeout is a timer on the pool's timer fiber that interrupts
 * the worker (`Effect.timeout` would fork two fibers per task). Traced, the
 * task span must end with the timeout error itself, so the timeout stays
 * inside the span as `Effect.timeoutFail`.
 *
 * @internal
 */
export const taskProgram = (entry: TaskEntry, config: ResolvedPoolConfig): Effect.Effect<unknown, unknown, any> => {
  const { priority, task, taskId } = entry
  if (!entry.origin.traced) return task.execute
  const timeout = timeoutOf(entry, config)
  const execute: Effect.Effect<unknown, unknown, any> = timeout === undefined
    ? task.execute
    : Effect.timeoutFail(task.execute, {
      duration: timeout,
      onTimeout: () => {
        entry.timedOut = true
        return new TaskTimeoutError({ taskId, timeout, phase: "running" })
      }
    })
  return Effect.withSpan(
    Effect.onExit(execute, (exit) => Effect.annotateCurrentSpan("task.outcome", outcomeOf(exit, entry.timedOut))),
    "WorkerPool.task",
    {
      attributes: {
        "task.id": taskId,
        "task.priority": priority,
        "pool.name": config.name,
        "task.wait_ms": entry.waitedMillis,
        ...(entry.key === undefined ? {} : { "task.key": entry.key })
      },
      captureStackTrace: false
    }
  )
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

/**
 * The result of a task's run (or of its settling without one).
 *
 * @internal
 */
export const resultOf = (entry: TaskEntry, exit: Exit.Exit<any, any>, duration: Duration.Duration): AnyResult => ({
  taskId: entry.taskId,
  priority: entry.priority,
  exit,
  duration,
  waitTime: Duration.millis(entry.waitedMillis)
})

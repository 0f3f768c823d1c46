// A task's running-time timeout, and the effect its callback's fiber runs.
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { ResolvedPoolConfig } from "../PoolConfig.js"
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

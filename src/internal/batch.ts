import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"
import { InvalidTaskError, type PoolShutdownError } from "../PoolError.js"
import * as Priority from "../Priority.js"
import type { Task } from "../Task.js"
import type { PoolCore } from "./pool.js"
import { type AnyResult, originOf, type TaskEntry } from "./taskEntry.js"
import { validateTask, type ValidTask } from "./validateTask.js"

/** The result of a task the pool refused because it was shutting down. */
const refused = (task: Pick<ValidTask, "id" | "priority">, error: PoolShutdownError): AnyResult => ({
  taskId: task.id,
  priority: task.priority,
  exit: Exit.fail(error),
  duration: Duration.zero,
  waitTime: Duration.zero
})

/**
 * Validates every task, then submits them in order (waiting for room as
 * needed) and returns their results in input order. Interrupting the caller
 * cancels what was accepted.
 *
 * @internal
 */
export const runAll = (
  pool: PoolCore,
  tasks: Iterable<Task<any, any, any>>
): Effect.Effect<ReadonlyArray<AnyResult>, InvalidTaskError, any> =>
  Effect.withFiberRuntime((fiber, status) => {
    const valid: Array<ValidTask> = []
    for (const task of tasks) {
      const checked = validateTask(task)
      if (checked instanceof InvalidTaskError) return Effect.fail(checked)
      valid.push(checked)
    }
    const origin = originOf(fiber, status.runtimeFlags)
    const accepted: Array<TaskEntry> = []
    return Effect.uninterruptibleMask((restore) =>
      Effect.forEach(valid, (task) =>
        restore(pool.offer(task, origin, "backpressure")).pipe(
          Effect.map((entry): Effect.Effect<AnyResult> => {
            accepted.push(entry)
            return entry.await
          }),
          Effect.catchTag("PoolShutdownError", (error) => Effect.succeed(Effect.succeed(refused(task, error))))
        )).pipe(
          Effect.flatMap((results) => restore(Effect.all(results))),
          Effect.onInterrupt(() => Effect.forEach(accepted, (entry) => entry.cancel, { discard: true }))
        )
    )
  })

/**
 * Submits one task of a batch and waits for its result; interrupting the
 * wait cancels the task.
 */
const settleOne = (pool: PoolCore, task: Task<any, any, any>): Effect.Effect<AnyResult, InvalidTaskError, any> =>
  Effect.uninterruptibleMask((restore) =>
    restore(pool.submit(task, "backpressure")).pipe(
      Effect.flatMap((entry: TaskEntry) => Effect.onInterrupt(restore(entry.await), () => entry.cancel)),
      Effect.catchTag("PoolShutdownError", (error: PoolShutdownError) =>
        Effect.succeed(refused({ id: error.taskId, priority: task.priority ?? Priority.defaultPriority }, error)))
    )
  )

/**
 * Streams results in completion order, with at most `workers + queueSize`
 * tasks of the batch in the pool at once.
 *
 * @internal
 */
export const submitBatch = (
  pool: PoolCore,
  tasks: Iterable<Task<any, any, any>>
): Stream.Stream<AnyResult, InvalidTaskError, any> =>
  Stream.mapEffect(Stream.fromIterable(tasks), (task) => settleOne(pool, task), {
    concurrency: pool.config.workers + pool.config.queueSize,
    unordered: true
  })

/**
 * The pool as a layer: submit tasks, await their handles, run one for its value.
 */
import { Effect } from "effect"
import { pathToFileURL } from "node:url"
import { Priority, WorkerPool } from "@helixagent/concurrency"

const program = Effect.gen(function*() {
  const pool = yield* WorkerPool

  // submit returns once the pool has accepted the task (waiting for room when the queue is full)
  const handle = yield* pool.submit({
    id: "summarize",
    execute: Effect.succeed("a summary"),
    priority: Priority.High,
    timeout: "30 seconds"
  })
  const result = yield* handle.await // TaskResult: exit, duration, waitTime
  yield* Effect.log(`${result.taskId} took ${result.duration.toString()}`)

  // run = submit + join: the task's value, or its error in the error channel
  const answer = yield* pool.run({ id: "answer", execute: Effect.succeed(42) })
  return answer
})

export const main = program.pipe(
  Effect.provide(WorkerPool.layer({ workers: 4, queueSize: 100, taskTimeout: "1 minute" }))
)

// Run when executed directly, not when imported (by the tests).
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) Effect.runPromise(main).then(console.log)

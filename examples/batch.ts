/**
 * Batches: `submitBatch` streams results as tasks complete, submitting
 * lazily as the pool has room; `runAll` returns them in input order.
 */
import { Effect, Stream } from "effect"
import { pathToFileURL } from "node:url"
import { type Task, TaskResult, WorkerPool } from "@helixagent/concurrency"

const verify = (n: number): Task<number> => ({
  id: `verify-${n}`,
  execute: Effect.succeed(n * n).pipe(Effect.delay(`${n % 7} millis`))
})

// A lazy iterable: tasks are made only as the pool asks for them.
function* manyChecks(count: number) {
  for (let n = 0; n < count; n++) yield verify(n)
}

const program = Effect.gen(function*() {
  const pool = yield* WorkerPool

  const passed = yield* pool.submitBatch(manyChecks(10_000)).pipe(
    Stream.filter(TaskResult.isSuccess),
    Stream.runCount
  )

  const inOrder = yield* pool.runAll([verify(1), verify(2), verify(3)])
  return { passed, firstIds: inOrder.map((result) => result.taskId) }
})

export const main = program.pipe(Effect.provide(WorkerPool.layer({ workers: 8, queueSize: 32 })))

// Run when executed directly, not when imported (by the tests).
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) Effect.runPromise(main).then(console.log)

/**
 * Graceful shutdown and metrics: closing the pool's scope lets queued and
 * running tasks finish within `shutdownTimeout`; afterwards nothing is accepted.
 */
import { Effect } from "effect"
import { pathToFileURL } from "node:url"
import { PoolShutdownError, WorkerPool } from "@helixagent/concurrency"

const program = Effect.gen(function*() {
  const pool = yield* WorkerPool.make({ workers: 2, shutdownTimeout: "5 seconds", name: "jobs" })
  for (let i = 0; i < 10; i++) {
    yield* pool.submit({ id: `job-${i}`, execute: Effect.sleep("10 millis") })
  }
  yield* pool.shutdown // waits for all ten jobs
  const refused = yield* pool.submit({ id: "late", execute: Effect.void }).pipe(Effect.flip)
  const metrics = yield* pool.metrics
  return { refused: refused instanceof PoolShutdownError, completed: metrics.tasksCompleted }
})

export const main = Effect.scoped(program)

// Run when executed directly, not when imported (by the tests).
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) Effect.runPromise(main).then(console.log)

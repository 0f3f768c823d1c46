/**
 * Graceful shutdown and metrics: closing the pool's scope lets queued and
 * running tasks finish within `shutdownTimeout`; afterwards nothing is accepted.
 */
import { Effect } from "effect"
import { PoolShutdownError, WorkerPool } from "../src/index.js"

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

Effect.scoped(program).pipe(Effect.runPromise).then(console.log)

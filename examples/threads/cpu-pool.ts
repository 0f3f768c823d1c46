/**
 * A CPU pool: a WorkerPool whose tasks hash on worker threads, so the event
 * loop stays free, priorities and keys order the work, and a timeout really
 * stops a runaway computation (its thread is terminated and replaced).
 *
 *   npx tsx examples/threads/cpu-pool.ts
 */
import { Effect, Layer } from "effect"
import { pathToFileURL } from "node:url"
import { Priority, TaskResult, WorkerPool } from "@helixagent/concurrency"
import { ThreadPool } from "@helixagent/concurrency/threads"
import { Hash, Requests, Spin } from "./requests.js"

const size = 2

// The thread module, next to this file (.ts here, loaded through tsx; ship it built as .js).
const Threads = ThreadPool.layer({
  script: new URL("./hash-thread.ts", import.meta.url),
  schema: Requests,
  size,
  name: "cpu",
  startupTimeout: "30 seconds"
})

// As many workers as threads: the WorkerPool schedules, the threads compute.
const CpuPool = WorkerPool.layer({ workers: size, name: "cpu", keyLimits: { reports: 1 } }).pipe(
  Layer.provideMerge(Threads)
)

const program = Effect.gen(function*() {
  const pool = yield* WorkerPool
  const threads = yield* ThreadPool

  const digests = yield* pool.runAll(
    Array.from({ length: 8 }, (_, n) => ({
      id: `digest-${n}`,
      execute: threads.execute(new Hash({ input: `document ${n}`, rounds: 20_000 })),
      priority: n < 2 ? Priority.High : Priority.Normal,
      key: n % 2 === 0 ? "reports" : "uploads",
      timeout: "10 seconds"
    }))
  )

  // A runaway computation: its timeout interrupts it, and the thread that does not stop is replaced.
  const runaway = yield* pool.run({ id: "runaway", execute: threads.execute(new Spin({ millis: 60_000 })), timeout: "200 millis" })
    .pipe(Effect.flip)

  yield* Effect.sleep("500 millis") // past interruptGrace (100 ms): the looping thread has been terminated
  const after = yield* pool.run({ id: "after", execute: threads.execute(new Hash({ input: "after", rounds: 10 })) })
  const metrics = yield* threads.metrics
  return {
    hashed: digests.filter(TaskResult.isSuccess).length,
    runaway: runaway._tag,
    after: after.slice(0, 12),
    terminatedOnInterrupt: metrics.terminatedOnInterrupt
  }
})

export const main = program.pipe(Effect.provide(CpuPool))

// Run when executed directly, not when imported (by the tests).
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) Effect.runPromise(main).then(console.log)

/**
 * Callbacks and error handling: every task's callback runs exactly once with
 * its result, and a failing task never disturbs the others.
 */
import { Data, Effect, Exit } from "effect"
import { pathToFileURL } from "node:url"
import { type TaskResult, WorkerPool } from "@helixagent/concurrency"

class RateLimited extends Data.TaggedError("RateLimited")<{ readonly retryAfter: number }> {}

const report = (result: TaskResult<string, RateLimited>) =>
  Exit.match(result.exit, {
    onSuccess: (value) => Effect.log(`${result.taskId} -> ${value}`),
    onFailure: (cause) => Effect.logWarning(`${result.taskId} failed`, cause)
  })

const program = Effect.gen(function*() {
  const pool = yield* WorkerPool
  const ok = yield* pool.submit({ id: "ok", execute: Effect.succeed("fine"), callback: report })
  const limited = yield* pool.submit({
    id: "limited",
    execute: Effect.fail(new RateLimited({ retryAfter: 30 })),
    callback: report
  })
  yield* ok.join
  // join fails as the task failed: catch the typed error as usual
  const retryAfter = yield* limited.join.pipe(
    Effect.map(() => 0),
    Effect.catchTag("RateLimited", (error) => Effect.succeed(error.retryAfter))
  )
  return retryAfter
})

export const main = program.pipe(Effect.provide(WorkerPool.layer({ workers: 2 })))

// Run when executed directly, not when imported (by the tests).
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) Effect.runPromise(main).then(console.log)

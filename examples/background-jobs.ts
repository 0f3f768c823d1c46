/**
 * Background jobs fed while the program serves other work: a producer fiber
 * keeps handing jobs to the pool at Low priority while the foreground answers
 * requests through the same pool at High priority. A request never waits
 * behind the queued jobs, only for a worker to free up.
 *
 *   npx tsx examples/background-jobs.ts
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Duration, Effect, Fiber, Random, Ref } from "effect"
import { pathToFileURL } from "node:url"
import { Priority, type TaskHandle, WorkerPool } from "@helixagent/concurrency"

export const jobCount = 40
export const requestCount = 12

/** A simulated background job: re-indexing one document. */
const reindex = (n: number) => Effect.sleep(`${60 + (n % 5) * 20} millis`)

/** A simulated request handler: a quick model call. */
const answer = (n: number) =>
  Effect.gen(function*() {
    yield* Effect.sleep(`${yield* Random.nextIntBetween(20, 60)} millis`)
    return `reply to request ${n}`
  })

const ms = (duration: Duration.Duration) => Math.round(Duration.toMillis(duration))

export const program = Effect.gen(function*() {
  const pool = yield* WorkerPool
  const jobsDone = yield* Ref.make(0)

  // The producer: a job every 10 ms, in the background.
  const producer = yield* Effect.fork(
    Effect.forEach(
      Array.from({ length: jobCount }, (_, n) => n),
      (n) =>
        pool.submit({
          id: `job-${n}`,
          priority: Priority.Low,
          execute: reindex(n),
          callback: () => Ref.update(jobsDone, (done) => done + 1)
        }).pipe(Effect.zipLeft(Effect.sleep("10 millis"))),
      { discard: false }
    )
  )

  // The foreground: a request every 50 ms, each answered through the pool ahead of the queued jobs.
  const requests = yield* Effect.forEach(Array.from({ length: requestCount }, (_, n) => n), (n) =>
    Effect.gen(function*() {
      yield* Effect.sleep("50 millis")
      const handle = yield* pool.submit({ id: `request-${n}`, priority: Priority.High, execute: answer(n) })
      const result = yield* handle.await
      const done = yield* Ref.get(jobsDone)
      const { queued } = yield* pool.metrics
      yield* Effect.log(`request-${n} answered after waiting ${ms(result.waitTime)} ms (${queued} jobs queued, ${done} done)`)
      return { id: result.taskId, waited: ms(result.waitTime), jobsDoneBefore: done }
    }))

  const jobsDoneWhileServing = yield* Ref.get(jobsDone)
  yield* Effect.log(`served ${requests.length} requests; ${jobsDoneWhileServing} background jobs done meanwhile`)

  // Then let the rest of the jobs finish.
  const handles: ReadonlyArray<TaskHandle<void>> = yield* Fiber.join(producer)
  const jobs = yield* Effect.forEach(handles, (handle) => handle.await)
  yield* Effect.log(`all ${jobs.length} background jobs done`)

  return {
    requests,
    jobsDoneWhileServing,
    jobsDone: yield* Ref.get(jobsDone),
    longestRequestWait: Math.max(...requests.map((request) => request.waited)),
    longestJobWait: Math.max(...jobs.map((job) => ms(job.waitTime)))
  }
})

export const main = program.pipe(Effect.provide(WorkerPool.layer({ workers: 3, queueSize: 100, name: "background" })))

// Run when executed directly, not when imported (by the tests).
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main.pipe(
    Effect.tap((summary) =>
      Effect.log(
        `longest wait: ${summary.longestRequestWait} ms for a request, ${summary.longestJobWait} ms for a background job`
      )
    ),
    NodeRuntime.runMain
  )
}

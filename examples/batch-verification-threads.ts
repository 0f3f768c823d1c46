/**
 * Batch verification on worker threads: 300 generated answers checked in
 * parallel, each by a verifier that redoes the computation (CPU-bound, so it
 * runs on threads and the event loop stays free). `submitBatch` takes a lazy
 * iterable and submits only as the pool has room; results stream back as the
 * checks finish, and the wrong answers are reported.
 *
 *   npx tsx examples/batch-verification-threads.ts
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Layer, Stream } from "effect"
import { pathToFileURL } from "node:url"
import { type Task, TaskResult, WorkerPool } from "@helixagent/concurrency"
import { type ThreadCrashedError, ThreadPool, type ThreadPoolService } from "@helixagent/concurrency/threads"
import { CountPrimes, Requests } from "./threads/requests.js"

/** A generated claim to verify: "there are `answer` primes below `below`". */
export interface Claim {
  readonly id: string
  readonly below: number
  readonly answer: number
}

export const claimCount = 300

/** Every 23rd generated answer is off by one: those are the ones verification must catch. */
export const isWrong = (n: number) => n % 23 === 7

const limit = 60_000

/** The answers as a generator might give them: the right counts from one sieve, some off by one. */
function* claims(count: number): Generator<Claim> {
  const composite = new Uint8Array(limit)
  const primesBelow = new Uint32Array(limit + 1)
  for (let k = 2; k < limit; k++) {
    primesBelow[k + 1] = primesBelow[k]! + (composite[k] ? 0 : 1)
    if (!composite[k]) for (let m = k * k; m < limit; m += k) composite[m] = 1
  }
  for (let n = 0; n < count; n++) {
    const below = 20_000 + ((n * 7919) % (limit - 20_000))
    yield { id: `claim-${n}`, below, answer: primesBelow[below]! + (isWrong(n) ? 1 : 0) }
  }
}

export interface Verdict {
  readonly id: string
  readonly valid: boolean
}

/** The batch: a lazy iterable of tasks, each counting the primes again on a thread. */
function* checks(count: number, threads: ThreadPoolService): Generator<Task<Verdict, ThreadCrashedError>> {
  for (const claim of claims(count)) {
    yield {
      id: claim.id,
      execute: threads.execute(new CountPrimes({ below: claim.below })).pipe(
        Effect.map((count) => ({ id: claim.id, valid: count === claim.answer }))
      ),
      timeout: "10 seconds"
    }
  }
}

export const program = Effect.gen(function*() {
  const pool = yield* WorkerPool
  const threads = yield* ThreadPool

  const verdicts = yield* pool.submitBatch(checks(claimCount, threads)).pipe(
    Stream.filter(TaskResult.isSuccess),
    Stream.map((result) => result.exit.value),
    Stream.tap((verdict) => verdict.valid ? Effect.void : Effect.logWarning(`${verdict.id} is wrong`)),
    Stream.zipWithIndex,
    Stream.tap(([, n]) => (n + 1) % 100 === 0 ? Effect.log(`${n + 1} claims verified`) : Effect.void),
    Stream.map(([verdict]) => verdict),
    Stream.runCollect
  )

  const all = [...verdicts]
  const metrics = yield* pool.metrics
  return {
    verified: all.length,
    invalid: all.filter((verdict) => !verdict.valid).map((verdict) => verdict.id),
    failed: metrics.tasksFailed,
    threadRequests: (yield* threads.metrics).requests
  }
})

const threadCount = 2

// One task per thread at a time; at most 2 + 16 claims of the batch are in the pool at any moment.
export const main = program.pipe(
  Effect.provide(
    WorkerPool.layer({ workers: threadCount, queueSize: 16, name: "verification" }).pipe(
      Layer.provideMerge(ThreadPool.layer({
        script: new URL("./threads/hash-thread.ts", import.meta.url),
        schema: Requests,
        size: threadCount,
        name: "verification",
        startupTimeout: "30 seconds"
      }))
    )
  )
)

// Run when executed directly, not when imported (by the tests).
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main.pipe(
    Effect.tap((summary) =>
      Effect.log(
        `verified ${summary.verified} claims on threads: ${summary.invalid.length} wrong (${summary.invalid.join(", ")}), ` +
          `${summary.failed} checks failed`
      )
    ),
    NodeRuntime.runMain
  )
}

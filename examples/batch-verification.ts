/**
 * Batch verification: check a few hundred generated answers in parallel.
 * `submitBatch` takes a lazy iterable and submits only as the pool has room,
 * so the batch may be far larger than the queue; results stream back as the
 * checks finish. A check whose verifier is briefly unavailable is retried
 * inside its task.
 *
 *   npx tsx examples/batch-verification.ts
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Data, Effect, Random, Stream } from "effect"
import { pathToFileURL } from "node:url"
import { type Task, TaskResult, WorkerPool } from "@helixagent/concurrency"

class VerifierUnavailable extends Data.TaggedError("VerifierUnavailable")<{ readonly claimId: string }> {}

/** A generated claim to verify: "a × b = answer". */
export interface Claim {
  readonly id: string
  readonly a: number
  readonly b: number
  readonly answer: number
}

export const claimCount = 300

/** Every 23rd generated answer is off by one: those are the ones verification must catch. */
export const isWrong = (n: number) => n % 23 === 7

/** The claims, made one at a time as the pool asks for them. */
function* claims(count: number): Generator<Claim> {
  for (let n = 0; n < count; n++) {
    const a = 3 + (n % 17)
    const b = 11 + (n % 29)
    yield { id: `claim-${n}`, a, b, answer: a * b + (isWrong(n) ? 1 : 0) }
  }
}

export interface Verdict {
  readonly id: string
  readonly valid: boolean
  readonly attempts: number
}

/** A simulated verifier call: some latency, and unavailable on the first try for every 40th claim. */
const verify = (claim: Claim) => {
  let attempts = 0
  return Effect.gen(function*() {
    attempts++
    yield* Effect.sleep(`${yield* Random.nextIntBetween(5, 25)} millis`)
    if (attempts === 1 && Number(claim.id.slice(6)) % 40 === 0) {
      return yield* new VerifierUnavailable({ claimId: claim.id })
    }
    return { id: claim.id, valid: claim.a * claim.b === claim.answer, attempts } satisfies Verdict
  }).pipe(Effect.retry({ times: 2 }))
}

const check = (claim: Claim): Task<Verdict, VerifierUnavailable> => ({
  id: claim.id,
  execute: verify(claim),
  timeout: "1 second"
})

/** The batch: a lazy iterable of tasks, made as the pool asks for them. */
function* checks(count: number): Generator<Task<Verdict, VerifierUnavailable>> {
  for (const claim of claims(count)) yield check(claim)
}

export const program = Effect.gen(function*() {
  const pool = yield* WorkerPool

  const verdicts = yield* pool.submitBatch(checks(claimCount)).pipe(
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
    retried: all.filter((verdict) => verdict.attempts > 1).map((verdict) => verdict.id),
    failed: metrics.tasksFailed
  }
})

// 8 checks at once; at most 8 + 16 claims of the batch are in the pool at any moment.
export const main = program.pipe(Effect.provide(WorkerPool.layer({ workers: 8, queueSize: 16, name: "verification" })))

// Run when executed directly, not when imported (by the tests).
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main.pipe(
    Effect.tap((summary) =>
      Effect.log(
        `verified ${summary.verified} claims: ${summary.invalid.length} wrong (${summary.invalid.join(", ")}), ` +
          `${summary.retried.length} needed a retry, ${summary.failed} checks failed`
      )
    ),
    NodeRuntime.runMain
  )
}

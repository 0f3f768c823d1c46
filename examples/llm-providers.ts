/**
 * One pool serving three LLM providers fairly: each provider has its own
 * concurrency and rate limit, a 429 pauses only its provider, aging keeps
 * low-priority work moving, and queue deadlines drop requests that waited
 * past their usefulness.
 *
 *   npx tsx examples/llm-providers.ts
 */
import { Data, Duration, Effect, Exit, Random, Stream } from "effect"
import { pathToFileURL } from "node:url"
import { Priority, type Task, TaskResult, WorkerPool } from "@helixagent/concurrency"

class RateLimited extends Data.TaggedError("RateLimited")<{
  readonly provider: string
  readonly retryAfter: Duration.Duration
}> {}

type Provider = "anthropic" | "openai" | "mistral"

/** A simulated chat completion; the openai endpoint answers 429 now and then. */
const complete = (provider: Provider, prompt: string) =>
  Effect.gen(function*() {
    yield* Effect.sleep(Duration.millis(yield* Random.nextIntBetween(40, 120)))
    if (provider === "openai" && (yield* Random.next) < 0.15) {
      return yield* new RateLimited({ provider, retryAfter: Duration.millis(300) })
    }
    return `${provider} answered "${prompt}"`
  })

const program = Effect.gen(function*() {
  const pool = yield* WorkerPool

  const ask = (provider: Provider, prompt: string, priority: Priority): Task<string, RateLimited> => ({
    id: `${provider}:${prompt}`,
    key: provider,
    priority,
    execute: complete(provider, prompt).pipe(
      // A 429 holds back this provider only; its queued requests wait, the others go on.
      Effect.tapError((error) => pool.pauseKey(error.provider, error.retryAfter).pipe(Effect.orDie))
    )
  })

  const requests = [
    ...Array.from({ length: 12 }, (_, i) => ask("anthropic", `debate turn ${i}`, Priority.High)),
    ...Array.from({ length: 12 }, (_, i) => ask("openai", `verify claim ${i}`, Priority.Normal)),
    ...Array.from({ length: 12 }, (_, i) => ask("mistral", `summarize ${i}`, Priority.Low)),
    // a background job that is useless if it cannot start within 2 seconds
    { ...ask("mistral", "nightly digest", Priority.Low), queueTimeout: Duration.seconds(2) }
  ]

  const results = yield* pool.submitBatch(requests).pipe(
    Stream.tap((result) =>
      Effect.log(
        Exit.isSuccess(result.exit) ? result.exit.value : `${result.taskId} failed`,
        `waited ${Math.round(Duration.toMillis(result.waitTime))} ms`
      )
    ),
    Stream.runCollect
  )

  const metrics = yield* pool.metrics
  return {
    succeeded: [...results].filter(TaskResult.isSuccess).length,
    failed: metrics.tasksFailed,
    expired: metrics.tasksExpired,
    keys: metrics.keys
  }
})

const llmPool = WorkerPool.layer({
  workers: 8,
  queueSize: 64,
  name: "llm",
  // concurrent calls allowed by each provider
  keyLimits: { anthropic: 4, openai: 3, mistral: 2 },
  // starts allowed per sliding window
  rateLimits: {
    openai: { limit: 10, interval: "1 second" },
    mistral: { limit: 6, interval: "1 second" }
  },
  // a queued request climbs one priority level per second of waiting
  agingInterval: "1 second",
  // nothing waits in the queue longer than 10 seconds
  queueTimeout: "10 seconds"
})

export const main = program.pipe(Effect.provide(llmPool))

// Run when executed directly, not when imported (by the tests).
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) Effect.runPromise(main).then((summary) => console.log(summary))

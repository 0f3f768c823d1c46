/**
 * Parallel LLM calls with a fallback: every prompt goes to the primary
 * provider at once; a prompt the primary fails on (an error, or no answer
 * within the timeout) goes to a second provider. The pool bounds how many
 * calls run at once, overall and per provider.
 *
 *   npx tsx examples/llm-fallback.ts
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Data, Effect, Random } from "effect"
import { pathToFileURL } from "node:url"
import { Priority, WorkerPool } from "@helixagent/concurrency"

class ProviderError extends Data.TaggedError("ProviderError")<{ readonly provider: string; readonly status: number }> {
  override get message() {
    return `${this.provider} answered ${this.status}`
  }
}

type Provider = "claude" | "gpt"

export const prompts = [
  "Summarize the incident report",
  "Draft a reply to the customer",
  "Explain the failing test",
  "List three risks of the migration",
  "Write release notes for 0.1.0",
  "Suggest a name for the service"
]

/** The simulated primary is overloaded for two prompts (503) and never answers a third. */
export const outage: Readonly<Record<string, "503" | "hang">> = {
  [prompts[2]!]: "503",
  [prompts[3]!]: "hang",
  [prompts[5]!]: "503"
}

/** A simulated completion call (no network). */
const complete = (provider: Provider, prompt: string) =>
  Effect.gen(function*() {
    if (provider === "claude" && outage[prompt] === "hang") return yield* Effect.never
    yield* Effect.sleep(`${yield* Random.nextIntBetween(50, 200)} millis`)
    if (provider === "claude" && outage[prompt] === "503") return yield* new ProviderError({ provider, status: 503 })
    return `${provider}'s answer to "${prompt}"`
  })

export interface Answer {
  readonly prompt: string
  readonly provider: Provider
  readonly answer: string
}

export const program = Effect.gen(function*() {
  const pool = yield* WorkerPool

  const call = (provider: Provider, prompt: string, n: number) =>
    pool.run({
      id: `${provider}/prompt-${n}`,
      key: provider, // per-provider concurrency limit
      priority: Priority.High,
      timeout: "500 millis", // a call that has not answered by then fails with TaskTimeoutError
      execute: complete(provider, prompt)
    })

  const ask = (prompt: string, n: number): Effect.Effect<Answer, unknown> =>
    call("claude", prompt, n).pipe(
      Effect.map((answer): Answer => ({ prompt, provider: "claude", answer })),
      Effect.catchAll((error) =>
        Effect.logWarning(`claude failed on "${prompt}": ${error.message}; asking gpt`).pipe(
          Effect.zipRight(call("gpt", prompt, n)),
          Effect.map((answer): Answer => ({ prompt, provider: "gpt", answer }))
        )
      ),
      Effect.tap((answer) => Effect.log(`${answer.provider} answered "${prompt}"`))
    )

  // All prompts at once; the pool decides how many calls run together.
  return yield* Effect.forEach(prompts, ask, { concurrency: "unbounded" })
})

export const main = program.pipe(
  Effect.provide(WorkerPool.layer({ workers: 4, keyLimits: { claude: 3, gpt: 2 }, name: "llm-fallback" }))
)

// Run when executed directly, not when imported (by the tests).
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main.pipe(
    Effect.tap((answers) => Effect.log(`answered ${answers.length} prompts, ${answers.filter((a) => a.provider === "gpt").length} by the fallback`)),
    NodeRuntime.runMain
  )
}

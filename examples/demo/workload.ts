/**
 * The demo's simulated LLM providers and the mix of calls it sends them.
 */
import { Data, Duration, Effect, Random } from "effect"
import { Priority } from "@helixagent/concurrency"

/** A provider's 429 Too Many Requests, with its Retry-After. */
export class RateLimited extends Data.TaggedError("RateLimited")<{
  readonly provider: string
  readonly retryAfter: Duration.Duration
}> {
  override get message() {
    return `429 Too Many Requests, Retry-After ${Duration.toSeconds(this.retryAfter)} s`
  }
}

export type ProviderName = "claude" | "gpt" | "gemini" | "mistral"

/** Simulated latency of each provider, in milliseconds. */
const latency: Record<ProviderName, readonly [min: number, max: number]> = {
  claude: [250, 550],
  gpt: [200, 500],
  gemini: [150, 450],
  mistral: [150, 350]
}

/** What a simulated call does: answer after its latency, answer 429, or never answer. */
export type Behaviour = "answer" | "rate-limited" | "hang"

export interface Call {
  /** The task id, `provider/kind-n`. */
  readonly id: string
  readonly provider: ProviderName
  readonly priority: Priority
  readonly behaviour: Behaviour
}

/** Calls submitted together, `at` milliseconds after the start. */
export interface Wave {
  readonly at: number
  readonly priority: Priority
  readonly what: string
  readonly calls: ReadonlyArray<Call>
}

/** How long a provider that answered 429 asks us to wait. */
export const retryAfter = Duration.seconds(2)

/** The simulated completion call. */
export const complete = (call: Call): Effect.Effect<string, RateLimited> =>
  Effect.gen(function*() {
    if (call.behaviour === "hang") return yield* Effect.never
    const [min, max] = latency[call.provider]
    const millis = yield* Random.nextIntBetween(min, max)
    yield* Effect.sleep(Duration.millis(millis))
    if (call.behaviour === "rate-limited") {
      return yield* new RateLimited({ provider: call.provider, retryAfter })
    }
    return `${call.provider} answered in ${millis} ms`
  })

const calls = (
  count: number,
  kind: string,
  priority: Priority,
  providers: ReadonlyArray<ProviderName>,
  special?: { readonly index: number; readonly behaviour: Behaviour }
): Array<Call> =>
  Array.from({ length: count }, (_, i) => {
    const provider = providers[i % providers.length]!
    return {
      id: `${provider}/${kind}-${i + 1}`,
      provider,
      priority,
      behaviour: special?.index === i ? special.behaviour : "answer"
    }
  })

/**
 * The mix for about `total` calls (at least 17):
 *
 * - at 0 ms, background summaries at Low: they fill the four workers and
 *   queue up behind them;
 * - at 400 ms, judges at Critical: they arrive while Low work is queued and
 *   take every worker that frees up, overtaking it;
 * - at 1.2 s, debate turns at Normal, one of which gets a 429 from gpt, which
 *   pauses gpt for two seconds;
 * - at 1.8 s, claim verifications at High, one of which hangs until its
 *   timeout cuts it off.
 */
export const plan = (total: number): ReadonlyArray<Wave> => {
  const low = Math.max(10, Math.round(total * 0.25))
  const critical = Math.max(2, Math.round(total * 0.15))
  const normal = Math.max(3, Math.round(total * 0.35))
  const high = Math.max(2, total - low - critical - normal)
  return [
    {
      at: 0,
      priority: Priority.Low,
      what: "background summaries",
      calls: calls(low, "summary", Priority.Low, ["mistral", "gemini"])
    },
    {
      at: 400,
      priority: Priority.Critical,
      what: "debate judges",
      calls: calls(critical, "judge", Priority.Critical, ["claude", "gpt", "gemini"])
    },
    {
      at: 1200,
      priority: Priority.Normal,
      what: "debate turns",
      calls: calls(normal, "turn", Priority.Normal, ["claude", "gpt", "gemini"], { index: 1, behaviour: "rate-limited" })
    },
    {
      at: 1800,
      priority: Priority.High,
      what: "claim checks",
      calls: calls(high, "verify", Priority.High, ["gemini", "claude", "mistral"], { index: 0, behaviour: "hang" })
    }
  ]
}

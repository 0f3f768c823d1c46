/**
 * The demo behind `npm start`: a debate round fanned out to simulated LLM
 * providers. Each call has a random latency, some fail, one hangs until its
 * timeout cuts it off. Results print as they arrive, then the pool's metrics.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Cause, Data, Duration, Effect, Exit, Random, Stream } from "effect"
import { Priority, type Task, type TaskResult, WorkerPool } from "../src/index.js"

class ProviderError extends Data.TaggedError("ProviderError")<{ readonly provider: string; readonly status: number }> {
  override get message() {
    return `${this.provider} answered ${this.status}`
  }
}

interface Provider {
  readonly name: string
  readonly latency: readonly [min: number, max: number]
  readonly failureRate: number
}

const providers: ReadonlyArray<Provider> = [
  { name: "claude", latency: [150, 450], failureRate: 0.05 },
  { name: "gpt", latency: [100, 600], failureRate: 0.15 },
  { name: "gemini", latency: [80, 350], failureRate: 0.25 },
  { name: "mistral", latency: [50, 250], failureRate: 0.1 }
]

/** A simulated completion call: sleeps for a random latency, sometimes answers 503. */
const complete = (provider: Provider, prompt: string) =>
  Effect.gen(function*() {
    const millis = yield* Random.nextIntBetween(provider.latency[0], provider.latency[1])
    yield* Effect.sleep(Duration.millis(millis))
    if ((yield* Random.next) < provider.failureRate) {
      return yield* new ProviderError({ provider: provider.name, status: 503 })
    }
    return `${provider.name}: "${prompt.slice(0, 24)}..." answered in ${millis} ms`
  })

const prompts = [
  "Argue for strict priority scheduling",
  "Argue against strict priority scheduling",
  "Summarize both positions",
  "Judge the debate"
]

const tasks: Array<Task<string, ProviderError>> = prompts.flatMap((prompt, round) =>
  providers.map((provider) => ({
    id: `${provider.name}/round-${round + 1}`,
    execute: complete(provider, prompt),
    // the judge's round matters most; the summaries least
    priority: round === 3 ? Priority.Critical : round === 2 ? Priority.Low : Priority.Normal
  }))
)

/** One call that never answers: the pool's timeout cuts it off. */
const hanging: Task<string> = {
  id: "flaky-provider/round-1",
  execute: Effect.never,
  priority: Priority.High,
  timeout: "1 second"
}

const ms = (duration: Duration.Duration) => `${Math.round(Duration.toMillis(duration))} ms`

const describe = (result: TaskResult<string, ProviderError>): string => {
  const timing = `ran ${ms(result.duration)}, queued ${ms(result.waitTime)}`
  return Exit.match(result.exit, {
    onSuccess: (answer) => `ok    ${answer} (${timing})`,
    onFailure: (cause) => `error ${result.taskId}: ${Cause.pretty(cause).split("\n")[0]} (${timing})`
  })
}

const program = Effect.gen(function*() {
  const pool = yield* WorkerPool
  yield* Effect.log(`fanning ${tasks.length + 1} calls out to ${pool.config.workers} workers`)
  yield* pool.submitBatch([hanging, ...tasks]).pipe(
    Stream.runForEach((result) => Effect.sync(() => console.log(describe(result))))
  )
  const metrics = yield* pool.metrics
  console.log("\nmetrics:", {
    submitted: metrics.tasksSubmitted,
    completed: metrics.tasksCompleted,
    failed: metrics.tasksFailed,
    cancelled: metrics.tasksCancelled,
    averageTaskTime: ms(metrics.averageTaskTime),
    totalDuration: ms(metrics.totalDuration)
  })
})

program.pipe(
  Effect.provide(WorkerPool.layer({ workers: 4, queueSize: 8, taskTimeout: "2 seconds", name: "demo" })),
  NodeRuntime.runMain
)

/**
 * A multi-agent debate: in each round every agent argues in parallel, having
 * read the previous round; an agent that does not answer in time sits the
 * round out. After the last round a judge picks the best argument of that
 * round.
 *
 * The moderator is itself a task of the pool, and it runs the agents and the
 * judge on that same pool of two workers: while it waits for them it lends
 * its worker, so the pool never deadlocks and never runs more than two tasks
 * at once.
 *
 *   npx tsx examples/debate.ts
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Random } from "effect"
import { pathToFileURL } from "node:url"
import { Priority, type Task, TaskResult, WorkerPool, type WorkerPoolService } from "@helixagent/concurrency"

export const question = "Should a worker pool let low-priority tasks age into higher levels?"

interface Agent {
  readonly name: string
  readonly provider: string
  readonly stance: string
  /** How sure the agent is in round 1, and how much a round of debate adds. */
  readonly confidence: number
  readonly learns: number
}

export const agents: ReadonlyArray<Agent> = [
  { name: "optimist", provider: "claude", stance: "yes: aging bounds every task's wait", confidence: 0.6, learns: 0.05 },
  { name: "skeptic", provider: "gpt", stance: "no: aging blurs the priorities", confidence: 0.7, learns: -0.05 },
  { name: "pragmatist", provider: "gemini", stance: "yes, with an interval well above the usual wait", confidence: 0.5, learns: 0.12 }
]

export const rounds = 3

export interface Argument {
  readonly agent: string
  readonly round: number
  readonly text: string
  readonly confidence: number
}

/** A simulated model call: the agent reads the previous round and argues. The skeptic stalls in round 2. */
const argue = (agent: Agent, round: number, previous: ReadonlyArray<Argument>) =>
  Effect.gen(function*() {
    if (agent.name === "skeptic" && round === 2) return yield* Effect.never
    yield* Effect.sleep(`${yield* Random.nextIntBetween(60, 220)} millis`)
    const others = previous.filter((argument) => argument.agent !== agent.name).map((argument) => argument.agent)
    const reply = others.length > 0 ? ` (answering ${others.join(" and ")})` : ""
    return {
      agent: agent.name,
      round,
      text: `${agent.stance}${reply}`,
      confidence: Math.round((agent.confidence + agent.learns * (round - 1)) * 100) / 100
    } satisfies Argument
  })

/** A simulated judge: weighs the arguments and picks the most convincing one. */
const judge = (finalRound: ReadonlyArray<Argument>) =>
  Effect.gen(function*() {
    yield* Effect.sleep("150 millis")
    return finalRound.reduce((best, argument) => argument.confidence > best.confidence ? argument : best)
  })

/** The moderator: runs the rounds and the judge on the pool it runs on. */
const moderate = (pool: WorkerPoolService) =>
  Effect.gen(function*() {
    yield* Effect.log(`question: ${question}`)
    const transcript: Array<ReadonlyArray<Argument>> = []
    let previous: ReadonlyArray<Argument> = []
    for (let round = 1; round <= rounds; round++) {
      const turns = agents.map((agent): Task<Argument> => ({
        id: `round-${round}/${agent.name}`,
        key: agent.provider,
        execute: argue(agent, round, previous),
        timeout: "500 millis"
      }))
      // runAll runs the round's turns in parallel and returns their results in agent order.
      const results = yield* pool.runAll(turns)
      for (const result of results) {
        if (TaskResult.isFailure(result)) yield* Effect.logWarning(`${result.taskId} did not answer; it sits this round out`)
      }
      previous = results.filter(TaskResult.isSuccess).map((result) => result.exit.value)
      for (const argument of previous) yield* Effect.log(`round ${round}, ${argument.agent} (${argument.confidence}): ${argument.text}`)
      transcript.push(previous)
    }

    // The judge goes ahead of anything else queued in the pool.
    const verdict = yield* pool.run({ id: "judge", priority: Priority.Critical, execute: judge(previous) })
    yield* Effect.log(`the judge sides with the ${verdict.agent}: ${verdict.text}`)
    return { transcript, verdict }
  })

export const program = Effect.gen(function*() {
  const pool = yield* WorkerPool
  // The moderator runs on the pool too: a task that waits on tasks of its own pool gives its worker back meanwhile.
  return yield* pool.run({ id: "moderator", priority: Priority.High, execute: moderate(pool) })
})

export const main = program.pipe(Effect.provide(WorkerPool.layer({ workers: 2, name: "debate" })))

// Run when executed directly, not when imported (by the tests).
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  NodeRuntime.runMain(main)
}

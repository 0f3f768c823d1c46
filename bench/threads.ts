/**
 * Benchmark W4: CPU-bound work on worker threads. `ThreadPool` (alone, and
 * as the CPU pool the README shows: a `WorkerPool` whose tasks call
 * `threads.execute`) against piscina and tinypool with the same thread count:
 *
 * - CPU-bound: 2,000 tasks of about 5 ms of SHA-256 hashing each (the rounds
 *   calibrated on this machine first): throughput, and its ratio to piscina's.
 * - Tiny requests: 20,000 requests that return at once, 16 in flight: cost
 *   per request, and its ratio to piscina's.
 * - Recovery: a CPU-pool task spinning synchronously for 2 s under a 100 ms
 *   timeout: when it settles after its start plus the timeout, and when the
 *   next task starts after the timeout. With 2 threads, and with 1 (where the
 *   next task needs the replacement thread).
 * - Speed-up of the CPU-bound workload from 1 to 2 threads.
 *
 * Every contender's threads run plain JavaScript modules
 * (test/fixtures/threads/bench-*.mjs). `runThreadsBenchmark` returns the
 * Markdown table and the numbers; run alone:
 *
 *   node --expose-gc --import tsx bench/threads.ts [--quick] [--threads N]
 */
import { Context, Effect, Exit, Layer, Schema, Scope } from "effect"
import { pathToFileURL } from "node:url"
import { Piscina } from "piscina"
import Tinypool from "tinypool"
import { WorkerPool } from "../src/index.js"
import { ThreadPool, type ThreadPoolService } from "../src/threads.js"

// The requests of test/fixtures/threads/bench-effect.mjs: the same tags and fields.
class Hash extends Schema.TaggedRequest<Hash>()("Hash", {
  failure: Schema.Never,
  success: Schema.String,
  payload: { input: Schema.String, rounds: Schema.Number }
}) {}

class Noop extends Schema.TaggedRequest<Noop>()("Noop", {
  failure: Schema.Never,
  success: Schema.Number,
  payload: { n: Schema.Number }
}) {}

class Spin extends Schema.TaggedRequest<Spin>()("Spin", {
  failure: Schema.Never,
  success: Schema.Number,
  payload: { millis: Schema.Number }
}) {}

const Requests = Schema.Union(Hash, Noop, Spin)

const effectModule = new URL("../test/fixtures/threads/bench-effect.mjs", import.meta.url)
const plainModule = new URL("../test/fixtures/threads/bench-plain.mjs", import.meta.url)

/**
 * Options of one W4 run.
 */
export interface ThreadsBenchOptions {
  /** Threads of every contender. Default 2. */
  readonly threads?: number
  /** A tenth of the counts: a smoke run. Default false. */
  readonly quick?: boolean
}

/** One contender's figures in the CPU-bound and tiny-request workloads. */
export interface ContenderFigures {
  readonly name: string
  readonly cpuMillis: number
  readonly tasksPerSecond: number
  readonly tinyMicrosPerRequest: number
}

/** What a recovery run measured, in milliseconds. */
export interface RecoveryFigures {
  readonly threads: number
  /** When the task settled with TaskTimeoutError, after its start plus the timeout (target <= 150). */
  readonly settledAfterTimeout: number
  /** When the next task started after the timeout (target <= 200). */
  readonly nextStartAfterTimeout: number
  /** When the next task's request was answered by a thread, after the timeout. */
  readonly nextAnsweredAfterTimeout: number
  readonly error: string
}

/** Everything W4 measured, and its Markdown report. */
export interface ThreadsBenchResult {
  readonly threads: number
  readonly hashRounds: number
  readonly cpuTasks: number
  readonly tinyRequests: number
  readonly contenders: ReadonlyArray<ContenderFigures>
  readonly recovery: ReadonlyArray<RecoveryFigures>
  readonly speedUp: number
  readonly markdown: string
}

const now = () => performance.now()

/** SHA-256 rounds that take about `millis` here (the same function the threads run). */
const calibrate = async (millis: number): Promise<number> => {
  const { hash } = await import(effectModule.href.replace("bench-effect", "bench-work"))
  let rounds = 1_000
  for (let attempt = 0; attempt < 5; attempt++) {
    const start = now()
    hash("calibration", rounds)
    const took = now() - start
    rounds = Math.max(100, Math.round(rounds * millis / Math.max(took, 0.01)))
  }
  return rounds
}

/** Runs `count` calls of `call`, `inFlight` at a time, and returns the wall time in ms. */
const inFlightLoop = async (count: number, inFlight: number, call: (n: number) => Promise<unknown>) => {
  let next = 0
  const start = now()
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < count) await call(next++)
  }))
  return now() - start
}

interface Workloads {
  readonly cpu: (count: number, rounds: number) => Promise<number>
  readonly tiny: (count: number) => Promise<number>
  readonly close: () => Promise<void>
}

const piscina = async (threads: number): Promise<Workloads> => {
  const pool = new Piscina({ filename: plainModule.href, minThreads: threads, maxThreads: threads })
  await Promise.all(Array.from({ length: threads }, (_, n) => pool.run({ kind: "noop", n })))
  return {
    cpu: async (count, rounds) => {
      const start = now()
      await Promise.all(Array.from({ length: count }, (_, n) => pool.run({ kind: "hash", input: `task ${n}`, rounds })))
      return now() - start
    },
    tiny: (count) => inFlightLoop(count, 16, (n) => pool.run({ kind: "noop", n })),
    close: () => pool.destroy()
  }
}

const tinypool = async (threads: number): Promise<Workloads> => {
  const pool = new Tinypool({ filename: plainModule.href, minThreads: threads, maxThreads: threads })
  await Promise.all(Array.from({ length: threads }, (_, n) => pool.run({ kind: "noop", n })))
  return {
    cpu: async (count, rounds) => {
      const start = now()
      await Promise.all(Array.from({ length: count }, (_, n) => pool.run({ kind: "hash", input: `task ${n}`, rounds })))
      return now() - start
    },
    tiny: (count) => inFlightLoop(count, 16, (n) => pool.run({ kind: "noop", n })),
    close: () => pool.destroy()
  }
}

const threadLayer = (threads: number) =>
  ThreadPool.layer({ script: effectModule, schema: Requests, size: threads, name: "bench", startupTimeout: "60 seconds" })

/** Our contenders run inside one scope each, driven from promises like the others. */
const ours = async (threads: number, viaWorkerPool: boolean): Promise<Workloads> => {
  const layer = WorkerPool.layer({ workers: threads, queueSize: 100_000, enableMetrics: false }).pipe(
    Layer.provideMerge(threadLayer(threads))
  )
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(Layer.buildWithScope(layer, scope))
  const pool = Context.get(context, WorkerPool)
  const threadPool: ThreadPoolService = Context.get(context, ThreadPool)
  const execute = <A>(id: string, effect: Effect.Effect<A, unknown>) =>
    viaWorkerPool ? pool.run({ id, execute: effect }) : effect
  return {
    cpu: (count, rounds) =>
      Effect.runPromise(Effect.gen(function*() {
        const start = now()
        yield* Effect.forEach(
          Array.from({ length: count }, (_, n) => n),
          (n) => execute(`hash-${n}`, threadPool.execute(new Hash({ input: `task ${n}`, rounds }))),
          { concurrency: "unbounded", discard: true }
        )
        return now() - start
      })),
    tiny: (count) =>
      Effect.runPromise(Effect.gen(function*() {
        const start = now()
        yield* Effect.forEach(
          Array.from({ length: count }, (_, n) => n),
          (n) => execute(`noop-${n}`, threadPool.execute(new Noop({ n }))),
          { concurrency: 16, discard: true }
        )
        return now() - start
      })),
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

/** A 2 s synchronous loop under a 100 ms task timeout, then a tiny task, on the CPU pool. */
const recovery = (threads: number): Promise<RecoveryFigures> =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const context = yield* Layer.build(
      WorkerPool.layer({ workers: threads }).pipe(Layer.provideMerge(threadLayer(threads)))
    )
    const pool = Context.get(context, WorkerPool)
    const threadPool: ThreadPoolService = Context.get(context, ThreadPool)
    let started = 0
    const error = yield* Effect.flip(pool.run({
      id: "runaway",
      execute: Effect.suspend(() => {
        started = now()
        return threadPool.execute(new Spin({ millis: 2_000 }))
      }),
      timeout: "100 millis"
    }))
    const settled = now()
    let nextStarted = 0
    yield* pool.run({
      id: "next",
      execute: Effect.suspend(() => {
        nextStarted = now()
        return threadPool.execute(new Noop({ n: 1 }))
      })
    })
    const answered = now()
    const timeoutAt = started + 100
    return {
      threads,
      settledAfterTimeout: settled - timeoutAt,
      nextStartAfterTimeout: nextStarted - timeoutAt,
      nextAnsweredAfterTimeout: answered - timeoutAt,
      error: error._tag
    }
  })))

const round = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })

/**
 * Runs W4 and returns its figures and a Markdown report.
 */
export const runThreadsBenchmark = async (options: ThreadsBenchOptions = {}): Promise<ThreadsBenchResult> => {
  const threads = options.threads ?? 2
  const scale = options.quick === true ? 10 : 1
  const cpuTasks = 2_000 / scale
  const tinyRequests = 20_000 / scale
  const hashRounds = await calibrate(5)

  const makers: ReadonlyArray<readonly [string, (threads: number) => Promise<Workloads>]> = [
    ["piscina", piscina],
    ["tinypool", tinypool],
    ["ThreadPool", (n) => ours(n, false)],
    ["WorkerPool + ThreadPool", (n) => ours(n, true)]
  ]
  const contenders: Array<ContenderFigures> = []
  for (const [name, make] of makers) {
    const workloads = await make(threads)
    await workloads.tiny(tinyRequests / 10) // warm-up
    const tinyMillis = await workloads.tiny(tinyRequests)
    const cpuMillis = await workloads.cpu(cpuTasks, hashRounds)
    await workloads.close()
    contenders.push({
      name,
      cpuMillis,
      tasksPerSecond: cpuTasks / (cpuMillis / 1000),
      tinyMicrosPerRequest: tinyMillis * 1000 / tinyRequests
    })
  }

  const single = await ours(1, false)
  const singleMillis = await single.cpu(cpuTasks, hashRounds)
  await single.close()
  const ourCpu = contenders.find((contender) => contender.name === "ThreadPool")!
  const speedUp = singleMillis / ourCpu.cpuMillis

  const recoveries = [await recovery(threads), ...(threads > 1 ? [await recovery(1)] : [])]

  const reference = contenders.find((contender) => contender.name === "piscina")!
  const lines = [
    `### W4: CPU-bound work on ${threads} threads`,
    "",
    `CPU-bound: ${round(cpuTasks)} tasks of ${round(hashRounds)} SHA-256 rounds (about 5 ms each here); ` +
    `tiny: ${round(tinyRequests)} requests that return at once, 16 in flight.`,
    "",
    "| contender | CPU-bound (ms) | tasks/s | throughput vs piscina | tiny (µs/request) | cost vs piscina |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    ...contenders.map((contender) =>
      `| ${contender.name} | ${round(contender.cpuMillis)} | ${round(contender.tasksPerSecond)} | ` +
      `${round(contender.tasksPerSecond / reference.tasksPerSecond, 2)}x | ${round(contender.tinyMicrosPerRequest, 1)} | ` +
      `${round(contender.tinyMicrosPerRequest / reference.tinyMicrosPerRequest, 2)}x |`
    ),
    "",
    `Speed-up of ThreadPool from 1 to ${threads} threads (CPU-bound): ${round(speedUp, 2)}x ` +
    `(${round(singleMillis)} ms on 1 thread, ${round(ourCpu.cpuMillis)} ms on ${threads}).`,
    "",
    "| recovery: 2 s synchronous loop, 100 ms task timeout | threads | settled after start + timeout (target <= 150 ms) | next task started after the timeout (target <= 200 ms) | next task answered after the timeout |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...recoveries.map((figures) =>
      `| CPU pool (${figures.error}) | ${figures.threads} | ${round(figures.settledAfterTimeout, 1)} ms | ` +
      `${round(figures.nextStartAfterTimeout, 1)} ms | ${round(figures.nextAnsweredAfterTimeout, 1)} ms |`
    )
  ]
  return {
    threads,
    hashRounds,
    cpuTasks,
    tinyRequests,
    contenders,
    recovery: recoveries,
    speedUp,
    markdown: lines.join("\n")
  }
}

// Run when executed directly, not when imported by bench/run.ts.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const argv = process.argv.slice(2)
  const threadsArg = argv.indexOf("--threads")
  const result = await runThreadsBenchmark({
    quick: argv.includes("--quick"),
    ...(threadsArg >= 0 ? { threads: Number(argv[threadsArg + 1]) } : {})
  })
  console.log(result.markdown)
}

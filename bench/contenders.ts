/**
 * The contenders of `npm run bench`: a hand-written promise pool (the
 * floor), the npm peers behind one small adapter each, and our pool in its
 * four configurations. The fiber floor (a fiber per task with Effect's
 * public API) is in bench/floor.ts.
 */
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import { InMemorySpanExporter, NoopSpanProcessor, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import * as asyncLib from "async"
import { Effect, Schedule } from "effect"
import fastq from "fastq"
import pLimit from "p-limit"
import PQueue from "p-queue"
import type { PoolConfig, Task } from "../src/index.js"

/** A promise task of the promise contenders. */
export type Job = () => Promise<void>

/** One shared settled promise: a task that does nothing allocates nothing. */
export const resolved: Promise<void> = Promise.resolve()

/**
 * A queue of one npm library: `push` hands it a task and returns the
 * promise of that task's completion. `priority` goes from 0 to 3, 3 the most
 * urgent (our pool's convention); each adapter maps it to its library's.
 */
export interface PromiseQueue {
  readonly push: (job: Job, priority: number) => Promise<void>
}

export interface QueueLibrary {
  readonly name: string
  readonly make: (concurrency: number) => PromiseQueue
}

const runJob = (job: Job): Promise<void> => job()

/** The callback-style worker of async.queue and async.priorityQueue. */
const asyncWorker = (job: Job, callback: (error?: Error | null) => void): void => {
  job().then(() => callback(), callback)
}

export const pLimitLibrary: QueueLibrary = {
  name: "p-limit",
  make: (concurrency) => {
    const limit = pLimit(concurrency)
    return { push: (job) => limit(job) }
  }
}

export const pQueueLibrary: QueueLibrary = {
  name: "p-queue",
  make: (concurrency) => {
    const queue = new PQueue({ concurrency })
    return { push: (job) => queue.add(job) }
  }
}

/** p-queue with its `priority` option (higher runs first, as ours). */
export const pQueuePriorityLibrary: QueueLibrary = {
  name: "p-queue (priority option)",
  make: (concurrency) => {
    const queue = new PQueue({ concurrency })
    return { push: (job, priority) => queue.add(job, { priority }) }
  }
}

export const fastqLibrary: QueueLibrary = {
  name: "fastq (promise API)",
  make: (concurrency) => {
    const queue = fastq.promise(runJob, concurrency)
    return { push: (job) => queue.push(job) }
  }
}

export const asyncQueueLibrary: QueueLibrary = {
  name: "async.queue",
  make: (concurrency) => {
    const queue = asyncLib.queue<Job>(asyncWorker, concurrency)
    return { push: (job) => queue.push<void>(job) }
  }
}

/** async.priorityQueue: a lower number runs first, so priority p becomes 3 - p. */
export const asyncPriorityQueueLibrary: QueueLibrary = {
  name: "async.priorityQueue",
  make: (concurrency) => {
    const queue = asyncLib.priorityQueue<Job>(asyncWorker, concurrency)
    return { push: (job, priority) => queue.push<void>(job, 3 - priority) }
  }
}

/**
 * The floor: `concurrency` async loops pulling the next task from an
 * array. No per-task promise, no queue: the jobs array is the queue, read
 * lazily.
 */
export const rawLoops = (jobs: ReadonlyArray<Job>, concurrency: number): Promise<unknown> => {
  let next = 0
  const loop = async () => {
    while (next < jobs.length) await jobs[next++]!()
  }
  return Promise.all(Array.from({ length: concurrency }, loop))
}

/**
 * The floor with priorities: four FIFO buckets (arrays with a head index),
 * and up to `concurrency` async loops, each taking the oldest task of the
 * highest non-empty bucket. `done` resolves once every loop has run out of
 * tasks.
 */
export const rawBuckets = (concurrency: number) => {
  const buckets: Array<Array<Job | undefined>> = [[], [], [], []]
  const heads = [0, 0, 0, 0]
  const loops: Array<Promise<void>> = []
  let active = 0
  const take = (): Job | undefined => {
    for (let level = 3; level >= 0; level--) {
      const bucket = buckets[level]!
      const head = heads[level]!
      if (head < bucket.length) {
        const job = bucket[head]
        bucket[head] = undefined
        heads[level] = head + 1
        return job
      }
    }
    return undefined
  }
  const loop = async () => {
    for (let job = take(); job !== undefined; job = take()) await job()
    active--
  }
  return {
    push: (job: Job, priority: number): void => {
      buckets[priority]!.push(job)
      if (active < concurrency) {
        active++
        loops.push(loop())
      }
    },
    done: (): Promise<unknown> => Promise.all(loops)
  }
}

// ---- our pool ----

/**
 * One configuration of our pool: the options besides `workers` and
 * `queueSize`, whether its tasks carry keys, and whether the program runs
 * inside a span with an OpenTelemetry tracer installed: `"none"` (no tracer,
 * outside any span: the pool makes no span), `"noop"` (every span is made
 * and ended, then dropped by a `NoopSpanProcessor`) or `"recorded"` (every
 * span is exported to memory, and counted after each sample).
 */
export interface PoolVariant {
  readonly name: string
  readonly options: PoolConfig
  readonly keyed: boolean
  readonly tracing: "none" | "noop" | "recorded"
  /** The exporter of a `"recorded"` variant, one per variant, reset after each sample. */
  readonly exporter?: SampleSpanExporter
  /** Whether one subscriber drains `pool.events` while the tasks run. */
  readonly events?: boolean
}

/**
 * An in-memory exporter that outlives the tracer of one sample.
 * `NodeSdk.layer` is built for every sample and shuts its tracer provider
 * down at the end of it, which shuts the exporter down too: a plain
 * `InMemorySpanExporter` would then refuse the spans of every later sample.
 * This one only flushes; `reset` empties it between samples.
 */
export class SampleSpanExporter extends InMemorySpanExporter {
  override shutdown(): Promise<void> {
    return this.forceFlush()
  }
}

export const keys: ReadonlyArray<string> = Array.from({ length: 8 }, (_, i) => `key-${i}`)

/** Limits of the 8 keys that never bind: each key may use every worker. */
const generousKeyLimits = (workers: number): Record<string, number> =>
  Object.fromEntries(keys.map((key) => [key, workers]))

/** The name of the configuration the other pool rows are compared with. */
export const bareName = "pool (bare)"

export const poolVariants = (workers: number): ReadonlyArray<PoolVariant> => [
  { name: bareName, options: { enableMetrics: false }, keyed: false, tracing: "none" },
  {
    name: "pool (timeout + metrics)",
    options: { enableMetrics: true, taskTimeout: "1 minute" },
    keyed: false,
    tracing: "none"
  },
  {
    name: "pool (tracer)",
    options: { enableMetrics: false },
    keyed: false,
    tracing: "recorded",
    exporter: new SampleSpanExporter()
  },
  {
    name: "pool (keys + aging + tracer)",
    options: { enableMetrics: true, keyLimits: generousKeyLimits(workers), agingInterval: "10 seconds" },
    keyed: true,
    tracing: "noop"
  }
]

/**
 * W1 only: the bare pool with a `retry` schedule that no task needs (every
 * task succeeds), and with one subscriber draining `pool.events`.
 */
export const controlVariants: ReadonlyArray<PoolVariant> = [
  { name: "pool (retry set)", options: { enableMetrics: false, retry: Schedule.recurs(3) }, keyed: false, tracing: "none" },
  { name: "pool (events subscriber)", options: { enableMetrics: false }, keyed: false, tracing: "none", events: true }
]

/** The task `i` of a variant: with a key (spread over 8) when the variant is keyed. */
export const withKey = <A, E, R>(variant: PoolVariant, i: number, task: Task<A, E, R>): Task<A, E, R> =>
  variant.keyed ? { ...task, key: keys[i % keys.length]! } : task

/** An OpenTelemetry tracer that makes every span and exports none. */
const noopTracer = NodeSdk.layer(() => ({
  resource: { serviceName: "bench" },
  spanProcessor: new NoopSpanProcessor()
}))

/** An OpenTelemetry tracer that exports every span, as it ends, to `exporter`. */
const recordingTracer = (exporter: SampleSpanExporter) =>
  NodeSdk.layer(() => ({
    resource: { serviceName: "bench" },
    spanProcessor: new SimpleSpanProcessor(exporter)
  }))

/**
 * Runs a program of a variant: inside a span ("bench") with the variant's
 * tracer installed when it has one. The tracer provider is made and shut
 * down (its spans flushed) inside the run.
 */
export const runVariant = <A, E>(variant: PoolVariant, program: Effect.Effect<A, E>): Promise<A> => {
  switch (variant.tracing) {
    case "none":
      return Effect.runPromise(program)
    case "noop":
      return Effect.runPromise(program.pipe(Effect.withSpan("bench"), Effect.provide(noopTracer)))
    case "recorded":
      return Effect.runPromise(
        program.pipe(Effect.withSpan("bench"), Effect.provide(recordingTracer(variant.exporter!)))
      )
  }
}

/**
 * The spans a `"recorded"` variant exported in the sample that just ended
 * (then forgets them, so that memory does not grow from sample to sample);
 * undefined for the other variants.
 */
export const takeRecordedSpans = (variant: PoolVariant): number | undefined => {
  if (variant.exporter === undefined) return undefined
  const count = variant.exporter.getFinishedSpans().length
  variant.exporter.reset()
  return count
}

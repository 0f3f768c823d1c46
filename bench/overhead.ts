/**
 * W1 overhead: 200,000 tasks that do nothing, concurrency 16. Our pool
 * (submit every task, then await every handle; metrics off, on, and on with
 * an OpenTelemetry tracer that makes every task span) against
 * `Effect.forEach` with the same concurrency, in one process, contenders rotated between rounds:
 * one warm-up round, then five measured ones. Prints median, min and max per
 * task and the ratio of medians to `Effect.forEach`.
 *
 * Run with `npm run bench`. Numbers from a noisy machine: compare ratios
 * from the same run, not absolute figures across runs.
 */
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import { NoopSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Effect } from "effect"
import { type TaskHandle, WorkerPool } from "../src/index.js"

const tasks = Number(process.env.BENCH_TASKS ?? 200_000)
const concurrency = 16
const rounds = Number(process.env.BENCH_ROUNDS ?? 5)

const noop = Effect.void

const forEach = Effect.forEach(Array.from({ length: tasks }), () => noop, { concurrency, discard: true })

const pool = (enableMetrics: boolean) =>
  Effect.scoped(
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: concurrency, queueSize: tasks, enableMetrics })
      const handles: Array<TaskHandle<void>> = new Array(tasks)
      for (let i = 0; i < tasks; i++) handles[i] = yield* pool.submit({ id: "noop", execute: noop })
      for (let i = 0; i < tasks; i++) yield* handles[i].await
    })
  )

/** An OpenTelemetry tracer that records every span and exports none: the cost of tracing alone. */
const tracer = NodeSdk.layer(() => ({
  resource: { serviceName: "bench" },
  spanProcessor: new NoopSpanProcessor()
}))

const contenders: ReadonlyArray<readonly [string, Effect.Effect<unknown, unknown>]> = [
  ["Effect.forEach", forEach],
  ["WorkerPool (metrics off)", pool(false)],
  ["WorkerPool (metrics on)", pool(true)],
  ["WorkerPool (metrics on, OpenTelemetry tracer)", Effect.provide(pool(true), tracer)]
]

const nanosPerTask = async (effect: Effect.Effect<unknown, unknown>) => {
  const start = process.hrtime.bigint()
  await Effect.runPromise(effect)
  return Number(process.hrtime.bigint() - start) / tasks
}

const samples = new Map<string, Array<number>>(contenders.map(([name]) => [name, []]))
for (let round = 0; round <= rounds; round++) {
  const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]!)
  for (const [name, effect] of order) {
    const ns = await nanosPerTask(effect)
    if (round > 0) samples.get(name)!.push(ns)
  }
}

const median = (xs: ReadonlyArray<number>) => {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}
const baseline = median(samples.get("Effect.forEach")!)
console.log(`W1 overhead: ${tasks} no-op tasks, concurrency ${concurrency}, ${rounds} rounds after a warm-up`)
console.log(`node ${process.version}, ${process.platform} ${process.arch}`)
console.table(
  [...samples].map(([name, xs]) => ({
    contender: name,
    "median ns/task": Math.round(median(xs)),
    "min": Math.round(Math.min(...xs)),
    "max": Math.round(Math.max(...xs)),
    "x forEach": +(median(xs) / baseline).toFixed(2)
  }))
)

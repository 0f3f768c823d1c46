/**
 * Soak and memory (`npm run soak`): two long runs that show the pool neither
 * leaks nor stalls.
 *
 * 1. Throughput: 1,000,000 tasks with mixed outcomes (successes, failures,
 *    defects, timeouts, cancellations, callbacks) pushed through a pool at
 *    full speed from a lazy iterable.
 * 2. Standing queue: 100,000 pending tasks held in the queue for a minute
 *    while tasks finish and new ones arrive.
 *
 * For each: throughput, heap after a forced GC at the start, the peak and the
 * end, live bytes per queued task, and event-loop delay (p99). Writes
 * `bench/results/soak-<date>.json` and prints a table.
 *
 * Options: `--tasks N` (default 1000000), `--queued N` (default 100000),
 * `--seconds N` (default 60).
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { monitorEventLoopDelay } from "node:perf_hooks"
import { Duration, Effect, Fiber, Stream } from "effect"
import { Priority, type Task, WorkerPool } from "../src/index.js"

const option = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(`--${name}`)
  return index >= 0 ? Number(process.argv[index + 1]) : fallback
}

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error("run with node --expose-gc (npm run soak does)")

const heapAfterGc = () => {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

const mb = (bytes: number) => +(bytes / 1024 / 1024).toFixed(1)

/** Tracks the heap's peak without forcing collections. */
const peakSampler = () => {
  let peak = process.memoryUsage().heapUsed
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed)
  }, 50)
  return { stop: () => (clearInterval(timer), peak) }
}

/** The i-th task of the mixed workload: every outcome the pool knows. */
const mixedTask = (i: number): Task<number, string> => {
  const priority = (i % 4) as Priority
  switch (i % 10) {
    case 0:
      return { id: `fail-${i}`, priority, execute: Effect.fail("failed") }
    case 1:
      return { id: `die-${i}`, priority, execute: Effect.die("defect") }
    case 2:
      return { id: `timeout-${i}`, priority, execute: Effect.never, timeout: Duration.millis(1) }
    case 3:
      return { id: `callback-${i}`, priority, execute: Effect.succeed(i), callback: () => Effect.void }
    case 4:
      return { id: `throws-${i}`, priority, execute: Effect.sync(() => { throw new Error("thrown") }) }
    default:
      return { id: `ok-${i}`, priority, execute: Effect.succeed(i) }
  }
}

function* lazyTasks(count: number) {
  for (let i = 0; i < count; i++) yield mixedTask(i)
}

const throughputRun = (tasks: number) =>
  Effect.scoped(Effect.gen(function*() {
    const start = heapAfterGc()
    const delay = monitorEventLoopDelay({ resolution: 10 })
    delay.enable()
    const sampler = peakSampler()
    const began = performance.now()
    const pool = yield* WorkerPool.make({ workers: 16, queueSize: 1024, name: "soak-throughput" })
    const settled = yield* Stream.runCount(pool.submitBatch(lazyTasks(tasks)))
    const seconds = (performance.now() - began) / 1000
    const metrics = yield* pool.metrics
    const peak = sampler.stop()
    delay.disable()
    yield* pool.shutdown
    const end = heapAfterGc()
    return {
      tasks,
      settled,
      seconds: +seconds.toFixed(2),
      tasksPerSecond: Math.round(tasks / seconds),
      outcomes: {
        completed: metrics.tasksCompleted,
        failed: metrics.tasksFailed,
        timedOut: metrics.tasksTimedOut,
        cancelled: metrics.tasksCancelled
      },
      heapMB: { start: mb(start), peak: mb(peak), end: mb(end) },
      eventLoopDelayP99ms: +(delay.percentile(99) / 1e6).toFixed(2)
    }
  }))

const standingQueueRun = (queued: number, seconds: number) =>
  Effect.scoped(Effect.gen(function*() {
    const workers = 16
    const pool = yield* WorkerPool.make({ workers, queueSize: queued, name: "soak-queue" })
    const start = heapAfterGc()
    const delay = monitorEventLoopDelay({ resolution: 10 })
    delay.enable()
    const sampler = peakSampler()
    let submitted = 0
    const task = (): Task<void> => ({
      id: `q-${submitted++}`,
      priority: (submitted % 4) as Priority,
      execute: Effect.sleep(Duration.millis(1 + (submitted % 5)))
    })
    // Fill the queue, measure what it holds, then keep it full: every
    // finished task makes room for a new one (backpressure).
    for (let i = 0; i < workers + queued; i++) yield* pool.submit(task())
    const full = heapAfterGc()
    const queuedNow = (yield* pool.metrics).queued
    const began = performance.now()
    const feeder = yield* Effect.fork(Effect.forever(Effect.asVoid(pool.submit(task()))))
    yield* Effect.sleep(Duration.seconds(seconds))
    yield* Fiber.interrupt(feeder)
    const finished = (yield* pool.metrics).tasksCompleted
    const elapsed = (performance.now() - began) / 1000
    const peak = sampler.stop()
    delay.disable()
    yield* pool.shutdown
    const end = heapAfterGc()
    return {
      queued: queuedNow,
      seconds: +elapsed.toFixed(1),
      tasksFinished: finished,
      tasksPerSecond: Math.round(finished / elapsed),
      bytesPerQueuedTask: Math.round((full - start) / (workers + queuedNow)),
      heapMB: { start: mb(start), full: mb(full), peak: mb(peak), end: mb(end) },
      eventLoopDelayP99ms: +(delay.percentile(99) / 1e6).toFixed(2)
    }
  }))

const program = Effect.gen(function*() {
  const baseline = heapAfterGc()
  const throughput = yield* throughputRun(option("tasks", 1_000_000))
  const standing = yield* standingQueueRun(option("queued", 100_000), option("seconds", 60))
  const afterAll = heapAfterGc()
  return {
    date: new Date().toISOString(),
    machine: { node: process.version, platform: `${process.platform} ${process.arch}` },
    heapMB: { before: mb(baseline), after: mb(afterAll) },
    throughput,
    standing
  }
})

Effect.runPromise(program).then((report) => {
  mkdirSync("bench/results", { recursive: true })
  const file = `bench/results/soak-${report.date.slice(0, 10)}.json`
  writeFileSync(file, JSON.stringify(report, null, 2) + "\n")
  const t = report.throughput
  const q = report.standing
  console.log(`soak (${report.machine.node}, ${report.machine.platform}); written to ${file}`)
  console.table({
    [`throughput: ${t.tasks} mixed tasks`]: {
      "tasks/s": t.tasksPerSecond,
      "heap start MB": t.heapMB.start,
      "heap peak MB": t.heapMB.peak,
      "heap end MB": t.heapMB.end,
      "loop delay p99 ms": t.eventLoopDelayP99ms
    },
    [`standing queue: ${q.queued} queued for ${q.seconds}s`]: {
      "tasks/s": q.tasksPerSecond,
      "heap start MB": q.heapMB.start,
      "heap peak MB": q.heapMB.peak,
      "heap end MB": q.heapMB.end,
      "loop delay p99 ms": q.eventLoopDelayP99ms
    }
  })
  console.log(`live bytes per queued task: ${q.bytesPerQueuedTask}`)
  console.log(`heap before all runs ${report.heapMB.before} MB, after ${report.heapMB.after} MB`)
})

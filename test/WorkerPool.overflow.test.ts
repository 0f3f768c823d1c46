import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Metric from "effect/Metric"
import * as TestClock from "effect/TestClock"
import {
  InvalidTaskError,
  type PoolConfig,
  PoolShutdownError,
  Priority,
  QueueFullError,
  type Task,
  type TaskHandle,
  type TaskResult,
  type WorkerPoolService
} from "../src/index.js"
import type { OverflowPolicy } from "../src/PoolConfig.js"
import { failureOf, isDone, makeGate, makePool, uniqueName, yieldMany } from "./helpers.js"

/** Tasks that record that they ran, and the results their callbacks saw. */
const recorder = () => {
  const ran: Array<string> = []
  const callbacks = new Map<string, Array<TaskResult<void>>>()
  const task = (id: string, priority: Priority): Task<void> => ({
    id,
    priority,
    execute: Effect.sync(() => void ran.push(id)),
    callback: (result) => Effect.sync(() => void callbacks.set(id, [...(callbacks.get(id) ?? []), result]))
  })
  return { ran, callbacks, task }
}

/** A pool whose single worker is held, so that submitted tasks queue. */
const heldPool = (options: PoolConfig) =>
  Effect.gen(function*() {
    const pool = yield* makePool({ workers: 1, ...options })
    const hold = yield* makeGate
    yield* pool.submit({ id: "hold", execute: hold.execute })
    yield* hold.awaitStarted
    return { pool, release: hold.open }
  })

const counter = (metric: string, pool: string, tag: string, value: string) =>
  Effect.map(
    Metric.value(
      Metric.counter(metric, { incremental: true }).pipe(Metric.tagged("pool", pool), Metric.tagged(tag, value))
    ),
    (state) => state.count
  )

const fill = (pool: WorkerPoolService, tasks: ReadonlyArray<Task<void>>) =>
  Effect.forEach(tasks, (task) => pool.submit(task))

describe("overflow: reject", () => {
  it.scoped("a full queue refuses the submission at once with QueueFullError (evicted false), counted as rejected", () =>
    Effect.gen(function*() {
      const name = uniqueName("reject")
      const { pool, release } = yield* heldPool({ queueSize: 2, overflow: "reject", name })
      const r = recorder()
      const queued = yield* fill(pool, [r.task("q1", Priority.Low), r.task("q2", Priority.Low)])
      const error = yield* Effect.flip(pool.submit(r.task("refused", Priority.Critical)))
      expect(error).toBeInstanceOf(QueueFullError)
      expect(error).toMatchObject({ _tag: "QueueFullError", pool: name, taskId: "refused", queueSize: 2, evicted: false })
      const metrics = yield* pool.metrics
      expect(metrics).toMatchObject({ tasksSubmitted: 3, tasksRejected: 1, tasksEvicted: 0, queued: 2 })
      expect(yield* counter("workerpool_tasks_rejected", name, "reason", "queue_full")).toBe(1)
      yield* release
      yield* Effect.forEach(queued, (handle) => handle.join)
      yield* yieldMany()
      expect(r.ran).toStrictEqual(["q1", "q2"])
      expect(r.callbacks.has("refused")).toBe(false)
    }))

  it.scoped("a submission that can start at once is never refused, even with queueSize 0", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1, queueSize: 0, overflow: "reject" })
      const handle = yield* pool.submit({ id: "fits", execute: Effect.succeed(1) })
      expect(yield* handle.join).toBe(1)
    }))
})

describe("overflow: backpressure", () => {
  it.scoped("is the default: submit waits for room and is accepted once a queued task leaves", () =>
    Effect.gen(function*() {
      const { pool, release } = yield* heldPool({ queueSize: 1 })
      expect(pool.config.overflow).toBe("backpressure")
      const r = recorder()
      yield* pool.submit(r.task("q1", Priority.Normal))
      const waiting = yield* Effect.fork(pool.submit(r.task("waits", Priority.Critical)))
      expect(yield* isDone(waiting)).toBe(false)
      expect((yield* pool.metrics).tasksRejected).toBe(0)
      yield* release
      const handle = yield* Fiber.join(waiting)
      yield* handle.join
      expect(r.ran).toStrictEqual(["q1", "waits"])
    }))
})

describe("overflow: evict-lowest", () => {
  it.scoped("evicts the newest queued task of the lowest level below the new task's, one per admission", () =>
    Effect.gen(function*() {
      const { pool, release } = yield* heldPool({ queueSize: 4, overflow: "evict-lowest" })
      const r = recorder()
      const queued = yield* fill(pool, [
        r.task("low-1", Priority.Low),
        r.task("normal-1", Priority.Normal),
        r.task("low-2", Priority.Low),
        r.task("normal-2", Priority.Normal)
      ])
      const admitted: Array<TaskHandle<void>> = []
      admitted.push(yield* pool.submit(r.task("high-1", Priority.High)))
      yield* yieldMany()
      expect([...r.callbacks.keys()]).toStrictEqual(["low-2"])
      admitted.push(yield* pool.submit(r.task("high-2", Priority.High)))
      yield* yieldMany()
      expect([...r.callbacks.keys()]).toStrictEqual(["low-2", "low-1"])
      admitted.push(yield* pool.submit(r.task("high-3", Priority.High)))
      yield* yieldMany()
      expect([...r.callbacks.keys()]).toStrictEqual(["low-2", "low-1", "normal-2"])
      expect((yield* pool.metrics).queued).toBe(4)
      yield* release
      yield* Effect.forEach([...admitted, queued[1]!], (handle) => handle.join)
      expect(r.ran).toStrictEqual(["high-1", "high-2", "high-3", "normal-1"])
      const metrics = yield* pool.metrics
      expect(metrics).toMatchObject({ tasksSubmitted: 8, tasksEvicted: 3, tasksCancelled: 3, tasksRejected: 0 })
      expect(metrics.tasksSubmitted).toBe(metrics.tasksCompleted + metrics.tasksFailed + metrics.tasksCancelled)
    }))

  it.scoped("the evicted caller is settled: await and join see QueueFullError evicted true, the callback runs once", () =>
    Effect.gen(function*() {
      const name = uniqueName("evicted")
      const { pool, release } = yield* heldPool({ queueSize: 1, overflow: "evict-lowest", name })
      const r = recorder()
      const victim = yield* pool.submit(r.task("victim", Priority.Low))
      const awaiting = yield* Effect.fork(victim.await)
      const winner = yield* pool.submit(r.task("winner", Priority.Normal))
      const result = yield* Fiber.join(awaiting)
      const error = failureOf(result.exit)
      expect(error).toBeInstanceOf(QueueFullError)
      expect(error).toMatchObject({ _tag: "QueueFullError", pool: name, taskId: "victim", queueSize: 1, evicted: true })
      expect(yield* Effect.flip(victim.join)).toMatchObject({ _tag: "QueueFullError", evicted: true })
      yield* yieldMany()
      expect(r.callbacks.get("victim")).toHaveLength(1)
      expect(r.callbacks.get("victim")![0]).toBe(result)
      expect(yield* counter("workerpool_tasks_evicted", name, "priority", "low")).toBe(1)
      expect(yield* counter("workerpool_tasks_evicted", name, "priority", "normal")).toBe(0)
      yield* release
      yield* winner.join
      expect(r.ran).toStrictEqual(["winner"])
    }))

  it.scoped("refuses the new task (QueueFullError, evicted false) when nothing strictly lower is queued", () =>
    Effect.gen(function*() {
      const name = uniqueName("evict-none")
      const { pool, release } = yield* heldPool({ queueSize: 2, overflow: "evict-lowest", name })
      const r = recorder()
      const queued = yield* fill(pool, [r.task("n1", Priority.Normal), r.task("h1", Priority.High)])
      const sameLevel = yield* Effect.flip(pool.submit(r.task("n2", Priority.Normal)))
      expect(sameLevel).toMatchObject({ _tag: "QueueFullError", taskId: "n2", evicted: false })
      const lower = yield* Effect.flip(pool.submit(r.task("l1", Priority.Low)))
      expect(lower).toMatchObject({ _tag: "QueueFullError", taskId: "l1", evicted: false })
      expect(r.callbacks.size).toBe(0)
      expect(yield* pool.metrics).toMatchObject({ tasksRejected: 2, tasksEvicted: 0, queued: 2 })
      expect(yield* counter("workerpool_tasks_rejected", name, "reason", "queue_full")).toBe(2)
      yield* release
      yield* Effect.forEach(queued, (handle) => handle.join)
      expect(r.ran).toStrictEqual(["h1", "n1"])
    }))

  it.scoped("with aging the effective level counts: an aged Low task is spared and a fresh Normal one evicted", () =>
    Effect.gen(function*() {
      const { pool, release } = yield* heldPool({ queueSize: 2, overflow: "evict-lowest", agingInterval: "1 second" })
      const r = recorder()
      const aged = yield* pool.submit(r.task("low-aged", Priority.Low))
      yield* TestClock.adjust("2 seconds")
      // low-aged now counts as High; normal-fresh as Normal.
      yield* pool.submit(r.task("normal-fresh", Priority.Normal))
      const high = yield* pool.submit(r.task("high", Priority.High))
      yield* yieldMany()
      expect([...r.callbacks.keys()]).toStrictEqual(["normal-fresh"])
      // Another High newcomer finds nothing strictly below High.
      const refused = yield* Effect.flip(pool.submit(r.task("high-2", Priority.High)))
      expect(refused).toMatchObject({ _tag: "QueueFullError", evicted: false })
      yield* release
      yield* aged.join
      yield* high.join
      expect(r.ran).toStrictEqual(["low-aged", "high"])
    }))
})

describe("overflow per call", () => {
  const cases: ReadonlyArray<{
    readonly pool: OverflowPolicy
    readonly call: OverflowPolicy
    readonly outcome: "waits" | "rejected" | "evicts"
  }> = [
    { pool: "backpressure", call: "reject", outcome: "rejected" },
    { pool: "backpressure", call: "evict-lowest", outcome: "evicts" },
    { pool: "reject", call: "backpressure", outcome: "waits" },
    { pool: "reject", call: "evict-lowest", outcome: "evicts" },
    { pool: "evict-lowest", call: "reject", outcome: "rejected" },
    { pool: "evict-lowest", call: "backpressure", outcome: "waits" }
  ]

  it.scoped.each(cases)("submit(task, { overflow: $call }) on a pool with $pool: $outcome", ({ call, outcome, pool: policy }) =>
    Effect.gen(function*() {
      const { pool, release } = yield* heldPool({ queueSize: 1, overflow: policy })
      const r = recorder()
      yield* pool.submit(r.task("low", Priority.Low))
      const submitting = yield* Effect.fork(Effect.either(pool.submit(r.task("high", Priority.High), { overflow: call })))
      const done = yield* isDone(submitting)
      if (outcome === "waits") {
        expect(done).toBe(false)
        expect(r.callbacks.size).toBe(0)
        yield* release
        const submitted = yield* Fiber.join(submitting)
        expect(submitted._tag).toBe("Right")
      } else {
        expect(done).toBe(true)
        const submitted = yield* Fiber.join(submitting)
        if (outcome === "rejected") {
          expect(submitted._tag === "Left" ? submitted.left : undefined).toMatchObject({
            _tag: "QueueFullError",
            evicted: false
          })
          expect(r.callbacks.size).toBe(0)
        } else {
          expect(submitted._tag).toBe("Right")
          expect(failureOf(r.callbacks.get("low")![0]!.exit)).toMatchObject({ _tag: "QueueFullError", evicted: true })
        }
        yield* release
      }
    }))

  it.scoped("an unknown overflow option is refused with InvalidTaskError naming overflow", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const exit = yield* Effect.exit(
        pool.submit({ id: "t", execute: Effect.void }, { overflow: "drop-oldest" as unknown as OverflowPolicy })
      )
      expect(failureOf(exit)).toBeInstanceOf(InvalidTaskError)
      expect(failureOf(exit)).toMatchObject({ field: "overflow", value: "drop-oldest" })
      expect((yield* pool.metrics).tasksSubmitted).toBe(0)
    }))
})

describe("rejections in metrics", () => {
  it.scoped("submissions refused because the pool shut down count as rejected with reason shutdown", () =>
    Effect.gen(function*() {
      const name = uniqueName("rejected-shutdown")
      const pool = yield* makePool({ workers: 1, name })
      yield* pool.shutdown
      const error = yield* Effect.flip(pool.submit({ id: "late", execute: Effect.void }))
      expect(error).toBeInstanceOf(PoolShutdownError)
      expect((yield* pool.metrics).tasksRejected).toBe(1)
      expect(yield* counter("workerpool_tasks_rejected", name, "reason", "shutdown")).toBe(1)
      expect(yield* counter("workerpool_tasks_rejected", name, "reason", "queue_full")).toBe(0)
    }))
})

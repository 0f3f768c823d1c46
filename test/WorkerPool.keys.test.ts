import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Metric from "effect/Metric"
import * as TestClock from "effect/TestClock"
import {
  InvalidTaskError,
  Priority,
  type Task,
  type TaskHandle
} from "../src/index.js"
import { failureOf, makeGate, makePool, uniqueName, yieldMany } from "./helpers.js"

/** Counts the tasks running now, per key, and the most ever seen at once. */
const concurrency = () => {
  const now = new Map<string, number>()
  const max = new Map<string, number>()
  const order: Array<string> = []
  const bump = (key: string, by: number) => {
    const value = (now.get(key) ?? 0) + by
    now.set(key, value)
    max.set(key, Math.max(max.get(key) ?? 0, value))
  }
  const task = (id: string, key: string | undefined, ms: number, priority?: Priority): Task<void> => ({
    id,
    ...(key === undefined ? {} : { key }),
    ...(priority === undefined ? {} : { priority }),
    execute: Effect.suspend(() => {
      order.push(id)
      bump(key ?? "(none)", 1)
      bump("(all)", 1)
      return Effect.sleep(ms)
    }).pipe(
      Effect.ensuring(Effect.sync(() => {
        bump(key ?? "(none)", -1)
        bump("(all)", -1)
      }))
    )
  })
  return { task, order, max: (key: string) => max.get(key) ?? 0, now: (key: string) => now.get(key) ?? 0 }
}

describe("per-key concurrency limits", () => {
  it.scoped("never run more tasks of a key at once than keyLimits allows, while other keys keep every worker busy", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 4, queueSize: 100, keyLimits: { a: 2 } })
      const c = concurrency()
      const handles: Array<TaskHandle<void>> = []
      for (let i = 0; i < 12; i++) {
        handles.push(yield* pool.submit(c.task(`a${i}`, "a", 100)))
        handles.push(yield* pool.submit(c.task(`b${i}`, "b", 70)))
        handles.push(yield* pool.submit(c.task(`u${i}`, undefined, 130)))
      }
      for (let step = 0; step < 40; step++) {
        yield* TestClock.adjust("10 millis")
        const metrics = yield* pool.metrics
        expect(metrics.keys["a"]!.running).toBeLessThanOrEqual(2)
        // Work conserving: a worker is idle only when all that waits is a's, held by its limit.
        if (metrics.queued > 0 && metrics.running < 4) {
          expect(metrics.keys["a"]).toMatchObject({ running: 2, queued: metrics.queued })
        }
      }
      yield* TestClock.adjust("10 seconds")
      yield* Effect.forEach(handles, (handle) => handle.join)
      expect(c.max("a")).toBe(2)
      expect(c.max("(all)")).toBe(4)
    }))

  it.scoped("defaultKeyLimit applies to every key not named in keyLimits, and keyLimits overrides it", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 8, queueSize: 100, keyLimits: { a: 3 }, defaultKeyLimit: 1 })
      const c = concurrency()
      const handles: Array<TaskHandle<void>> = []
      for (let i = 0; i < 6; i++) {
        for (const key of ["a", "b", "c"]) handles.push(yield* pool.submit(c.task(`${key}${i}`, key, 100)))
      }
      yield* yieldMany()
      const metrics = yield* pool.metrics
      expect(metrics.keys["a"]).toMatchObject({ running: 3, queued: 3, limit: 3 })
      expect(metrics.keys["b"]).toMatchObject({ running: 1, queued: 5, limit: 1 })
      expect(metrics.keys["c"]).toMatchObject({ running: 1, queued: 5, limit: 1 })
      yield* TestClock.adjust("10 seconds")
      yield* Effect.forEach(handles, (handle) => handle.join)
      expect([c.max("a"), c.max("b"), c.max("c")]).toStrictEqual([3, 1, 1])
    }))

  it.scoped("defaultKeyLimit does not limit tasks without a key", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 4, defaultKeyLimit: 1 })
      const c = concurrency()
      const handles: Array<TaskHandle<void>> = []
      for (let i = 0; i < 4; i++) handles.push(yield* pool.submit(c.task(`u${i}`, undefined, 100)))
      yield* TestClock.adjust("100 millis")
      yield* Effect.forEach(handles, (handle) => handle.join)
      expect(c.max("(none)")).toBe(4)
    }))

  it.scoped("a queued task of a key at its limit starts the moment a task of that key finishes", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 3, keyLimits: { a: 1 } })
      const c = concurrency()
      yield* pool.submit(c.task("a1", "a", 1000))
      const a2 = yield* pool.submit(c.task("a2", "a", 1000))
      yield* TestClock.adjust("999 millis")
      expect(c.order).toStrictEqual(["a1"])
      yield* TestClock.adjust("1 millis")
      expect(c.order).toStrictEqual(["a1", "a2"])
      yield* TestClock.adjust("1 second")
      yield* a2.join
    }))
})

describe("no head-of-line blocking", () => {
  it.scoped("a task of a saturated key at the front of the queue, even of higher priority, does not delay another key's task", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 2, queueSize: 10, keyLimits: { a: 1 } })
      const holdA = yield* makeGate
      const holdOther = yield* makeGate
      const started: Array<string> = []
      const record = (id: string) => Effect.sync(() => void started.push(id))
      yield* pool.submit({ id: "a1", key: "a", execute: holdA.execute })
      yield* pool.submit({ id: "other", execute: holdOther.execute })
      yield* holdA.awaitStarted
      yield* holdOther.awaitStarted
      const a2 = yield* pool.submit({ id: "a2", key: "a", priority: Priority.Critical, execute: record("a2") })
      const b1 = yield* pool.submit({ id: "b1", key: "b", priority: Priority.Low, execute: record("b1") })
      expect((yield* pool.metrics).queued).toBe(2)
      yield* holdOther.open
      yield* b1.join
      expect(started).toStrictEqual(["b1"])
      const metrics = yield* pool.metrics
      expect(metrics.keys["a"]).toMatchObject({ running: 1, queued: 1 })
      yield* holdA.open
      yield* a2.join
      expect(started).toStrictEqual(["b1", "a2"])
    }))

  it.scoped("the next free worker takes the best task among the keys that may start", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 2, queueSize: 10, keyLimits: { a: 1 } })
      const holdA = yield* makeGate
      const holdOther = yield* makeGate
      const started: Array<string> = []
      const task = (id: string, key: string, priority: Priority): Task<void> => ({
        id,
        key,
        priority,
        execute: Effect.sync(() => void started.push(id))
      })
      yield* pool.submit({ id: "a1", key: "a", execute: holdA.execute })
      yield* pool.submit({ id: "other", execute: holdOther.execute })
      yield* holdA.awaitStarted
      yield* holdOther.awaitStarted
      const handles = [
        yield* pool.submit(task("a-critical", "a", Priority.Critical)),
        yield* pool.submit(task("b-low", "b", Priority.Low)),
        yield* pool.submit(task("c-high", "c", Priority.High)),
        yield* pool.submit(task("b-high", "b", Priority.High)),
        yield* pool.submit(task("c-normal", "c", Priority.Normal))
      ]
      yield* holdOther.open
      yield* Effect.forEach(handles.slice(1), (handle) => handle.join)
      expect(started).toStrictEqual(["c-high", "b-high", "c-normal", "b-low"])
      yield* holdA.open
      yield* handles[0]!.join
      expect(started.at(-1)).toBe("a-critical")
    }))
})

describe("key metrics", () => {
  it.scoped("metrics.keys reports running, queued and limit per named key, and nothing for tasks without a key", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 3, keyLimits: { a: 2 } })
      const gates = yield* Effect.all(Array.from({ length: 4 }, () => makeGate))
      const handles = [
        yield* pool.submit({ id: "a1", key: "a", execute: gates[0]!.execute }),
        yield* pool.submit({ id: "a2", key: "a", execute: gates[1]!.execute }),
        yield* pool.submit({ id: "a3", key: "a", execute: gates[2]!.execute }),
        yield* pool.submit({ id: "b1", key: "b", execute: gates[3]!.execute }),
        yield* pool.submit({ id: "u1", execute: Effect.void })
      ]
      yield* yieldMany()
      let metrics = yield* pool.metrics
      expect(metrics.keys).toStrictEqual({
        a: { running: 2, queued: 1, limit: 2, paused: false, rateLimited: false },
        b: { running: 1, queued: 0, limit: undefined, paused: false, rateLimited: false }
      })
      yield* Effect.forEach(gates, (gate) => gate.open)
      yield* Effect.forEach(handles, (handle) => handle.join)
      metrics = yield* pool.metrics
      expect(metrics.keys["a"]).toMatchObject({ running: 0, queued: 0 })
      expect(metrics.keys["b"]).toMatchObject({ running: 0, queued: 0 })
    }))

  it.scoped("the gauges workerpool_key_running and workerpool_key_queued follow each key", () =>
    Effect.gen(function*() {
      const name = uniqueName("key-gauges")
      const pool = yield* makePool({ workers: 2, keyLimits: { a: 1 }, name })
      const gauge = (metric: string, key: string) =>
        Effect.map(
          Metric.value(Metric.gauge(metric).pipe(Metric.tagged("pool", name), Metric.tagged("key", key))),
          (state) => state.value
        )
      const hold = yield* makeGate
      const first = yield* pool.submit({ id: "a1", key: "a", execute: hold.execute })
      const second = yield* pool.submit({ id: "a2", key: "a", execute: Effect.void })
      const other = yield* pool.submit({ id: "b1", key: "b", execute: Effect.never })
      yield* hold.awaitStarted
      expect(yield* gauge("workerpool_key_running", "a")).toBe(1)
      expect(yield* gauge("workerpool_key_queued", "a")).toBe(1)
      expect(yield* gauge("workerpool_key_running", "b")).toBe(1)
      expect(yield* gauge("workerpool_key_queued", "b")).toBe(0)
      yield* hold.open
      yield* first.join
      yield* second.join
      yield* other.cancel
      expect(yield* gauge("workerpool_key_running", "a")).toBe(0)
      expect(yield* gauge("workerpool_key_queued", "a")).toBe(0)
      expect(yield* gauge("workerpool_key_running", "b")).toBe(0)
    }))
})

describe("task.key validation", () => {
  it.scoped.each([
    { title: "an empty key", key: "" },
    { title: "a numeric key", key: 42 },
    { title: "an object key", key: { provider: "x" } }
  ])("a task with $title is refused with InvalidTaskError naming key", ({ key }) =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const exit = yield* Effect.exit(pool.submit({ id: "bad-key", key, execute: Effect.void } as unknown as Task<void>))
      const error = failureOf(exit)
      expect(error).toBeInstanceOf(InvalidTaskError)
      expect(error).toMatchObject({ field: "key", taskId: "bad-key", value: key })
      expect((yield* pool.metrics).tasksSubmitted).toBe(0)
    }))
})

/**
 * A key is any non-empty string: a provider, a tenant, a user id. Keys that
 * happen to be names of `Object.prototype` members must behave like any
 * other key, although `keyLimits` and `rateLimits` are plain objects that
 * inherit such members.
 */
describe("keys named like Object.prototype members", () => {
  it.scoped.each(["constructor", "toString", "__proto__", "hasOwnProperty"])(
    "a task with key %s is accepted, runs, and gets the defaultKeyLimit",
    (key) =>
      Effect.gen(function*() {
        const pool = yield* makePool({ workers: 2, defaultKeyLimit: 1 })
        const hold = yield* makeGate
        const first = yield* Effect.exit(pool.submit({ id: "first", key, execute: hold.execute }))
        expect(Exit.isSuccess(first)).toBe(true)
        const second = yield* pool.submit({ id: "second", key, execute: Effect.void })
        yield* hold.awaitStarted
        const metrics = yield* pool.metrics
        expect(metrics.keys[key]).toStrictEqual({ running: 1, queued: 1, limit: 1, paused: false, rateLimited: false })
        yield* hold.open
        yield* second.join
      })
  )
})

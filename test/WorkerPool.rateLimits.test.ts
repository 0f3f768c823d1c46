import { describe, expect, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import {
  InvalidTaskError,
  Priority,
  type Task,
  type TaskHandle
} from "../src/index.js"
import { failureOf, isDone, makeGate, makePool, yieldMany } from "./helpers.js"

/** Tasks that record when they start (test-clock milliseconds). */
const startRecorder = () => {
  const starts = new Map<string, number>()
  const task = (id: string, key?: string, options: { priority?: Priority; ms?: number } = {}): Task<void> => ({
    id,
    ...(key === undefined ? {} : { key }),
    ...(options.priority === undefined ? {} : { priority: options.priority }),
    execute: Effect.flatMap(Clock.currentTimeMillis, (now) => {
      starts.set(id, now)
      return options.ms === undefined ? Effect.void : Effect.sleep(options.ms)
    })
  })
  const startOf = (id: string) => starts.get(id)
  return { task, starts, startOf }
}

/** The largest number of `times` that fall in one window `[s, s + interval)`. */
const busiestWindow = (times: ReadonlyArray<number>, interval: number): number => {
  let most = 0
  for (const start of times) most = Math.max(most, times.filter((t) => t >= start && t < start + interval).length)
  return most
}

const advanceTo = (target: number) =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => TestClock.adjust(Duration.millis(target - now)))

describe("rate limits per key (sliding window)", () => {
  it.scoped("limit 2 per second: two starts at 0 hold the third until exactly 1000 ms, not 999 ms", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 5, rateLimits: { a: { limit: 2, interval: "1 second" } } })
      const r = startRecorder()
      const handles = [
        yield* pool.submit(r.task("a1", "a")),
        yield* pool.submit(r.task("a2", "a")),
        yield* pool.submit(r.task("a3", "a"))
      ]
      yield* yieldMany()
      expect(r.startOf("a1")).toBe(0)
      expect(r.startOf("a2")).toBe(0)
      expect((yield* pool.metrics).keys["a"]).toMatchObject({ queued: 1, rateLimited: true })
      yield* TestClock.adjust("999 millis")
      expect(r.startOf("a3")).toBeUndefined()
      expect((yield* pool.metrics).keys["a"]).toMatchObject({ queued: 1, rateLimited: true })
      yield* TestClock.adjust("1 millis")
      yield* handles[2]!.join
      expect(r.startOf("a3")).toBe(1000)
    }))

  it.scoped("the window slides: starts at 900 and 950 ms hold the next ones until 1900 and 1950 ms, not 1000 ms", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 5, rateLimits: { a: { limit: 2, interval: "1 second" } } })
      const r = startRecorder()
      const handles: Array<TaskHandle<void>> = []
      yield* advanceTo(900)
      handles.push(yield* pool.submit(r.task("a1", "a")))
      yield* advanceTo(950)
      handles.push(yield* pool.submit(r.task("a2", "a")))
      yield* advanceTo(1000)
      handles.push(yield* pool.submit(r.task("a3", "a")))
      handles.push(yield* pool.submit(r.task("a4", "a")))
      yield* yieldMany()
      // A fixed window [1000, 2000) or a full token bucket would let these start now.
      expect(r.startOf("a3")).toBeUndefined()
      yield* advanceTo(1899)
      expect(r.startOf("a3")).toBeUndefined()
      yield* advanceTo(1900)
      expect(r.startOf("a3")).toBe(1900)
      expect(r.startOf("a4")).toBeUndefined()
      yield* advanceTo(1949)
      expect(r.startOf("a4")).toBeUndefined()
      yield* advanceTo(1950)
      yield* Effect.forEach(handles, (handle) => handle.join)
      expect([...r.starts.values()]).toStrictEqual([900, 950, 1900, 1950])
    }))

  it.scoped("a burst starts in waves exactly one interval apart, never more than the limit in any window", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 10, rateLimits: { a: { limit: 3, interval: "1 second" } } })
      const r = startRecorder()
      const handles: Array<TaskHandle<void>> = []
      for (let i = 0; i < 10; i++) handles.push(yield* pool.submit(r.task(`a${i}`, "a", { ms: 2500 })))
      yield* TestClock.adjust("10 seconds")
      yield* Effect.forEach(handles, (handle) => handle.join)
      const times = [...r.starts.values()]
      expect(times).toStrictEqual([0, 0, 0, 1000, 1000, 1000, 2000, 2000, 2000, 3000])
      expect(busiestWindow(times, 1000)).toBe(3)
    }))

  it.scoped("keys are limited independently; other keys and tasks without a key are not held back", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({
        workers: 10,
        rateLimits: { a: { limit: 1, interval: "1 second" }, b: { limit: 1, interval: "500 millis" } }
      })
      const r = startRecorder()
      const handles: Array<TaskHandle<void>> = []
      for (const id of ["a1", "b1", "a2", "b2", "b3", "c1", "c2", "u1", "u2"]) {
        const key = id.startsWith("u") ? undefined : id[0]
        handles.push(yield* pool.submit(r.task(id, key)))
      }
      yield* TestClock.adjust("5 seconds")
      yield* Effect.forEach(handles, (handle) => handle.join)
      expect(Object.fromEntries(r.starts)).toStrictEqual({
        a1: 0,
        b1: 0,
        c1: 0,
        c2: 0,
        u1: 0,
        u2: 0,
        b2: 500,
        a2: 1000,
        b3: 1000
      })
    }))

  it.scoped("a rate-limited key at the front of the queue does not hold back another key's task", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1, queueSize: 10, rateLimits: { a: { limit: 1, interval: "1 second" } } })
      const r = startRecorder()
      yield* pool.run(r.task("a1", "a"))
      const hold = yield* makeGate
      yield* pool.submit({ id: "hold", execute: hold.execute })
      yield* hold.awaitStarted
      const a2 = yield* pool.submit(r.task("a2", "a", { priority: Priority.Critical }))
      const b1 = yield* pool.submit(r.task("b1", "b", { priority: Priority.Low }))
      yield* TestClock.adjust("10 millis")
      yield* hold.open
      yield* b1.join
      expect(r.startOf("b1")).toBe(10)
      expect(r.startOf("a2")).toBeUndefined()
      yield* TestClock.adjust("990 millis")
      yield* a2.join
      expect(r.startOf("a2")).toBe(1000)
    }))

  it.scoped("the limit counts starts, not running tasks: long tasks do not hold back starts in a new window", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 10, rateLimits: { a: { limit: 1, interval: "100 millis" } } })
      const r = startRecorder()
      const handles: Array<TaskHandle<void>> = []
      for (let i = 0; i < 4; i++) handles.push(yield* pool.submit(r.task(`a${i}`, "a", { ms: 10_000 })))
      yield* TestClock.adjust("300 millis")
      expect([...r.starts.values()]).toStrictEqual([0, 100, 200, 300])
      expect((yield* pool.metrics).keys["a"]!.running).toBe(4)
      yield* TestClock.adjust("10 seconds")
      yield* Effect.forEach(handles, (handle) => handle.join)
    }))

  it.scoped("metrics.keys[k].rateLimited is true exactly while the key is out of starts", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 2, rateLimits: { a: { limit: 1, interval: "1 second" } } })
      yield* pool.run({ id: "a1", key: "a", execute: Effect.void })
      expect((yield* pool.metrics).keys["a"]!.rateLimited).toBe(true)
      yield* TestClock.adjust("999 millis")
      expect((yield* pool.metrics).keys["a"]!.rateLimited).toBe(true)
      yield* TestClock.adjust("1 millis")
      expect((yield* pool.metrics).keys["a"]!.rateLimited).toBe(false)
    }))
})

describe("pauseKey and resumeKey", () => {
  it.scoped("pauseKey holds back only that key's queued tasks until exactly the end of the pause; running ones go on", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 3 })
      const r = startRecorder()
      const running = yield* pool.submit(r.task("a-running", "a", { ms: 5000 }))
      yield* yieldMany()
      yield* pool.pauseKey("a", "2 seconds")
      const a2 = yield* pool.submit(r.task("a2", "a"))
      const a3 = yield* pool.submit(r.task("a3", "a"))
      const b1 = yield* pool.submit(r.task("b1", "b"))
      const u1 = yield* pool.submit(r.task("u1"))
      yield* b1.join
      yield* u1.join
      expect(r.startOf("b1")).toBe(0)
      expect(r.startOf("u1")).toBe(0)
      expect((yield* pool.metrics).keys["a"]).toStrictEqual({
        running: 1,
        queued: 2,
        limit: undefined,
        paused: true,
        rateLimited: false
      })
      yield* TestClock.adjust("1999 millis")
      expect(r.startOf("a2")).toBeUndefined()
      expect((yield* pool.metrics).keys["a"]).toMatchObject({ queued: 2, paused: true })
      yield* TestClock.adjust("1 millis")
      yield* a2.join
      yield* a3.join
      expect([r.startOf("a2"), r.startOf("a3")]).toStrictEqual([2000, 2000])
      expect((yield* pool.metrics).keys["a"]).toMatchObject({ queued: 0, paused: false })
      yield* TestClock.adjust("3 seconds")
      const result = yield* running.await
      expect(result.exit).toStrictEqual(Exit.void)
      expect(Duration.toMillis(result.duration)).toBe(5000)
    }))

  it.scoped("a key paused before any of its tasks is seen holds the tasks submitted later, even with idle workers", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 4 })
      const r = startRecorder()
      yield* pool.pauseKey("a", 500)
      const a1 = yield* pool.submit(r.task("a1", "a"))
      yield* yieldMany()
      expect(r.startOf("a1")).toBeUndefined()
      expect((yield* pool.metrics)).toMatchObject({ queued: 1, running: 0 })
      yield* TestClock.adjust("500 millis")
      yield* a1.join
      expect(r.startOf("a1")).toBe(500)
    }))

  it.scoped("resumeKey ends the pause at once", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 2 })
      const r = startRecorder()
      yield* pool.pauseKey("a", "1 minute")
      const a1 = yield* pool.submit(r.task("a1", "a"))
      yield* TestClock.adjust("1 second")
      expect(r.startOf("a1")).toBeUndefined()
      yield* pool.resumeKey("a")
      yield* a1.join
      expect(r.startOf("a1")).toBe(1000)
      expect((yield* pool.metrics).keys["a"]!.paused).toBe(false)
    }))

  it.scoped("a shorter pause does not cut a longer one in force short", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 2 })
      const r = startRecorder()
      yield* pool.pauseKey("a", "5 seconds")
      const a1 = yield* pool.submit(r.task("a1", "a"))
      yield* TestClock.adjust("1 second")
      yield* pool.pauseKey("a", "1 second")
      yield* TestClock.adjust("3999 millis")
      expect(r.startOf("a1")).toBeUndefined()
      yield* TestClock.adjust("1 millis")
      yield* a1.join
      expect(r.startOf("a1")).toBe(5000)
    }))

  it.scoped("a longer pause extends a shorter one", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 2 })
      const r = startRecorder()
      yield* pool.pauseKey("a", "1 second")
      const a1 = yield* pool.submit(r.task("a1", "a"))
      yield* TestClock.adjust("500 millis")
      yield* pool.pauseKey("a", "2500 millis")
      yield* TestClock.adjust("2499 millis")
      expect(r.startOf("a1")).toBeUndefined()
      yield* TestClock.adjust("1 millis")
      yield* a1.join
      expect(r.startOf("a1")).toBe(3000)
    }))

  it.scoped("the queue deadline of a paused key's task still runs", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 2 })
      const r = startRecorder()
      yield* pool.pauseKey("a", "10 seconds")
      const a1 = yield* pool.submit({ ...r.task("a1", "a"), queueTimeout: "1 second" })
      yield* TestClock.adjust("1 second")
      const result = yield* a1.await
      expect(failureOf(result.exit)).toMatchObject({ _tag: "TaskTimeoutError", phase: "queued" })
      expect(r.startOf("a1")).toBeUndefined()
    }))

  it.scoped.each([
    { title: "an empty key", call: "pause", key: "", duration: 1000, field: "key" },
    { title: "a numeric key", call: "pause", key: 7, duration: 1000, field: "key" },
    { title: "a negative duration", call: "pause", key: "a", duration: -1, field: "duration" },
    { title: "NaN as duration", call: "pause", key: "a", duration: NaN, field: "duration" },
    { title: "an unreadable duration", call: "pause", key: "a", duration: "soon", field: "duration" },
    { title: "an empty key to resumeKey", call: "resume", key: "", duration: 0, field: "key" }
  ])("refuses $title with InvalidTaskError naming $field", ({ call, duration, field, key }) =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const exit = yield* Effect.exit(
        call === "pause"
          ? pool.pauseKey(key as string, duration as Duration.DurationInput)
          : pool.resumeKey(key as string)
      )
      const error = failureOf(exit)
      expect(error).toBeInstanceOf(InvalidTaskError)
      expect(error).toMatchObject({ field })
    }))
})

describe("pauseKey with an infinite duration", () => {
  it.scoped("pauseKey(key, Infinity) holds the key until resumeKey, and a shorter pause does not end it", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const r = startRecorder()
      const exit = yield* Effect.exit(pool.pauseKey("a", Infinity))
      expect(Exit.isSuccess(exit)).toBe(true)
      const a1 = yield* pool.submit(r.task("a1", "a"))
      yield* pool.pauseKey("a", "1 second")
      yield* TestClock.adjust("1 day")
      expect(r.startOf("a1")).toBeUndefined()
      expect((yield* pool.metrics).keys["a"]).toMatchObject({ paused: true, queued: 1 })
      yield* pool.resumeKey("a")
      yield* a1.join
      expect(r.startOf("a1")).toBe(86_400_000)
    }))
})

describe("a submitter waiting for room is admitted when a pause or rate window frees the queue", () => {
  it.scoped("when a pause ends and the queued task starts, the waiting submit is accepted", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 2, queueSize: 1 })
      yield* pool.pauseKey("a", "1 second")
      const hold = yield* makeGate
      yield* pool.submit({ id: "a1", key: "a", execute: hold.execute })
      const waiting = yield* Effect.fork(pool.submit({ id: "a2", key: "a", execute: Effect.void }))
      expect(yield* isDone(waiting)).toBe(false)
      yield* TestClock.adjust("1 second")
      yield* hold.awaitStarted
      // The queue is empty and a worker is idle: the submit must not still wait.
      expect((yield* pool.metrics)).toMatchObject({ queued: 0, running: 1 })
      expect(yield* isDone(waiting)).toBe(true)
      yield* hold.open
    }))

  it.scoped("when resumeKey starts the queued task, the waiting submit is accepted", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 2, queueSize: 1 })
      yield* pool.pauseKey("a", "1 minute")
      const hold = yield* makeGate
      yield* pool.submit({ id: "a1", key: "a", execute: hold.execute })
      const waiting = yield* Effect.fork(pool.submit({ id: "a2", key: "a", execute: Effect.void }))
      expect(yield* isDone(waiting)).toBe(false)
      yield* pool.resumeKey("a")
      yield* hold.awaitStarted
      expect(yield* isDone(waiting)).toBe(true)
      yield* hold.open
    }))

  it.scoped("when a rate window reopens and the queued task starts, the waiting submit is accepted", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 2, queueSize: 1, rateLimits: { a: { limit: 1, interval: "1 second" } } })
      yield* pool.run({ id: "a0", key: "a", execute: Effect.void })
      const hold = yield* makeGate
      yield* pool.submit({ id: "a1", key: "a", execute: hold.execute })
      const waiting = yield* Effect.fork(pool.submit({ id: "a2", key: "a", execute: Effect.void }))
      expect(yield* isDone(waiting)).toBe(false)
      yield* TestClock.adjust("1 second")
      yield* hold.awaitStarted
      // a1 left the queue at 1000 ms: a2 fits in the queue, to start at 2000 ms.
      expect(yield* isDone(waiting)).toBe(true)
      expect((yield* pool.metrics).keys["a"]).toMatchObject({ queued: 1, running: 1, rateLimited: true })
      yield* hold.open
    }))
})

describe("with queueSize 0, a submitter waiting for its key is admitted once the key may start", () => {
  it.scoped("a paused key: the waiting submit is accepted and runs when the pause ends, on an idle pool", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 2, queueSize: 0 })
      const r = startRecorder()
      yield* pool.pauseKey("a", "1 second")
      const waiting = yield* Effect.fork(pool.submit(r.task("a1", "a")))
      yield* TestClock.adjust("999 millis")
      expect(yield* isDone(waiting)).toBe(false)
      yield* TestClock.adjust("1 millis")
      expect(yield* isDone(waiting)).toBe(true)
      expect(r.startOf("a1")).toBe(1000)
    }))

  it.scoped("a rate-limited key: the waiting submit is accepted and runs when the window reopens, on an idle pool", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 2, queueSize: 0, rateLimits: { a: { limit: 1, interval: "1 second" } } })
      const r = startRecorder()
      yield* pool.run(r.task("a0", "a"))
      const waiting = yield* Effect.fork(pool.submit(r.task("a1", "a")))
      yield* TestClock.adjust("999 millis")
      expect(yield* isDone(waiting)).toBe(false)
      yield* TestClock.adjust("1 millis")
      expect(yield* isDone(waiting)).toBe(true)
      expect(r.startOf("a1")).toBe(1000)
    }))
})

describe("a task submitted as its key becomes startable does not overtake the key's queued tasks", () => {
  // At the instant a pause or a rate window ends, the pool's wake-up timer
  // and a new submission are both due, and the submission comes first (its
  // sleep was registered later, and the TestClock runs equal instants newest
  // first). The older, higher-priority task of the same key, queued all
  // along, must still go first.

  it.scoped("pause: a Low task submitted at the end of the pause does not start before the Critical one queued", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 2, keyLimits: { a: 1 } })
      const r = startRecorder()
      yield* pool.pauseKey("a", "1 second")
      const critical = yield* pool.submit(r.task("critical", "a", { priority: Priority.Critical, ms: 500 }))
      yield* yieldMany()
      const late = yield* Effect.fork(
        Effect.zipRight(Effect.sleep("1 second"), pool.submit(r.task("low", "a", { priority: Priority.Low, ms: 500 })))
      )
      yield* TestClock.adjust("1 second")
      yield* yieldMany()
      expect(Object.fromEntries(r.starts)).toStrictEqual({ critical: 1000 })
      yield* TestClock.adjust("1 second")
      yield* critical.join
      yield* Effect.flatMap(Fiber.join(late), (handle) => handle.join)
      expect(Object.fromEntries(r.starts)).toStrictEqual({ critical: 1000, low: 1500 })
    }))

  it.scoped("rate limit: a task submitted as the window reopens does not take the start from the queued one", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 2, rateLimits: { a: { limit: 1, interval: "1 second" } } })
      const r = startRecorder()
      yield* pool.run(r.task("first", "a"))
      const critical = yield* pool.submit(r.task("critical", "a", { priority: Priority.Critical }))
      yield* yieldMany()
      const late = yield* Effect.fork(
        Effect.zipRight(Effect.sleep("1 second"), pool.submit(r.task("low", "a", { priority: Priority.Low })))
      )
      yield* TestClock.adjust("1 second")
      yield* yieldMany()
      expect(Object.fromEntries(r.starts)).toStrictEqual({ first: 0, critical: 1000 })
      yield* TestClock.adjust("1 second")
      yield* critical.join
      yield* Effect.flatMap(Fiber.join(late), (handle) => handle.join)
      expect(Object.fromEntries(r.starts)).toStrictEqual({ first: 0, critical: 1000, low: 2000 })
    }))
})

describe("resumeKey lets in a submitter waiting for the key with queueSize 0", () => {
  // With queueSize 0 a submit for a paused key waits for the key itself.
  // resumeKey starts nothing queued (there is nothing), and the waiting
  // submitter is only let in when the original pause would have ended.
  it.scoped("after resumeKey the waiting submit is accepted and its task runs at once", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 2, queueSize: 0 })
      const r = startRecorder()
      yield* pool.pauseKey("a", "1 minute")
      const waiting = yield* Effect.fork(pool.submit(r.task("a1", "a")))
      yield* TestClock.adjust("1 second")
      expect(yield* isDone(waiting)).toBe(false)
      yield* pool.resumeKey("a")
      expect(yield* isDone(waiting)).toBe(true)
      expect(r.startOf("a1")).toBe(1000)
    }))

  it.scoped("after resumeKey of an infinite pause the waiting submit is accepted", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 2, queueSize: 0 })
      const r = startRecorder()
      yield* pool.pauseKey("a", Infinity)
      const waiting = yield* Effect.fork(pool.submit(r.task("a1", "a")))
      expect(yield* isDone(waiting)).toBe(false)
      yield* pool.resumeKey("a")
      expect(yield* isDone(waiting)).toBe(true)
      expect(r.startOf("a1")).toBe(0)
    }))
})

describe("a submitter waiting for a key is let in when a pause it did not see at first ends", () => {
  // A submit that finds no room asks for a wake-up only for what holds its
  // key back at that moment, and only for the first reason checked (the
  // concurrency limit before the pause). A pause requested later, or a pause
  // behind the concurrency limit, never wakes the submitter: once the pool is
  // idle it waits forever.
  it.scoped("the key is paused after the submit began waiting for a worker", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1, queueSize: 0 })
      const r = startRecorder()
      yield* pool.submit(r.task("busy", undefined, { ms: 1000 }))
      const waiting = yield* Effect.fork(pool.submit(r.task("a1", "a")))
      yield* yieldMany()
      yield* pool.pauseKey("a", "2 seconds")
      yield* TestClock.adjust("1999 millis")
      expect(yield* isDone(waiting)).toBe(false)
      yield* TestClock.adjust("1 millis")
      expect(yield* isDone(waiting)).toBe(true)
      expect(r.startOf("a1")).toBe(2000)
    }))

  it.scoped("the key is both at its concurrency limit and paused when the submit begins waiting", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 2, queueSize: 0, keyLimits: { a: 1 } })
      const r = startRecorder()
      yield* pool.submit(r.task("a1", "a", { ms: 1000 }))
      yield* yieldMany()
      yield* pool.pauseKey("a", "2 seconds")
      const waiting = yield* Effect.fork(pool.submit(r.task("a2", "a")))
      yield* TestClock.adjust("1999 millis")
      expect(yield* isDone(waiting)).toBe(false)
      yield* TestClock.adjust("1 millis")
      expect(yield* isDone(waiting)).toBe(true)
      expect(r.startOf("a2")).toBe(2000)
    }))
})

describe("the queue never holds more than queueSize tasks when a pause ends at a submission", () => {
  // At 1000 ms a submission of key b finds the worker free and is accepted
  // to start at once. Accepting it first fires the timers due now: the end
  // of a's pause starts a1 on that worker and lets the waiting a2 into the
  // freed queue slot. b1 then finds no free worker and is queued as well,
  // beyond queueSize.
  it.scoped("queueSize 1: the queue holds at most one task, whatever arrives at the instant the pause ends", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1, queueSize: 1 })
      yield* pool.pauseKey("a", "1 second")
      const hold = yield* makeGate
      yield* pool.submit({ id: "a1", key: "a", execute: hold.execute })
      const waiting = yield* Effect.fork(pool.submit({ id: "a2", key: "a", execute: Effect.void }))
      yield* yieldMany()
      const late = yield* Effect.fork(
        Effect.zipRight(Effect.sleep("1 second"), pool.submit({ id: "b1", key: "b", execute: Effect.void }))
      )
      yield* TestClock.adjust("1 second")
      yield* hold.awaitStarted
      const metrics = yield* pool.metrics
      expect(metrics.running).toBe(1)
      expect(metrics.queued).toBeLessThanOrEqual(1)
      yield* hold.open
      yield* Fiber.join(waiting)
      yield* Fiber.join(late)
    }))
})

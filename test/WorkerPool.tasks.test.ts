/**
 * `pool.tasks`: a snapshot of every task in the pool, queued ones first in
 * the order they would start, then the others in acceptance order.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schedule from "effect/Schedule"
import * as TestClock from "effect/TestClock"
import { Priority, type TaskInfo } from "../src/index.js"
import { makeGate, makePool, yieldMany } from "./helpers.js"

/** A TaskInfo with its durations in milliseconds, for comparing. */
const plain = (info: TaskInfo) => ({
  taskId: info.taskId,
  priority: info.priority,
  effectivePriority: info.effectivePriority,
  key: info.key,
  state: info.state,
  attempts: info.attempts,
  waitTime: Duration.toMillis(info.waitTime),
  runTime: Duration.toMillis(info.runTime)
})

const ids = (infos: ReadonlyArray<TaskInfo>) => infos.map((info) => info.taskId)

describe("pool.tasks", () => {
  it.scoped("is empty for an idle pool, and a settled task is no longer listed", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      expect(yield* pool.tasks).toStrictEqual([])
      yield* pool.run({ id: "done", execute: Effect.void })
      expect(yield* pool.tasks).toStrictEqual([])
    }))

  it.scoped("lists queued tasks first, in the order they would start if every key were free, then the others in acceptance order", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 2 })
      const running = yield* makeGate
      const callback = yield* makeGate
      yield* pool.submit({ id: "running", execute: running.execute })
      yield* pool.submit({ id: "retrying", execute: Effect.fail("again"), retry: Schedule.spaced("1 hour") })
      yield* pool.submit({ id: "in-callback", execute: Effect.void, callback: () => callback.execute })
      yield* running.awaitStarted
      yield* callback.awaitStarted
      yield* pool.pauseKey("paused", Infinity)
      yield* pool.submit({ id: "low", priority: Priority.Low, execute: Effect.void })
      yield* pool.submit({ id: "normal-1", execute: Effect.void })
      yield* pool.submit({ id: "paused-critical", key: "paused", priority: Priority.Critical, execute: Effect.void })
      yield* pool.submit({ id: "high", priority: Priority.High, execute: Effect.void })
      yield* pool.submit({ id: "normal-2", execute: Effect.void })
      const infos = yield* pool.tasks
      expect(ids(infos)).toStrictEqual([
        "paused-critical",
        "high",
        "normal-1",
        "normal-2",
        "low",
        "running",
        "retrying",
        "in-callback"
      ])
      expect(Object.fromEntries(infos.map((info) => [info.taskId, info.state]))).toStrictEqual({
        "paused-critical": "queued",
        high: "queued",
        "normal-1": "queued",
        "normal-2": "queued",
        low: "queued",
        running: "running",
        retrying: "retrying",
        "in-callback": "callback"
      })
      yield* running.open
      yield* callback.open
    }))

  it.scoped("a task of a key at its limit is listed where it would start if the key were free", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 2, keyLimits: { k: 1 } })
      const hold = yield* makeGate
      const other = yield* makeGate
      yield* pool.submit({ id: "k-running", key: "k", execute: hold.execute })
      yield* pool.submit({ id: "other", execute: other.execute })
      yield* hold.awaitStarted
      yield* other.awaitStarted
      yield* pool.submit({ id: "normal", execute: Effect.void })
      yield* pool.submit({ id: "k-high", key: "k", priority: Priority.High, execute: Effect.void })
      expect(ids(yield* pool.tasks)).toStrictEqual(["k-high", "normal", "k-running", "other"])
      yield* hold.open
      yield* other.open
    }))

  it.scoped("gives each task's id, priority, effective priority after aging, key, state, attempts, time queued and time running", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1, agingInterval: "1 second" })
      const hold = yield* makeGate
      yield* pool.submit({ id: "running", key: "k", priority: Priority.High, execute: hold.execute })
      yield* hold.awaitStarted
      yield* pool.submit({ id: "old-low", priority: Priority.Low, execute: Effect.void })
      yield* TestClock.adjust("1 second")
      yield* pool.submit({ id: "new-normal", execute: Effect.void })
      yield* pool.submit({ id: "new-high", key: "k", priority: Priority.High, execute: Effect.void })
      yield* TestClock.adjust("500 millis")
      const infos = (yield* pool.tasks).map(plain)
      expect(infos.map((info) => info.taskId)).toStrictEqual(["new-high", "old-low", "new-normal", "running"])
      expect(infos[0]).toStrictEqual({
        taskId: "new-high",
        priority: Priority.High,
        effectivePriority: Priority.High,
        key: "k",
        state: "queued",
        attempts: 0,
        waitTime: 500,
        runTime: 0
      })
      expect(infos[1]).toStrictEqual({
        taskId: "old-low",
        priority: Priority.Low,
        effectivePriority: Priority.Normal,
        key: undefined,
        state: "queued",
        attempts: 0,
        waitTime: 1500,
        runTime: 0
      })
      expect(infos[2]).toMatchObject({ taskId: "new-normal", effectivePriority: Priority.Normal, waitTime: 500 })
      expect(infos[3]).toMatchObject({
        taskId: "running",
        priority: Priority.High,
        key: "k",
        state: "running",
        attempts: 1,
        waitTime: 0,
        runTime: 1500
      })
      yield* hold.open
    }))

  it.scoped("a retried task: attempts counts those started, waitTime sums every wait in the queue, runTime is the current attempt's", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      yield* pool.submit({ id: "first", execute: Effect.sleep("500 millis") })
      let attempt = 0
      const handle = yield* pool.submit({
        id: "retried",
        execute: Effect.zipRight(Effect.sleep("200 millis"), Effect.suspend(() => ++attempt === 1 ? Effect.fail("first") : Effect.void)),
        retry: Schedule.spaced("1 second")
      })
      const info = () => Effect.map(pool.tasks, (infos) => plain(infos.find((info) => info.taskId === "retried")!))
      yield* TestClock.adjust("600 millis")
      expect(yield* info()).toMatchObject({ state: "running", attempts: 1, waitTime: 500, runTime: 100 })
      yield* TestClock.adjust("400 millis")
      expect(yield* info()).toMatchObject({ state: "retrying", attempts: 1, waitTime: 500, runTime: 0 })
      const hold = yield* makeGate
      yield* pool.submit({ id: "hold", execute: hold.execute })
      yield* hold.awaitStarted
      yield* TestClock.adjust("1 second")
      expect(yield* info()).toMatchObject({ state: "queued", attempts: 1, waitTime: 800, runTime: 0 })
      yield* hold.open
      yield* yieldMany()
      yield* TestClock.adjust("100 millis")
      expect(yield* info()).toMatchObject({ state: "running", attempts: 2, waitTime: 800, runTime: 100 })
      yield* TestClock.adjust("100 millis")
      expect((yield* handle.await).attempts).toBe(2)
    }))

  it.scoped("a task running its callback has state callback and runTime zero", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const callback = yield* makeGate
      yield* pool.submit({ id: "calls-back", execute: Effect.sleep("1 second"), callback: () => callback.execute })
      yield* TestClock.adjust("1 second")
      yield* callback.awaitStarted
      expect((yield* pool.tasks).map(plain)).toMatchObject([{ taskId: "calls-back", state: "callback", attempts: 1, runTime: 0 }])
      yield* callback.open
      yield* yieldMany()
      expect(yield* pool.tasks).toStrictEqual([])
    }))

  it.scoped("a submitter still waiting for queue room is not listed", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1, queueSize: 1 })
      const hold = yield* makeGate
      yield* pool.submit({ id: "hold", execute: hold.execute })
      yield* hold.awaitStarted
      yield* pool.submit({ id: "queued", execute: Effect.void })
      const waiting = yield* Effect.fork(pool.submit({ id: "waiting", execute: Effect.void }))
      yield* yieldMany()
      expect(ids(yield* pool.tasks)).toStrictEqual(["queued", "hold"])
      yield* hold.open
      yield* (yield* Fiber.join(waiting)).await
    }))
})

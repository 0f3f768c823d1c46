/**
 * Commands on a running pool: `cancel(taskId)`, `pause` and `resume`,
 * `resize(workers)`.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Metric from "effect/Metric"
import * as Schedule from "effect/Schedule"
import * as TestClock from "effect/TestClock"
import { PoolConfigError, type TaskHandle, type TaskResult } from "../src/index.js"
import { failureOf, isDone, isInterruption, makeGate, makeGates, makePool, uniqueName, yieldMany } from "./helpers.js"

/** A task body that records the moment it started under its id. */
const startLog = () => {
  const started: Array<string> = []
  const startedAt = new Map<string, number>()
  const execute = (id: string, then: Effect.Effect<void> = Effect.void) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      started.push(id)
      startedAt.set(id, now)
      return then
    })
  return { started, startedAt, execute }
}

describe("cancel(taskId)", () => {
  it.scoped("cancels a queued task: it never runs, settles as interrupted with its callback run, and cancel returns true", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const hold = yield* makeGate
      yield* pool.submit({ id: "hold", execute: hold.execute })
      yield* hold.awaitStarted
      let ran = false
      const calls: Array<TaskResult<void>> = []
      const handle = yield* pool.submit({
        id: "queued",
        execute: Effect.sync(() => void (ran = true)),
        callback: (result) => Effect.sync(() => void calls.push(result))
      })
      expect(yield* pool.cancel("queued")).toBe(true)
      expect(calls).toHaveLength(1)
      const result = yield* handle.await
      expect(isInterruption(result.exit)).toBe(true)
      expect(result.attempts).toBe(0)
      expect(calls[0]).toBe(result)
      yield* hold.open
      yield* yieldMany()
      expect(ran).toBe(false)
      expect(yield* pool.metrics).toMatchObject({ tasksCancelled: 1, tasksCompleted: 1, queued: 0 })
    }))

  it.scoped("cancels a running task and returns only once it has settled, its finalizers done", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const gate = yield* makeGate
      let finalized = false
      const handle = yield* pool.submit({
        id: "running",
        execute: gate.execute.pipe(
          Effect.zipRight(Effect.never),
          Effect.onInterrupt(() => Effect.zipRight(Effect.sleep("1 second"), Effect.sync(() => void (finalized = true))))
        )
      })
      yield* gate.awaitStarted
      const cancelling = yield* Effect.fork(pool.cancel("running"))
      expect(yield* isDone(cancelling)).toBe(false)
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(cancelling)).toBe(true)
      expect(finalized).toBe(true)
      expect(isInterruption((yield* handle.await).exit)).toBe(true)
      expect(yield* pool.metrics).toMatchObject({ tasksCancelled: 1, running: 0 })
    }))

  it.scoped("cancels a task waiting for its next attempt: it settles as interrupted and never runs again", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      let attempts = 0
      const handle = yield* pool.submit({
        id: "retrying",
        execute: Effect.suspend(() => {
          attempts++
          return Effect.fail("again")
        }),
        retry: Schedule.spaced("1 second")
      })
      yield* yieldMany()
      expect(yield* pool.cancel("retrying")).toBe(true)
      const result = yield* handle.await
      expect(isInterruption(result.exit)).toBe(true)
      expect(result.attempts).toBe(1)
      yield* TestClock.adjust("10 seconds")
      expect(attempts).toBe(1)
    }))

  it.scoped("does what the handle's cancel does: the same result and the same counts", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 2 })
      const gates = yield* makeGates(2)
      const byHandle = yield* pool.submit({ id: "by-handle", execute: gates[0]!.execute })
      const byId = yield* pool.submit({ id: "by-id", execute: gates[1]!.execute })
      yield* Effect.forEach(gates, (gate) => gate.awaitStarted)
      yield* byHandle.cancel
      expect(yield* pool.cancel("by-id")).toBe(true)
      const a = yield* byHandle.await
      const b = yield* byId.await
      expect(isInterruption(a.exit)).toBe(true)
      expect(isInterruption(b.exit)).toBe(true)
      expect(a.attempts).toBe(b.attempts)
      const metrics = yield* pool.metrics
      expect(metrics).toMatchObject({ tasksSubmitted: 2, tasksCancelled: 2, tasksFailed: 0, running: 0 })
    }))

  it.scoped("returns false when no task of that id is in the pool: unknown, already settled, or a submitter still waiting for room", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1, queueSize: 1 })
      expect(yield* pool.cancel("unknown")).toBe(false)
      yield* pool.run({ id: "done", execute: Effect.void })
      expect(yield* pool.cancel("done")).toBe(false)
      const hold = yield* makeGate
      yield* pool.submit({ id: "hold", execute: hold.execute })
      yield* hold.awaitStarted
      yield* pool.submit({ id: "fills-the-queue", execute: Effect.void })
      const waiting = yield* Effect.fork(pool.submit({ id: "waiting-for-room", execute: Effect.void }))
      yield* yieldMany()
      expect(yield* pool.cancel("waiting-for-room")).toBe(false)
      expect(yield* isDone(waiting)).toBe(false)
      expect(yield* pool.cancel(42 as unknown as string)).toBe(false)
      expect((yield* pool.metrics).tasksCancelled).toBe(0)
      yield* hold.open
      yield* (yield* Fiber.join(waiting)).await
    }))

  it.scoped("a second cancel of the same task returns false and changes nothing", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      yield* pool.submit({ id: "once", execute: Effect.never })
      yield* yieldMany()
      expect(yield* pool.cancel("once")).toBe(true)
      expect(yield* pool.cancel("once")).toBe(false)
      expect((yield* pool.metrics).tasksCancelled).toBe(1)
    }))
})

describe("pause and resume", () => {
  it.scoped("while paused no task starts, even with idle workers; running tasks go on to the end; resume starts the queue", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 2 })
      const log = startLog()
      const running = yield* pool.submit({ id: "running", execute: log.execute("running", Effect.sleep("1 second")) })
      yield* yieldMany()
      yield* pool.pause
      expect((yield* pool.metrics).paused).toBe(true)
      const queued = yield* pool.submit({ id: "queued", execute: log.execute("queued") })
      yield* TestClock.adjust("1 second")
      expect(Exit.isSuccess((yield* running.await).exit)).toBe(true)
      yield* TestClock.adjust("1 second")
      expect(log.started).toStrictEqual(["running"])
      expect(yield* pool.metrics).toMatchObject({ queued: 1, running: 0, paused: true })
      yield* pool.resume
      yield* queued.await
      expect(log.startedAt.get("queued")).toBe(2000)
      expect((yield* pool.metrics).paused).toBe(false)
    }))

  it.scoped("resume starts as many queued tasks as there are free workers, at once, in priority order", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 2 })
      yield* pool.pause
      const log = startLog()
      const handles: Array<TaskHandle<void>> = []
      for (const [id, priority] of [["low", 0], ["normal", 1], ["high", 2]] as const) {
        handles.push(yield* pool.submit({ id, priority, execute: log.execute(id, Effect.sleep("1 second")) }))
      }
      yield* yieldMany()
      expect(log.started).toStrictEqual([])
      yield* pool.resume
      yield* yieldMany()
      expect(log.started).toStrictEqual(["high", "normal"])
      yield* TestClock.adjust("2 seconds")
      yield* Effect.forEach(handles, (handle) => handle.await)
      expect(log.started).toStrictEqual(["high", "normal", "low"])
    }))

  it.scoped("submissions are accepted while there is queue room, then wait as usual or are refused by trySubmit", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1, queueSize: 2 })
      yield* pool.pause
      yield* pool.submit({ id: "a", execute: Effect.void })
      yield* pool.submit({ id: "b", execute: Effect.void })
      const waiting = yield* Effect.fork(pool.submit({ id: "c", execute: Effect.void }))
      expect(yield* isDone(waiting)).toBe(false)
      const refused = yield* Effect.exit(pool.trySubmit({ id: "d", execute: Effect.void }))
      expect(failureOf(refused)).toMatchObject({ _tag: "QueueFullError" })
      yield* pool.resume
      const c = yield* Fiber.join(waiting)
      yield* c.await
      expect(yield* pool.metrics).toMatchObject({ tasksCompleted: 3, tasksRejected: 1 })
    }))

  it.scoped("queue deadlines still run while paused", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      yield* pool.pause
      const handle = yield* pool.submit({ id: "expires", execute: Effect.void, queueTimeout: "1 second" })
      yield* TestClock.adjust("1 second")
      const result = yield* handle.await
      expect(failureOf(result.exit)).toMatchObject({ _tag: "TaskTimeoutError", phase: "queued" })
      expect((yield* pool.metrics).tasksExpired).toBe(1)
    }))

  it.scoped("a retry whose delay ends while paused waits for resume", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const startedAt: Array<number> = []
      const handle = yield* pool.submit({
        id: "retried",
        execute: Effect.flatMap(Clock.currentTimeMillis, (now) => {
          startedAt.push(now)
          return startedAt.length === 1 ? Effect.fail("first") : Effect.void
        }),
        retry: Schedule.spaced("1 second")
      })
      yield* yieldMany()
      yield* pool.pause
      yield* TestClock.adjust("3 seconds")
      expect(startedAt).toStrictEqual([0])
      yield* pool.resume
      yield* handle.await
      expect(startedAt).toStrictEqual([0, 3000])
    }))

  it.scoped("pause and resume are idempotent", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      yield* pool.pause
      yield* pool.pause
      expect((yield* pool.metrics).paused).toBe(true)
      yield* pool.resume
      expect((yield* pool.metrics).paused).toBe(false)
      yield* pool.resume
      expect((yield* pool.metrics).paused).toBe(false)
      expect(yield* pool.run({ id: "runs", execute: Effect.succeed(1) })).toBe(1)
    }))

  it.scoped("shutdown while paused resumes, so that queued tasks run within shutdownTimeout", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1, shutdownTimeout: "10 seconds" })
      yield* pool.pause
      const handles: Array<TaskHandle<string>> = []
      for (const id of ["a", "b", "c"]) handles.push(yield* pool.submit({ id, execute: Effect.as(Effect.sleep("1 second"), id) }))
      const shutdown = yield* Effect.fork(pool.shutdown)
      yield* yieldMany()
      expect((yield* pool.metrics).paused).toBe(false)
      yield* TestClock.adjust("3 seconds")
      expect(yield* isDone(shutdown)).toBe(true)
      for (const handle of handles) expect((yield* handle.await).exit).toStrictEqual(Exit.succeed(handle.taskId))
    }))
})

describe("resize(workers)", () => {
  it.scoped("growing starts queued tasks at once", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const gates = yield* makeGates(4)
      for (const [i, gate] of gates.entries()) yield* pool.submit({ id: `g${i}`, execute: gate.execute })
      yield* gates[0]!.awaitStarted
      yield* pool.resize(3)
      yield* gates[1]!.awaitStarted
      yield* gates[2]!.awaitStarted
      yield* yieldMany()
      expect(yield* gates[3]!.hasStarted).toBe(false)
      expect(yield* pool.metrics).toMatchObject({ running: 3, queued: 1, workers: 3 })
      yield* Effect.forEach(gates, (gate) => gate.open)
    }))

  it.scoped("shrinking interrupts nothing: running tasks finish, and no task starts until fewer than the new bound run", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 3 })
      const gates = yield* makeGates(3)
      const handles: Array<TaskHandle<void>> = []
      for (const [i, gate] of gates.entries()) handles.push(yield* pool.submit({ id: `g${i}`, execute: gate.execute }))
      yield* Effect.forEach(gates, (gate) => gate.awaitStarted)
      const log = startLog()
      const queued = yield* pool.submit({ id: "queued", execute: log.execute("queued") })
      yield* pool.resize(1)
      expect(yield* pool.metrics).toMatchObject({ running: 3, queued: 1, workers: 1 })
      yield* gates[0]!.open
      yield* yieldMany()
      expect(log.started).toStrictEqual([])
      yield* gates[1]!.open
      yield* yieldMany()
      expect(log.started).toStrictEqual([])
      yield* gates[2]!.open
      yield* queued.await
      expect(log.started).toStrictEqual(["queued"])
      for (const handle of handles) expect(Exit.isSuccess((yield* handle.await).exit)).toBe(true)
      expect((yield* pool.metrics).tasksCancelled).toBe(0)
    }))

  it.scoped("never runs more tasks at once than the bound now, across grow and shrink under load", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 2, queueSize: 100 })
      let running = 0
      const peaks: Array<number> = []
      const handles: Array<TaskHandle<void>> = []
      for (let i = 0; i < 30; i++) {
        handles.push(yield* pool.submit({
          id: `t${i}`,
          execute: Effect.acquireUseRelease(
            Effect.sync(() => void running++),
            () => Effect.sleep("100 millis"),
            () => Effect.sync(() => void running--)
          )
        }))
      }
      const observe = (bound: number) =>
        Effect.gen(function*() {
          for (let step = 0; step < 3; step++) {
            yield* TestClock.adjust("100 millis")
            peaks.push(running)
            expect(running).toBeLessThanOrEqual(bound)
            expect((yield* pool.metrics).running).toBeLessThanOrEqual(bound)
          }
        })
      yield* observe(2)
      yield* pool.resize(5)
      yield* yieldMany()
      expect(running).toBe(5)
      yield* observe(5)
      yield* pool.resize(1)
      // the tasks running when it shrank finish; then one at a time
      yield* TestClock.adjust("100 millis")
      yield* observe(1)
      yield* TestClock.adjust("10 seconds")
      for (const handle of handles) expect(Exit.isSuccess((yield* handle.await).exit)).toBe(true)
      expect(Math.max(...peaks)).toBe(5)
    }))

  it.scoped("metrics.workers and the workerpool_workers gauge show the bound now; config.workers keeps the starting value", () =>
    Effect.gen(function*() {
      const name = uniqueName("resize")
      const pool = yield* makePool({ workers: 2, name })
      const gauge = Metric.gauge("workerpool_workers").pipe(Metric.tagged("pool", name))
      expect((yield* pool.metrics).workers).toBe(2)
      expect((yield* Metric.value(gauge)).value).toBe(2)
      yield* pool.resize(7)
      expect((yield* pool.metrics).workers).toBe(7)
      expect((yield* Metric.value(gauge)).value).toBe(7)
      yield* pool.resize(1)
      expect((yield* pool.metrics).workers).toBe(1)
      expect((yield* Metric.value(gauge)).value).toBe(1)
      expect(pool.config.workers).toBe(2)
    }))

  it.scoped.each([
    { title: "zero", workers: 0 },
    { title: "a negative number", workers: -2 },
    { title: "a fraction", workers: 1.5 },
    { title: "NaN", workers: NaN },
    { title: "Infinity", workers: Infinity },
    { title: "a string", workers: "4" }
  ])("resize to $title fails with PoolConfigError naming workers and the value, and changes nothing", ({ workers }) =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 2 })
      const exit = yield* Effect.exit(pool.resize(workers as number))
      const error = failureOf(exit)
      expect(error).toBeInstanceOf(PoolConfigError)
      expect(error).toMatchObject({ field: "workers" })
      expect(Object.is((error as PoolConfigError).value, workers)).toBe(true)
      expect((yield* pool.metrics).workers).toBe(2)
    }))
})

import { describe, expect, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Metric from "effect/Metric"
import * as TestClock from "effect/TestClock"
import {
  InvalidTaskError,
  Priority,
  type Task,
  type TaskResult,
  TaskTimeoutError
} from "../src/index.js"
import { failureOf, isDone, isInterruption, makeGate, makePool, uniqueName, yieldMany } from "./helpers.js"

/** A task that records whether it ever started and every call of its callback. */
const watched = (id: string, fields: Partial<Task<string>> = {}) => {
  const state = { started: false, startedAt: -1, callbacks: [] as Array<TaskResult<string>> }
  const task: Task<string> = {
    id,
    ...fields,
    execute: Effect.flatMap(Clock.currentTimeMillis, (now) => {
      state.started = true
      state.startedAt = now
      return fields.execute ?? Effect.succeed(id)
    }),
    callback: (result) => Effect.sync(() => void state.callbacks.push(result))
  }
  return { task, state }
}

const millisOf = (error: unknown) => Duration.toMillis((error as TaskTimeoutError).timeout)

describe("queue deadlines", () => {
  it.scoped("a task still queued at its queueTimeout settles then, not 1 ms earlier, with TaskTimeoutError phase queued, and never runs", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const hold = yield* makeGate
      yield* pool.submit({ id: "hold", execute: hold.execute })
      yield* hold.awaitStarted
      const w = watched("late", { queueTimeout: "2 seconds", priority: Priority.High })
      const handle = yield* pool.submit(w.task)
      const awaiting = yield* Effect.fork(handle.await)
      yield* TestClock.adjust("1999 millis")
      expect(yield* isDone(awaiting)).toBe(false)
      expect((yield* pool.metrics).queued).toBe(1)
      yield* TestClock.adjust("1 millis")
      const result = yield* Fiber.join(awaiting)
      const error = failureOf(result.exit)
      expect(error).toBeInstanceOf(TaskTimeoutError)
      expect(error).toMatchObject({ _tag: "TaskTimeoutError", taskId: "late", phase: "queued" })
      expect(millisOf(error)).toBe(2000)
      expect(Duration.toMillis(result.waitTime)).toBe(2000)
      expect(Duration.toMillis(result.duration)).toBe(0)
      expect(w.state.callbacks).toHaveLength(1)
      expect(w.state.callbacks[0]).toBe(result)
      expect((yield* pool.metrics).queued).toBe(0)
      // The worker frees up later: the expired task still never runs.
      yield* hold.open
      yield* yieldMany()
      expect(w.state.started).toBe(false)
      expect(w.state.callbacks).toHaveLength(1)
      const joined = yield* Effect.flip(handle.join)
      expect(joined).toMatchObject({ _tag: "TaskTimeoutError", phase: "queued" })
    }))

  it.scoped("a task that starts before its queue deadline runs to completion, untouched by it", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      yield* pool.submit({ id: "hog", execute: Effect.sleep("999 millis") })
      const w = watched("in-time", { queueTimeout: "1 second", execute: Effect.as(Effect.sleep("5 seconds"), "done") })
      const handle = yield* pool.submit(w.task)
      yield* TestClock.adjust("999 millis")
      expect(w.state.startedAt).toBe(999)
      yield* TestClock.adjust("5 seconds")
      const result = yield* handle.await
      expect(result.exit).toStrictEqual(Exit.succeed("done"))
      expect(w.state.callbacks).toHaveLength(1)
      expect((yield* pool.metrics).tasksExpired).toBe(0)
    }))

  it.scoped("a task that can start at once is never subject to its queue deadline", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1, queueTimeout: 0 })
      const handle = yield* pool.submit({ id: "starts-now", execute: Effect.as(Effect.sleep("1 second"), 1) })
      yield* TestClock.adjust("1 second")
      expect(yield* handle.join).toBe(1)
    }))

  it.scoped("the pool's queueTimeout applies to tasks that name none; task.queueTimeout overrides it either way", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1, queueTimeout: "1 second" })
      const hold = yield* makeGate
      yield* pool.submit({ id: "hold", execute: hold.execute })
      yield* hold.awaitStarted
      const byDefault = yield* pool.submit(watched("default").task)
      const shorter = yield* pool.submit(watched("shorter", { queueTimeout: 500 }).task)
      const longer = yield* pool.submit(watched("longer", { queueTimeout: "3 seconds" }).task)
      const unbounded = yield* pool.submit(watched("unbounded", { queueTimeout: Infinity }).task)
      const settledAt = new Map<string, number>()
      for (const handle of [byDefault, shorter, longer, unbounded]) {
        yield* Effect.fork(
          Effect.flatMap(handle.await, () =>
            Effect.map(Clock.currentTimeMillis, (now) => void settledAt.set(handle.taskId, now)))
        )
      }
      yield* TestClock.adjust("10 seconds")
      expect(Object.fromEntries(settledAt)).toStrictEqual({ shorter: 500, default: 1000, longer: 3000 })
      expect(millisOf(failureOf((yield* shorter.await).exit))).toBe(500)
      expect(millisOf(failureOf((yield* byDefault.await).exit))).toBe(1000)
      expect(millisOf(failureOf((yield* longer.await).exit))).toBe(3000)
      expect((yield* pool.metrics).queued).toBe(1)
      yield* hold.open
      expect(yield* unbounded.join).toBe("unbounded")
    }))

  it.scoped("the deadline counts from acceptance, not from when a submitter began waiting for room", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1, queueSize: 1 })
      const hold = yield* makeGate
      yield* pool.submit({ id: "hold", execute: hold.execute })
      yield* hold.awaitStarted
      const filler = yield* pool.submit({ id: "filler", execute: Effect.void })
      const waiting = yield* Effect.fork(pool.submit(watched("waiter", { queueTimeout: "1 second" }).task))
      yield* TestClock.adjust("500 millis")
      expect(yield* isDone(waiting)).toBe(false)
      yield* filler.cancel
      const handle = yield* Fiber.join(waiting)
      const awaiting = yield* Effect.fork(handle.await)
      yield* TestClock.adjust("999 millis")
      expect(yield* isDone(awaiting)).toBe(false)
      yield* TestClock.adjust("1 millis")
      const result = yield* Fiber.join(awaiting)
      expect(failureOf(result.exit)).toMatchObject({ phase: "queued" })
      expect(Duration.toMillis(result.waitTime)).toBe(1000)
      yield* hold.open
    }))

  it.scoped("an expired task frees its queue slot for a submitter waiting for room", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1, queueSize: 1 })
      const hold = yield* makeGate
      yield* pool.submit({ id: "hold", execute: hold.execute })
      yield* hold.awaitStarted
      yield* pool.submit(watched("expires", { queueTimeout: "1 second" }).task)
      const waiting = yield* Effect.fork(pool.submit({ id: "waiter", execute: Effect.succeed("ran") }))
      yield* TestClock.adjust("999 millis")
      expect(yield* isDone(waiting)).toBe(false)
      yield* TestClock.adjust("1 millis")
      const handle = yield* Fiber.join(waiting)
      yield* hold.open
      expect(yield* handle.join).toBe("ran")
    }))

  it.scoped("a queueTimeout of 0 expires a task that cannot start at once, without moving the clock", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const hold = yield* makeGate
      yield* pool.submit({ id: "hold", execute: hold.execute })
      yield* hold.awaitStarted
      const w = watched("zero", { queueTimeout: 0 })
      const handle = yield* pool.submit(w.task)
      const result = yield* handle.await
      expect(failureOf(result.exit)).toMatchObject({ _tag: "TaskTimeoutError", phase: "queued" })
      expect(millisOf(failureOf(result.exit))).toBe(0)
      expect(w.state.started).toBe(false)
      yield* hold.open
    }))

  it.scoped("cancelling a queued task disarms its deadline: it settles once, as cancelled, and is not counted expired", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const hold = yield* makeGate
      yield* pool.submit({ id: "hold", execute: hold.execute })
      yield* hold.awaitStarted
      const w = watched("cancelled", { queueTimeout: "1 second" })
      const handle = yield* pool.submit(w.task)
      yield* TestClock.adjust("500 millis")
      yield* handle.cancel
      yield* TestClock.adjust("1 second")
      expect(isInterruption((yield* handle.await).exit)).toBe(true)
      expect(w.state.callbacks).toHaveLength(1)
      const metrics = yield* pool.metrics
      expect(metrics.tasksExpired).toBe(0)
      expect(metrics.tasksCancelled).toBe(1)
      yield* hold.open
    }))

  it.scoped("a running-time timeout says phase running", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const handle = yield* pool.submit({ id: "slow", timeout: "1 second", queueTimeout: "5 seconds", execute: Effect.never })
      yield* TestClock.adjust("1 second")
      const error = failureOf((yield* handle.await).exit)
      expect(error).toBeInstanceOf(TaskTimeoutError)
      expect(error).toMatchObject({ phase: "running" })
      expect(millisOf(error)).toBe(1000)
      expect((yield* pool.metrics).tasksExpired).toBe(0)
    }))

  it.scoped.each([
    { title: "a negative queueTimeout", queueTimeout: -1 },
    { title: "a NaN queueTimeout", queueTimeout: NaN },
    { title: "an unreadable queueTimeout", queueTimeout: "later" }
  ])("a task with $title is refused with InvalidTaskError naming queueTimeout", ({ queueTimeout }) =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const exit = yield* Effect.exit(
        pool.submit({ id: "bad", execute: Effect.void, queueTimeout } as unknown as Task<void>)
      )
      expect(failureOf(exit)).toBeInstanceOf(InvalidTaskError)
      expect(failureOf(exit)).toMatchObject({ field: "queueTimeout", taskId: "bad" })
    }))
})

describe("queue deadlines in metrics", () => {
  it.scoped("an expired task counts as expired, failed and timed out, and in workerpool_tasks_expired by priority", () =>
    Effect.gen(function*() {
      const name = uniqueName("expired")
      const pool = yield* makePool({ workers: 1, name })
      const expired = (priority: "low" | "normal" | "high" | "critical") =>
        Effect.map(
          Metric.value(
            Metric.counter("workerpool_tasks_expired", { incremental: true }).pipe(
              Metric.tagged("pool", name),
              Metric.tagged("priority", priority)
            )
          ),
          (state) => state.count
        )
      const hold = yield* makeGate
      yield* pool.submit({ id: "hold", execute: hold.execute })
      yield* hold.awaitStarted
      yield* pool.submit({ id: "low-1", priority: Priority.Low, queueTimeout: 100, execute: Effect.void })
      yield* pool.submit({ id: "low-2", priority: Priority.Low, queueTimeout: 200, execute: Effect.void })
      yield* pool.submit({ id: "high-1", priority: Priority.High, queueTimeout: 300, execute: Effect.void })
      const survivor = yield* pool.submit({ id: "survivor", execute: Effect.void })
      yield* TestClock.adjust("300 millis")
      yield* hold.open
      yield* survivor.join
      const metrics = yield* pool.metrics
      expect(metrics).toMatchObject({
        tasksSubmitted: 5,
        tasksCompleted: 2,
        tasksExpired: 3,
        tasksFailed: 3,
        tasksTimedOut: 3,
        tasksCancelled: 0,
        queued: 0,
        running: 0
      })
      expect(metrics.tasksSubmitted).toBe(metrics.tasksCompleted + metrics.tasksFailed + metrics.tasksCancelled)
      expect(yield* expired("low")).toBe(2)
      expect(yield* expired("high")).toBe(1)
      expect(yield* expired("normal")).toBe(0)
      expect(yield* expired("critical")).toBe(0)
    }))
})

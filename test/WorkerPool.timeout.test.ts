import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import { TaskTimeoutError, WorkerPool } from "../src/index.js"
import { failureOf, isDone } from "./helpers.js"

describe("task timeouts", () => {
  it.scoped("a task running past its timeout is interrupted and settles with TaskTimeoutError", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      let interrupted = false
      const handle = yield* pool.submit({
        id: "slow",
        timeout: "2 seconds",
        execute: Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => (interrupted = true))))
      })
      const awaiting = yield* Effect.fork(handle.await)
      yield* TestClock.adjust("1999 millis")
      expect(yield* isDone(awaiting)).toBe(false)
      expect(interrupted).toBe(false)
      yield* TestClock.adjust("1 millis")
      const result = yield* Fiber.join(awaiting)
      expect(interrupted).toBe(true)
      const error = failureOf(result.exit)
      expect(error).toBeInstanceOf(TaskTimeoutError)
      expect(error).toMatchObject({ _tag: "TaskTimeoutError", taskId: "slow" })
      expect(Duration.toMillis((error as TaskTimeoutError).timeout)).toBe(2000)
      expect(Duration.toMillis(result.duration)).toBe(2000)
      expect((yield* pool.metrics).tasksFailed).toBe(1)
    }))

  it.scoped("a task that finishes before its timeout succeeds", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const fiber = yield* Effect.fork(
        pool.run({ id: "quick", timeout: "2 seconds", execute: Effect.as(Effect.sleep("1999 millis"), "in time") })
      )
      yield* TestClock.adjust("2 seconds")
      expect(yield* Fiber.join(fiber)).toBe("in time")
    }))

  it.scoped("the task settles only once its finalizers have run", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      let finalized = false
      const handle = yield* pool.submit({
        id: "slow-finalizer",
        timeout: "1 second",
        execute: Effect.never.pipe(
          Effect.ensuring(Effect.zipRight(Effect.sleep("3 seconds"), Effect.sync(() => (finalized = true))))
        )
      })
      const joining = yield* Effect.fork(Effect.either(handle.join))
      yield* TestClock.adjust("1 second")
      expect(yield* isDone(joining)).toBe(false)
      yield* TestClock.adjust("2 seconds")
      expect(yield* isDone(joining)).toBe(false)
      expect(finalized).toBe(false)
      yield* TestClock.adjust("1 second")
      const outcome = yield* Fiber.join(joining)
      expect(finalized).toBe(true)
      expect(outcome._tag).toBe("Left")
      expect(outcome._tag === "Left" ? outcome.left._tag : undefined).toBe("TaskTimeoutError")
    }))

  it.scoped("the timeout counts from the moment the task starts, not from its submission", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      yield* pool.submit({ id: "hog", execute: Effect.sleep("10 seconds") })
      const handle = yield* pool.submit({
        id: "patient",
        timeout: "2 seconds",
        execute: Effect.as(Effect.sleep("1500 millis"), "finished")
      })
      yield* TestClock.adjust("10 seconds")
      const awaiting = yield* Effect.fork(handle.await)
      yield* TestClock.adjust("1 second")
      expect(yield* isDone(awaiting)).toBe(false)
      yield* TestClock.adjust("500 millis")
      const result = yield* Fiber.join(awaiting)
      expect(result.exit).toStrictEqual(Exit.succeed("finished"))
      expect(Duration.toMillis(result.waitTime)).toBe(10_000)
      expect(Duration.toMillis(result.duration)).toBe(1500)
    }))

  it.scoped("a task that waited longer than its timeout still gets its full timeout once running", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      yield* pool.submit({ id: "hog", execute: Effect.sleep("5 seconds") })
      const handle = yield* pool.submit({ id: "late", timeout: "1 second", execute: Effect.never })
      yield* TestClock.adjust("5 seconds")
      const awaiting = yield* Effect.fork(handle.await)
      yield* TestClock.adjust("999 millis")
      expect(yield* isDone(awaiting)).toBe(false)
      yield* TestClock.adjust("1 millis")
      const result = yield* Fiber.join(awaiting)
      expect(failureOf(result.exit)).toBeInstanceOf(TaskTimeoutError)
      expect(Duration.toMillis(result.duration)).toBe(1000)
      expect(Duration.toMillis(result.waitTime)).toBe(5000)
    }))

  it.scoped("the pool's taskTimeout applies to tasks that name none", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1, taskTimeout: "1 second" })
      const handle = yield* pool.submit({ id: "default-timeout", execute: Effect.never })
      yield* TestClock.adjust("1 second")
      const error = failureOf((yield* handle.await).exit)
      expect(error).toBeInstanceOf(TaskTimeoutError)
      expect(Duration.toMillis((error as TaskTimeoutError).timeout)).toBe(1000)
    }))

  it.scoped("a task's own timeout overrides the pool's taskTimeout", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 2, taskTimeout: "1 second" })
      const longer = yield* pool.submit({ id: "longer", timeout: "5 seconds", execute: Effect.as(Effect.sleep("3 seconds"), 1) })
      const shorter = yield* pool.submit({ id: "shorter", timeout: 500, execute: Effect.as(Effect.sleep("800 millis"), 2) })
      yield* TestClock.adjust("500 millis")
      const shortResult = yield* shorter.await
      expect(Duration.toMillis((failureOf(shortResult.exit) as TaskTimeoutError).timeout)).toBe(500)
      yield* TestClock.adjust("2500 millis")
      expect((yield* longer.await).exit).toStrictEqual(Exit.succeed(1))
    }))

  it.scoped("a task with an Infinity timeout has no time limit even when the pool has one", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1, taskTimeout: "1 second" })
      const handle = yield* pool.submit({
        id: "unbounded",
        timeout: Duration.infinity,
        execute: Effect.as(Effect.sleep("1 hour"), "eventually")
      })
      yield* TestClock.adjust("1 hour")
      expect((yield* handle.await).exit).toStrictEqual(Exit.succeed("eventually"))
    }))

  it.scoped("a timed-out task does not stop the worker: the next task runs", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const timedOut = yield* pool.submit({ id: "times-out", timeout: "1 second", execute: Effect.never })
      const next = yield* pool.submit({ id: "next", execute: Effect.as(Effect.sleep("1 second"), "next ok") })
      yield* TestClock.adjust("2 seconds")
      expect(failureOf((yield* timedOut.await).exit)).toBeInstanceOf(TaskTimeoutError)
      expect(yield* next.join).toBe("next ok")
    }))
})

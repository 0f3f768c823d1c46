/**
 * `callbackTimeout`: a callback still running then is interrupted and
 * counted in `callbackFailures`, so that a stuck callback cannot hold a
 * worker, a `cancel` or a shutdown.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import { PoolConfigError, WorkerPool } from "../src/index.js"
import { failureOf, isDone, isInterruption, makeGate, makePool, yieldMany } from "./helpers.js"

describe("callbackTimeout", () => {
  it.scoped("by default a callback still running after 10 seconds is interrupted and counted; the result is unchanged and the worker goes on", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      expect(Duration.toMillis(pool.config.callbackTimeout!)).toBe(10_000)
      let interrupted = false
      const stuck = yield* pool.submit({
        id: "stuck-callback",
        execute: Effect.succeed("value"),
        callback: () => Effect.onInterrupt(Effect.never, () => Effect.sync(() => void (interrupted = true)))
      })
      let nextStartedAt = -1
      const next = yield* pool.submit({
        id: "next",
        execute: Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sync(() => void (nextStartedAt = now)))
      })
      const awaiting = yield* Effect.fork(stuck.await)
      yield* TestClock.adjust("9999 millis")
      expect(yield* isDone(awaiting)).toBe(false)
      expect((yield* pool.metrics).callbackFailures).toBe(0)
      yield* TestClock.adjust("1 millis")
      const result = yield* Fiber.join(awaiting)
      expect(result.exit).toStrictEqual(Exit.succeed("value"))
      expect(interrupted).toBe(true)
      yield* next.await
      expect(nextStartedAt).toBe(10_000)
      expect(yield* pool.metrics).toMatchObject({ callbackFailures: 1, tasksCompleted: 2, running: 0 })
    }))

  it.scoped("the pool's callbackTimeout sets the limit; a callback that ends in time is not counted", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 2, callbackTimeout: "1 second" })
      const inTime = yield* pool.submit({ id: "in-time", execute: Effect.void, callback: () => Effect.sleep("999 millis") })
      const late = yield* pool.submit({ id: "late", execute: Effect.void, callback: () => Effect.sleep("1001 millis") })
      yield* TestClock.adjust("999 millis")
      expect(Exit.isSuccess((yield* inTime.await).exit)).toBe(true)
      expect((yield* pool.metrics).callbackFailures).toBe(0)
      const awaitingLate = yield* Effect.fork(late.await)
      expect(yield* isDone(awaitingLate)).toBe(false)
      yield* TestClock.adjust("1 millis")
      expect(yield* isDone(awaitingLate)).toBe(true)
      expect((yield* pool.metrics).callbackFailures).toBe(1)
    }))

  it.scoped("Infinity lets a callback run as long as it takes", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1, callbackTimeout: Infinity })
      expect(pool.config.callbackTimeout).toBeUndefined()
      let finished = false
      const handle = yield* pool.submit({
        id: "long-callback",
        execute: Effect.void,
        callback: () => Effect.zipRight(Effect.sleep("1 hour"), Effect.sync(() => void (finished = true)))
      })
      const awaiting = yield* Effect.fork(handle.await)
      yield* TestClock.adjust("59 minutes")
      expect(yield* isDone(awaiting)).toBe(false)
      yield* TestClock.adjust("1 minute")
      yield* Fiber.join(awaiting)
      expect(finished).toBe(true)
      expect((yield* pool.metrics).callbackFailures).toBe(0)
    }))

  it.scoped("a stuck callback holds a cancel no longer than callbackTimeout", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1, callbackTimeout: "1 second" })
      const gate = yield* makeGate
      const handle = yield* pool.submit({ id: "cancelled", execute: gate.execute, callback: () => Effect.never })
      yield* gate.awaitStarted
      const cancelling = yield* Effect.fork(pool.cancel("cancelled"))
      yield* TestClock.adjust("999 millis")
      expect(yield* isDone(cancelling)).toBe(false)
      yield* TestClock.adjust("1 millis")
      expect(yield* Fiber.join(cancelling)).toBe(true)
      expect(isInterruption((yield* handle.await).exit)).toBe(true)
      expect((yield* pool.metrics).callbackFailures).toBe(1)
    }))

  it.scoped("a stuck callback holds a shutdown no longer than callbackTimeout", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1, callbackTimeout: "1 second", shutdownTimeout: "1 minute" })
      yield* pool.submit({ id: "stuck", execute: Effect.void, callback: () => Effect.never })
      yield* yieldMany()
      const shutdown = yield* Effect.fork(pool.shutdown)
      yield* TestClock.adjust("999 millis")
      expect(yield* isDone(shutdown)).toBe(false)
      yield* TestClock.adjust("1 millis")
      expect(yield* isDone(shutdown)).toBe(true)
      expect((yield* pool.metrics).callbackFailures).toBe(1)
    }))

  it.effect.each([
    { title: "a negative duration", callbackTimeout: -1 },
    { title: "NaN", callbackTimeout: NaN },
    { title: "an unreadable duration", callbackTimeout: "soon" }
  ])("$title is refused with PoolConfigError naming callbackTimeout and the value", ({ callbackTimeout }) =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Effect.scoped(WorkerPool.make({ callbackTimeout } as never)))
      expect(failureOf(exit)).toBeInstanceOf(PoolConfigError)
      expect(failureOf(exit)).toMatchObject({ field: "callbackTimeout" })
      expect(Object.is((failureOf(exit) as PoolConfigError).value, callbackTimeout)).toBe(true)
    }))
})

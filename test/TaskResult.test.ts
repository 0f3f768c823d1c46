/**
 * `TaskResult.isSuccess` and `TaskResult.isFailure` at run time: they tell
 * every kind of outcome apart, split a batch into two complementary parts,
 * and the narrowed results hold what their types promise (`exit.value`,
 * `exit.cause`). The narrowing itself is checked in `types.test.ts`.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import {
  PoolShutdownError,
  Priority,
  QueueFullError,
  type Task,
  TaskResult,
  TaskTimeoutError
} from "../src/index.js"
import { failureOf, isInterruption, makeGate, makePool, yieldMany } from "./helpers.js"

class Boom extends Data.TaggedError("Boom")<{ readonly n: number }> {}

/** Even tasks succeed with their number, odd ones fail with `Boom`. */
const evenOrBoom = (n: number): Task<number, Boom> => ({
  id: `t${n}`,
  execute: n % 2 === 0 ? Effect.succeed(n) : Effect.fail(new Boom({ n }))
})

describe("TaskResult.isSuccess / isFailure", () => {
  it.scoped("tell every outcome apart: success, typed failure, defect, timeout, cancellation", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 4 })
      const ok = yield* pool.submit({ id: "ok", execute: Effect.succeed("fine") })
      const failed = yield* pool.submit({ id: "failed", execute: Effect.fail(new Boom({ n: 1 })) })
      const died = yield* pool.submit({ id: "died", execute: Effect.die("bug") })
      const slow = yield* pool.submit({ id: "slow", execute: Effect.never, timeout: "1 second" })
      const cancelled = yield* pool.submit({ id: "cancelled", execute: Effect.never })
      yield* yieldMany()
      yield* cancelled.cancel
      yield* TestClock.adjust("1 second")

      const okResult = yield* ok.await
      expect(TaskResult.isSuccess(okResult)).toBe(true)
      expect(TaskResult.isFailure(okResult)).toBe(false)
      if (TaskResult.isSuccess(okResult)) expect(okResult.exit.value).toBe("fine")

      for (const handle of [failed, died, slow, cancelled]) {
        const result = yield* handle.await
        expect(TaskResult.isSuccess(result)).toBe(false)
        expect(TaskResult.isFailure(result)).toBe(true)
      }
      expect(failureOf((yield* failed.await).exit)).toStrictEqual(new Boom({ n: 1 }))
      const diedResult = yield* died.await
      if (TaskResult.isFailure(diedResult)) expect(Cause.squash(diedResult.exit.cause)).toBe("bug")
      const slowResult = yield* slow.await
      if (TaskResult.isFailure(slowResult)) {
        expect(Cause.squash(slowResult.exit.cause)).toBeInstanceOf(TaskTimeoutError)
      }
      expect(isInterruption((yield* cancelled.await).exit)).toBe(true)
    }))

  it.scoped("Array.filter splits runAll's results into complementary parts, in input order", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 3 })
      const results = yield* pool.runAll(Array.from({ length: 10 }, (_, n) => evenOrBoom(n)))

      const succeeded = results.filter(TaskResult.isSuccess)
      const failed = results.filter(TaskResult.isFailure)
      expect(succeeded.map((result) => result.exit.value)).toStrictEqual([0, 2, 4, 6, 8])
      expect(succeeded.map((result) => result.taskId)).toStrictEqual(["t0", "t2", "t4", "t6", "t8"])
      expect(failed.map((result) => result.taskId)).toStrictEqual(["t1", "t3", "t5", "t7", "t9"])
      expect(failed.map((result) => Cause.squash(result.exit.cause))).toStrictEqual(
        [1, 3, 5, 7, 9].map((n) => new Boom({ n }))
      )
      expect(succeeded.length + failed.length).toBe(results.length)
      // the narrowed results are the results themselves, not copies
      expect(succeeded[0]).toBe(results[0])
    }))

  it.scoped("Stream.filter narrows submitBatch's results", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 4, queueSize: 2 })
      const tasks = () => Array.from({ length: 20 }, (_, n) => evenOrBoom(n))

      const total = yield* pool.submitBatch(tasks()).pipe(
        Stream.filter(TaskResult.isSuccess),
        Stream.runFold(0, (sum, result) => sum + result.exit.value)
      )
      expect(total).toBe(0 + 2 + 4 + 6 + 8 + 10 + 12 + 14 + 16 + 18)

      const boomed = yield* pool.submitBatch(tasks()).pipe(
        Stream.filter(TaskResult.isFailure),
        Stream.map((result) => Cause.squash(result.exit.cause) as Boom),
        Stream.runCollect
      )
      expect(Chunk.toArray(boomed).map((boom) => boom.n).sort((a, b) => a - b)).toStrictEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19])
    }))

  it.scoped("a task evicted from the queue is a failure holding QueueFullError (evicted), zero duration", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1, queueSize: 1, overflow: "evict-lowest" })
      const hold = yield* makeGate
      yield* pool.submit({ id: "hold", execute: hold.execute })
      yield* hold.awaitStarted
      const victim = yield* pool.submit({ id: "victim", execute: Effect.succeed(1), priority: Priority.Low })
      yield* TestClock.adjust("3 seconds")
      yield* pool.submit({ id: "winner", execute: Effect.succeed(2), priority: Priority.High })
      const result = yield* victim.await
      expect(TaskResult.isFailure(result)).toBe(true)
      if (!TaskResult.isFailure(result)) return
      const error = failureOf(result.exit)
      expect(error).toBeInstanceOf(QueueFullError)
      expect(error).toMatchObject({ taskId: "victim", evicted: true })
      expect(result.priority).toBe(Priority.Low)
      expect(Duration.toMillis(result.duration)).toBe(0)
      expect(Duration.toMillis(result.waitTime)).toBe(3000)
      yield* hold.open
    }))

  it.scoped("a task settled by shutdown is a failure holding PoolShutdownError", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1, shutdownTimeout: "1 second" })
      const hold = yield* makeGate
      yield* pool.submit({ id: "hold", execute: hold.execute })
      yield* hold.awaitStarted
      const queued = yield* pool.submit({ id: "queued", execute: Effect.succeed(1) })
      const shutdown = yield* Effect.fork(pool.shutdown)
      yield* yieldMany()
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(shutdown)
      const result = yield* queued.await
      expect(TaskResult.isSuccess(result)).toBe(false)
      expect(TaskResult.isFailure(result) && failureOf(result.exit)).toBeInstanceOf(PoolShutdownError)
    }))

  it("work on results made by hand", () => {
    const base = { priority: Priority.Normal, duration: Duration.millis(5), waitTime: Duration.zero, attempts: 1 }
    const results: ReadonlyArray<TaskResult<string, Boom>> = [
      { ...base, taskId: "a", exit: Exit.succeed("x") },
      { ...base, taskId: "b", exit: Exit.fail(new Boom({ n: 2 })) },
      { ...base, taskId: "c", exit: Exit.die("defect") },
      { ...base, taskId: "d", exit: Exit.succeed("y") }
    ]
    expect(results.filter(TaskResult.isSuccess).map((result) => result.exit.value)).toStrictEqual(["x", "y"])
    expect(results.filter(TaskResult.isFailure).map((result) => result.taskId)).toStrictEqual(["b", "c"])
    for (const result of results) {
      expect(TaskResult.isSuccess(result)).toBe(Exit.isSuccess(result.exit))
      expect(TaskResult.isFailure(result)).toBe(!TaskResult.isSuccess(result))
    }
  })
})

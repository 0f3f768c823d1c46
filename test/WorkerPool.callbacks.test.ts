import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as TestClock from "effect/TestClock"
import { PoolShutdownError, type Task, type TaskResult, TaskTimeoutError, WorkerPool } from "../src/index.js"
import { failureOf, isDone, isInterruption, makeGate, yieldMany } from "./helpers.js"

/** Records every call of a callback, after a suspension (so that a late settle would show). */
const recordingCallback = <A, E>() => {
  const calls: Array<TaskResult<A, E>> = []
  let finished = 0
  const callback = (result: TaskResult<A, E>) =>
    Effect.gen(function*() {
      calls.push(result)
      yield* Effect.yieldNow()
      finished++
    })
  return {
    calls,
    get finished() {
      return finished
    },
    callback
  }
}

describe("callbacks run exactly once with the task's result, before await resolves", () => {
  it.scoped("on success", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const rec = recordingCallback<number, never>()
      const handle = yield* pool.submit({ id: "ok", execute: Effect.succeed(1), callback: rec.callback })
      const result = yield* handle.await
      expect(rec.calls).toHaveLength(1)
      expect(rec.finished).toBe(1)
      expect(rec.calls[0]).toBe(result)
      expect(rec.calls[0]!.exit).toStrictEqual(Exit.succeed(1))
    }))

  it.scoped("await waits for a slow callback to finish", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      let callbackDone = false
      const handle = yield* pool.submit({
        id: "slow-callback",
        execute: Effect.succeed(1),
        callback: () => Effect.zipRight(Effect.sleep("1 second"), Effect.sync(() => (callbackDone = true)))
      })
      const awaiting = yield* Effect.fork(handle.await)
      expect(yield* isDone(awaiting)).toBe(false)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(awaiting)
      expect(callbackDone).toBe(true)
    }))

  it.scoped("on a typed failure", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const rec = recordingCallback<never, string>()
      const handle = yield* pool.submit({ id: "fails", execute: Effect.fail("bad"), callback: rec.callback })
      const result = yield* handle.await
      expect(rec.calls).toHaveLength(1)
      expect(rec.finished).toBe(1)
      expect(rec.calls[0]).toBe(result)
      expect(failureOf(rec.calls[0]!.exit)).toBe("bad")
    }))

  it.scoped("on a timeout", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const rec = recordingCallback<never, never>()
      const handle = yield* pool.submit({
        id: "times-out",
        timeout: "1 second",
        execute: Effect.never,
        callback: rec.callback
      })
      const awaiting = yield* Effect.fork(handle.await)
      yield* TestClock.adjust("1 second")
      const result = yield* Fiber.join(awaiting)
      expect(rec.calls).toHaveLength(1)
      expect(rec.finished).toBe(1)
      expect(rec.calls[0]).toBe(result)
      expect(failureOf(rec.calls[0]!.exit)).toBeInstanceOf(TaskTimeoutError)
    }))

  it.scoped("when cancelled while queued", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const gate = yield* makeGate
      const rec = recordingCallback<void, never>()
      yield* pool.submit({ id: "blocker", execute: gate.execute })
      yield* gate.awaitStarted
      const handle = yield* pool.submit({ id: "queued", execute: Effect.void, callback: rec.callback })
      yield* handle.cancel
      expect(rec.calls).toHaveLength(1)
      expect(rec.finished).toBe(1)
      expect(isInterruption(rec.calls[0]!.exit)).toBe(true)
      expect(rec.calls[0]).toBe(yield* handle.await)
      yield* gate.open
      yield* yieldMany()
      expect(rec.calls).toHaveLength(1)
    }))

  it.scoped("when cancelled while running", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const gate = yield* makeGate
      const rec = recordingCallback<void, never>()
      const handle = yield* pool.submit({
        id: "running",
        execute: Effect.zipRight(gate.execute, Effect.never),
        callback: rec.callback
      })
      yield* gate.awaitStarted
      yield* handle.cancel
      expect(rec.calls).toHaveLength(1)
      expect(rec.finished).toBe(1)
      expect(isInterruption(rec.calls[0]!.exit)).toBe(true)
      expect(rec.calls[0]).toBe(yield* handle.await)
      yield* yieldMany()
      expect(rec.calls).toHaveLength(1)
    }))

  it.scoped("when settled by shutdown: queued tasks that run while draining", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1, shutdownTimeout: "10 seconds" })
      const rec = recordingCallback<string, never>()
      const running = yield* pool.submit({
        id: "running",
        execute: Effect.as(Effect.sleep("1 second"), "r"),
        callback: rec.callback
      })
      const queued = yield* pool.submit({ id: "queued", execute: Effect.succeed("q"), callback: rec.callback })
      const shutdown = yield* Effect.fork(pool.shutdown)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(shutdown)
      expect(rec.calls.map((r) => r.taskId)).toStrictEqual(["running", "queued"])
      expect(rec.finished).toBe(2)
      expect(rec.calls[0]).toBe(yield* running.await)
      expect(rec.calls[1]).toBe(yield* queued.await)
    }))

  it.scoped("when settled by shutdown at the deadline: running and still-queued tasks", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1, shutdownTimeout: "2 seconds" })
      const calls: Array<TaskResult<unknown, unknown>> = []
      const callback = (result: TaskResult<unknown, unknown>) => Effect.sync(() => calls.push(result))
      const running: Task<unknown, unknown> = { id: "running", execute: Effect.never, callback }
      const queued: Task<unknown, unknown> = { id: "queued", execute: Effect.void, callback }
      const runningHandle = yield* pool.submit(running)
      const queuedHandle = yield* pool.submit(queued)
      const shutdown = yield* Effect.fork(pool.shutdown)
      yield* TestClock.adjust("2 seconds")
      yield* Fiber.join(shutdown)
      expect(calls.map((r) => r.taskId).sort()).toStrictEqual(["queued", "running"])
      const byId = new Map(calls.map((r) => [r.taskId, r]))
      expect(isInterruption(byId.get("running")!.exit)).toBe(true)
      expect(failureOf(byId.get("queued")!.exit)).toBeInstanceOf(PoolShutdownError)
      expect(byId.get("running")).toBe(yield* runningHandle.await)
      expect(byId.get("queued")).toBe(yield* queuedHandle.await)
    }))
})

describe("a callback that goes wrong", () => {
  const captureLogs = () => {
    const messages: Array<{ level: LogLevel.LogLevel; message: unknown }> = []
    const logger = Logger.make(({ logLevel, message }) => {
      messages.push({ level: logLevel, message })
    })
    return { messages, layer: Logger.add(logger) }
  }

  it.scoped("is counted, logged, and changes neither the result nor the worker", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const logs = captureLogs()
      const handles = yield* Effect.all([
        pool.submit({ id: "cb-fails", execute: Effect.succeed(1), callback: () => Effect.fail("callback failed") }),
        pool.submit({ id: "cb-dies", execute: Effect.succeed(2), callback: () => Effect.die("callback died") }),
        pool.submit({
          id: "cb-throws",
          execute: Effect.succeed(3),
          callback: () => {
            throw new Error("callback threw")
          }
        }),
        pool.submit({ id: "after", execute: Effect.succeed(4) })
      ]).pipe(Effect.provide(logs.layer))
      const results = yield* Effect.forEach(handles, (handle) => handle.await)
      expect(results.map((r) => r.exit)).toStrictEqual([1, 2, 3, 4].map((n) => Exit.succeed(n)))
      const metrics = yield* pool.metrics
      expect(metrics.callbackFailures).toBe(3)
      expect(metrics.tasksCompleted).toBe(4)
      expect(metrics.tasksFailed).toBe(0)
      const logged = logs.messages.map((m) => JSON.stringify(m.message))
      for (const id of ["cb-fails", "cb-dies", "cb-throws"]) {
        expect(logged.some((text) => text.includes(id))).toBe(true)
      }
      expect(logged.some((text) => text.includes("after"))).toBe(false)
    }))

  it.scoped("does not change a failed task's result", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const handle = yield* pool.submit({
        id: "both-fail",
        execute: Effect.fail("task error"),
        callback: () => Effect.fail("callback error")
      })
      expect(yield* Effect.flip(handle.join)).toBe("task error")
      expect((yield* pool.metrics).callbackFailures).toBe(1)
    }))

  it.scoped("is counted when the task was cancelled while running", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const gate = yield* makeGate
      const handle = yield* pool.submit({
        id: "cancelled",
        execute: Effect.zipRight(gate.execute, Effect.never),
        callback: () => {
          throw new Error("boom")
        }
      })
      yield* gate.awaitStarted
      yield* handle.cancel
      expect(isInterruption((yield* handle.await).exit)).toBe(true)
      expect((yield* pool.metrics).callbackFailures).toBe(1)
      expect(yield* pool.run({ id: "next", execute: Effect.succeed("next") })).toBe("next")
    }))
})

/**
 * After the shutdown deadline, callbacks get a grace of a few scheduler turns
 * (no clock time): enough to log, record or signal. Only then are callbacks
 * still running cut off, so that shutdown cannot hang on one.
 */
describe("callbacks of tasks settled at the shutdown deadline", () => {
  it.scoped("run to completion and are not counted as failures", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1, shutdownTimeout: "1 second" })
      const rec = recordingCallback<unknown, unknown>()
      const running = yield* pool.submit<unknown, unknown, never>({
        id: "running",
        execute: Effect.never,
        callback: rec.callback
      })
      const queued = yield* pool.submit<unknown, unknown, never>({
        id: "queued",
        execute: Effect.void,
        callback: rec.callback
      })
      yield* yieldMany()
      const shutdown = yield* Effect.fork(pool.shutdown)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(shutdown)
      yield* running.await
      yield* queued.await
      expect(rec.calls).toHaveLength(2)
      expect(rec.finished).toBe(2)
      expect((yield* pool.metrics).callbackFailures).toBe(0)
    }))

  it.scoped("are cut off when they still wait after the grace, so shutdown ends without the clock moving", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1, shutdownTimeout: "1 second" })
      const handle = yield* pool.submit({
        id: "hangs-in-callback",
        execute: Effect.never,
        callback: () => Effect.never
      })
      yield* yieldMany()
      const shutdown = yield* Effect.fork(pool.shutdown)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(shutdown)
      expect(isInterruption((yield* handle.await).exit)).toBe(true)
      expect((yield* pool.metrics).callbackFailures).toBe(1)
    }))
})

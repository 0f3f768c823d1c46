import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { InvalidTaskError, PoolShutdownError, type Task, WorkerPool } from "../src/index.js"
import { failureOf, isDone, isInterruption, makeGate, yieldMany } from "./helpers.js"

const sleeper = (id: string, seconds: number): Task<string> => ({
  id,
  execute: Effect.as(Effect.sleep(`${seconds} seconds`), id)
})

describe("submitBatch", () => {
  it.scoped("emits the results in the order the tasks complete", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 3 })
      const collecting = yield* Effect.fork(
        Stream.runCollect(pool.submitBatch([sleeper("a", 3), sleeper("b", 1), sleeper("c", 2)]))
      )
      yield* TestClock.adjust("3 seconds")
      const results = Chunk.toReadonlyArray(yield* Fiber.join(collecting))
      expect(results.map((r) => r.taskId)).toStrictEqual(["b", "c", "a"])
      expect(results.map((r) => r.exit)).toStrictEqual(["b", "c", "a"].map((id) => Exit.succeed(id)))
    }))

  it.scoped("emits failed tasks as failed results", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 2 })
      const tasks: Array<Task<number, string>> = [
        { id: "ok", execute: Effect.succeed(1) },
        { id: "bad", execute: Effect.fail("bad") }
      ]
      const results = Chunk.toReadonlyArray(yield* Stream.runCollect(pool.submitBatch(tasks)))
      const byId = new Map(results.map((r) => [r.taskId, r]))
      expect(byId.get("ok")!.exit).toStrictEqual(Exit.succeed(1))
      expect(failureOf(byId.get("bad")!.exit)).toBe("bad")
    }))

  it.scoped("runs a batch far larger than the queue, holding at most workers + queueSize of its tasks", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 2, queueSize: 3 })
      let inFlight = 0
      let maxHeld = 0
      const observe = Effect.flatMap(pool.metrics, (m) =>
        Effect.sync(() => {
          maxHeld = Math.max(maxHeld, inFlight + m.queued)
        }))
      const tasks = Array.from({ length: 1000 }, (_, i): Task<number> => ({
        id: `t${i}`,
        execute: Effect.gen(function*() {
          inFlight++
          for (let step = 0; step < 10; step++) {
            yield* observe
            yield* Effect.yieldNow()
          }
          inFlight--
          return i
        })
      }))
      const results = Chunk.toReadonlyArray(yield* Stream.runCollect(pool.submitBatch(tasks)))
      expect(results).toHaveLength(1000)
      expect(new Set(results.map((r) => r.taskId)).size).toBe(1000)
      expect(results.every((r) => Exit.isSuccess(r.exit))).toBe(true)
      expect(maxHeld).toBeGreaterThan(2)
      expect(maxHeld).toBeLessThanOrEqual(5)
      const metrics = yield* pool.metrics
      expect(metrics.tasksSubmitted).toBe(1000)
      expect(metrics.tasksCompleted).toBe(1000)
    }))

  it.scoped("never holds more than workers + queueSize of its tasks, even while they are blocked", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 2, queueSize: 3 })
      const gate = yield* makeGate
      let started = 0
      const tasks = Array.from({ length: 20 }, (_, i): Task<number> => ({
        id: `t${i}`,
        execute: Effect.as(Effect.zipRight(Effect.sync(() => started++), gate.execute), i)
      }))
      const collecting = yield* Effect.fork(Stream.runCollect(pool.submitBatch(tasks)))
      yield* yieldMany()
      const metrics = yield* pool.metrics
      expect(metrics.running).toBe(2)
      expect(metrics.queued).toBe(3)
      expect(metrics.tasksSubmitted).toBe(5)
      expect(started).toBe(2)
      yield* gate.open
      expect(Chunk.size(yield* Fiber.join(collecting))).toBe(20)
    }))

  it.scoped("works with a lazy generator", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 2, queueSize: 1 })
      let generated = 0
      function* tasks(): Generator<Task<number>> {
        for (let i = 0; i < 50; i++) {
          generated++
          yield { id: `g${i}`, execute: Effect.succeed(i * 2) }
        }
      }
      const results = Chunk.toReadonlyArray(yield* Stream.runCollect(pool.submitBatch(tasks())))
      expect(generated).toBe(50)
      expect(results.map((r) => r.exit).filter(Exit.isSuccess)).toHaveLength(50)
      expect(results.map((r) => (Exit.isSuccess(r.exit) ? r.exit.value : -1)).sort((a, b) => a - b)).toStrictEqual(
        Array.from({ length: 50 }, (_, i) => i * 2)
      )
    }))

  it.scoped("works with an endless generator when the stream is cut short", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 2, queueSize: 2 })
      function* endless(): Generator<Task<number>> {
        for (let i = 0;; i++) yield { id: `e${i}`, execute: Effect.succeed(i) }
      }
      const results = yield* Stream.runCollect(Stream.take(pool.submitBatch(endless()), 10))
      expect(Chunk.size(results)).toBe(10)
      const metrics = yield* pool.metrics
      expect(metrics.running).toBe(0)
      expect(metrics.queued).toBe(0)
    }))

  it.scoped("ending the stream early cancels the batch's tasks still in the pool", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 2, queueSize: 3 })
      let interrupted = 0
      let ranAfterEnd = 0
      let ended = false
      const tasks = Array.from({ length: 20 }, (_, i): Task<number> => ({
        id: `t${i}`,
        execute: i < 3
          ? Effect.succeed(i)
          : Effect.zipRight(
            Effect.sync(() => {
              if (ended) ranAfterEnd++
            }),
            Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => interrupted++)))
          )
      }))
      const results = yield* Stream.runCollect(Stream.take(pool.submitBatch(tasks), 3))
      ended = true
      expect(Chunk.toReadonlyArray(results).map((r) => r.taskId).sort()).toStrictEqual(["t0", "t1", "t2"])
      const metrics = yield* pool.metrics
      expect(metrics.running).toBe(0)
      expect(metrics.queued).toBe(0)
      expect(metrics.tasksCompleted).toBe(3)
      expect(metrics.tasksCancelled).toBe(metrics.tasksSubmitted - 3)
      expect(interrupted).toBeGreaterThan(0)
      yield* yieldMany()
      expect(ranAfterEnd).toBe(0)
      expect((yield* pool.metrics).tasksSubmitted).toBe(metrics.tasksSubmitted)
    }))

  it.scoped("fails with InvalidTaskError when it reaches a malformed task", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const tasks = [{ id: "ok", execute: Effect.succeed(1) }, { id: "", execute: Effect.succeed(2) }]
      const error = yield* Effect.flip(Stream.runCollect(pool.submitBatch(tasks)))
      expect(error).toBeInstanceOf(InvalidTaskError)
      expect(error.field).toBe("id")
    }))

  it.scoped("emits a task refused because the pool shut down as a PoolShutdownError result", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      yield* pool.shutdown
      const results = Chunk.toReadonlyArray(
        yield* Stream.runCollect(pool.submitBatch([{ id: "late", execute: Effect.succeed(1) }]))
      )
      expect(results).toHaveLength(1)
      expect(results[0]!.taskId).toBe("late")
      expect(failureOf(results[0]!.exit)).toBeInstanceOf(PoolShutdownError)
    }))
})

describe("submitBatch during a shutdown", () => {
  it.scoped("finishes the accepted tasks and emits the rest as PoolShutdownError results", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1, queueSize: 1 })
      const gate = yield* makeGate
      const tasks = Array.from({ length: 5 }, (_, i): Task<number> => ({
        id: `t${i}`,
        execute: Effect.as(i === 0 ? gate.execute : Effect.void, i)
      }))
      const collecting = yield* Effect.fork(Stream.runCollect(pool.submitBatch(tasks)))
      yield* gate.awaitStarted
      expect((yield* pool.metrics).tasksSubmitted).toBe(2)
      const shutdown = yield* Effect.fork(pool.shutdown)
      yield* yieldMany()
      yield* gate.open
      const results = Chunk.toReadonlyArray(yield* Fiber.join(collecting))
      yield* Fiber.join(shutdown)
      const byId = new Map(results.map((r) => [r.taskId, r]))
      expect([...byId.keys()].sort()).toStrictEqual(["t0", "t1", "t2", "t3", "t4"])
      expect(byId.get("t0")!.exit).toStrictEqual(Exit.succeed(0))
      expect(byId.get("t1")!.exit).toStrictEqual(Exit.succeed(1))
      for (const id of ["t2", "t3", "t4"]) expect(failureOf(byId.get(id)!.exit)).toBeInstanceOf(PoolShutdownError)
    }))
})

describe("runAll", () => {
  it.scoped("returns the results in input order", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 3 })
      const running = yield* Effect.fork(pool.runAll([sleeper("a", 3), sleeper("b", 1), sleeper("c", 2)]))
      yield* TestClock.adjust("3 seconds")
      const results = yield* Fiber.join(running)
      expect(results.map((r) => r.taskId)).toStrictEqual(["a", "b", "c"])
      expect(results.map((r) => r.exit)).toStrictEqual(["a", "b", "c"].map((id) => Exit.succeed(id)))
    }))

  it.scoped("runs more tasks than the queue holds", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 2, queueSize: 1 })
      const tasks = Array.from({ length: 30 }, (_, i): Task<number> => ({ id: `t${i}`, execute: Effect.succeed(i) }))
      const results = yield* pool.runAll(tasks)
      expect(results.map((r) => r.exit)).toStrictEqual(tasks.map((_, i) => Exit.succeed(i)))
    }))

  it.scoped("includes failures among the results", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 2 })
      const results = yield* pool.runAll<Task<number, string>>([
        { id: "ok", execute: Effect.succeed(1) },
        { id: "bad", execute: Effect.fail("bad") }
      ])
      expect(results[0]!.exit).toStrictEqual(Exit.succeed(1))
      expect(failureOf(results[1]!.exit)).toBe("bad")
    }))

  it.scoped("validates every task before submitting any", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 2 })
      let ran = 0
      const tasks = [
        { id: "a", execute: Effect.sync(() => ran++) },
        { id: "b", execute: Effect.sync(() => ran++) },
        { id: "c", execute: Effect.sync(() => ran++), priority: 7 }
      ]
      const error = yield* Effect.flip(pool.runAll(tasks as any))
      expect(error).toBeInstanceOf(InvalidTaskError)
      expect((error as InvalidTaskError).field).toBe("priority")
      yield* yieldMany()
      expect(ran).toBe(0)
      expect((yield* pool.metrics).tasksSubmitted).toBe(0)
    }))

  it.scoped("gives a PoolShutdownError result for each task refused by a shut-down pool", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      yield* pool.shutdown
      const results = yield* pool.runAll([{ id: "x", execute: Effect.succeed(1) }, { id: "y", execute: Effect.succeed(2) }])
      expect(results.map((r) => r.taskId)).toStrictEqual(["x", "y"])
      for (const result of results) expect(failureOf(result.exit)).toBeInstanceOf(PoolShutdownError)
    }))

  it.scoped("keeps the tasks accepted before a shutdown and refuses the rest", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1, queueSize: 0 })
      const gate = yield* makeGate
      const running = yield* Effect.fork(
        pool.runAll<Task<string>>([
          { id: "first", execute: Effect.as(gate.execute, "first ok") },
          { id: "second", execute: Effect.succeed("second") },
          { id: "third", execute: Effect.succeed("third") }
        ])
      )
      yield* gate.awaitStarted
      expect(yield* isDone(running)).toBe(false)
      const shutdown = yield* Effect.fork(pool.shutdown)
      yield* yieldMany()
      yield* gate.open
      const results = yield* Fiber.join(running)
      yield* Fiber.join(shutdown)
      expect(results.map((r) => r.taskId)).toStrictEqual(["first", "second", "third"])
      expect(results[0]!.exit).toStrictEqual(Exit.succeed("first ok"))
      expect(failureOf(results[1]!.exit)).toBeInstanceOf(PoolShutdownError)
      expect(failureOf(results[2]!.exit)).toBeInstanceOf(PoolShutdownError)
      expect((yield* pool.metrics).tasksSubmitted).toBe(1)
    }))

  it.scoped("interrupting the caller cancels its tasks", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const gate = yield* makeGate
      const running = yield* Effect.fork(
        pool.runAll([
          { id: "a", execute: Effect.zipRight(gate.execute, Effect.never) },
          { id: "b", execute: Effect.void }
        ])
      )
      yield* gate.awaitStarted
      yield* Fiber.interrupt(running)
      const metrics = yield* pool.metrics
      expect(metrics.tasksCancelled).toBe(2)
      expect(metrics.running).toBe(0)
      expect(metrics.queued).toBe(0)
    }))

  it.scoped("the results of tasks cancelled through their pool show the interruption", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1, shutdownTimeout: "1 second" })
      const running = yield* Effect.fork(pool.runAll([{ id: "forever", execute: Effect.never }]))
      yield* yieldMany()
      const shutdown = yield* Effect.fork(pool.shutdown)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(shutdown)
      const results = yield* Fiber.join(running)
      expect(isInterruption(results[0]!.exit)).toBe(true)
    }))
})

describe("submitBatch on a long run", () => {
  it.scoped("emits one result per task even when tasks settle before the batch watches them", () =>
    Effect.gen(function*() {
      // Instant tasks settle while the batch's submitting fiber is between
      // steps (Effect makes a fiber yield every 2,048 operations): each of
      // them must still be emitted, and its room given back.
      const pool = yield* WorkerPool.make({ workers: 4, queueSize: 1024 })
      function* tasks() {
        for (let i = 0; i < 100_000; i++) yield { id: `instant-${i}`, execute: Effect.succeed(i) }
      }
      const results = yield* Stream.runCollect(pool.submitBatch(tasks()))
      expect(Chunk.size(results)).toBe(100_000)
      expect(new Set(Chunk.toReadonlyArray(results).map((result) => result.taskId)).size).toBe(100_000)
    }))
})


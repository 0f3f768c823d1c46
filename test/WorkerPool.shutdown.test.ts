import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import { PoolShutdownError, type TaskHandle, WorkerPool, type WorkerPoolService } from "../src/index.js"
import { failureOf, isDone, isInterruption, makeGate, yieldMany } from "./helpers.js"

describe("graceful shutdown", () => {
  it.effect("shutting down an idle pool returns at once, without the clock moving", () =>
    Effect.scoped(Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 2 })
      yield* pool.run({ id: "warm-up", execute: Effect.void })
      const shutdown = yield* Effect.fork(pool.shutdown)
      expect(yield* isDone(shutdown)).toBe(true)
      expect(yield* Fiber.join(shutdown)).toBeUndefined()
    })))

  it.effect("a fresh pool shuts down at once too", () =>
    Effect.scoped(Effect.gen(function*() {
      const pool = yield* WorkerPool.make()
      const shutdown = yield* Effect.fork(pool.shutdown)
      expect(yield* isDone(shutdown)).toBe(true)
    })))

  it.effect("refuses new submissions with PoolShutdownError once shutting down", () =>
    Effect.scoped(Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1, name: "closing" })
      const gate = yield* makeGate
      yield* pool.submit({ id: "running", execute: gate.execute })
      yield* gate.awaitStarted
      const shutdown = yield* Effect.fork(pool.shutdown)
      yield* yieldMany()
      expect(yield* isDone(shutdown)).toBe(false)
      let ran = false
      const task = { id: "late", execute: Effect.sync(() => (ran = true)) }
      const submitError = yield* Effect.flip(pool.submit(task))
      expect(submitError).toBeInstanceOf(PoolShutdownError)
      expect(submitError).toMatchObject({ _tag: "PoolShutdownError", pool: "closing", taskId: "late" })
      expect(failureOf(yield* Effect.exit(pool.trySubmit(task)))).toBeInstanceOf(PoolShutdownError)
      expect(failureOf(yield* Effect.exit(pool.run(task)))).toBeInstanceOf(PoolShutdownError)
      yield* gate.open
      yield* Fiber.join(shutdown)
      expect(ran).toBe(false)
      expect(failureOf(yield* Effect.exit(pool.submit(task)))).toBeInstanceOf(PoolShutdownError)
      expect((yield* pool.metrics).tasksSubmitted).toBe(1)
    })))

  it.effect("submitters still waiting for room fail at once with PoolShutdownError", () =>
    Effect.scoped(Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1, queueSize: 0 })
      const gate = yield* makeGate
      yield* pool.submit({ id: "running", execute: gate.execute })
      yield* gate.awaitStarted
      let ran = false
      const waiting = yield* Effect.fork(pool.submit({ id: "waiting", execute: Effect.sync(() => (ran = true)) }))
      expect(yield* isDone(waiting)).toBe(false)
      const shutdown = yield* Effect.fork(pool.shutdown)
      const exit = yield* Fiber.await(waiting)
      expect(failureOf(exit)).toBeInstanceOf(PoolShutdownError)
      expect(yield* isDone(shutdown)).toBe(false)
      yield* gate.open
      yield* Fiber.join(shutdown)
      expect(ran).toBe(false)
    })))

  it.effect("queued tasks still run and running ones finish within shutdownTimeout", () =>
    Effect.scoped(Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1, shutdownTimeout: "10 seconds" })
      const handles: Array<TaskHandle<string>> = []
      for (const id of ["a", "b", "c"]) {
        handles.push(yield* pool.submit({ id, execute: Effect.as(Effect.sleep("2 seconds"), id) }))
      }
      const shutdown = yield* Effect.fork(pool.shutdown)
      yield* TestClock.adjust("5 seconds")
      expect(yield* isDone(shutdown)).toBe(false)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(shutdown)
      for (const [i, handle] of handles.entries()) {
        expect((yield* handle.await).exit).toStrictEqual(Exit.succeed(["a", "b", "c"][i]))
      }
      const metrics = yield* pool.metrics
      expect(metrics.tasksCompleted).toBe(3)
      expect(metrics.tasksCancelled).toBe(0)
    })))

  it.effect("at the deadline running tasks are interrupted and queued ones settle with PoolShutdownError", () =>
    Effect.scoped(Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 2, queueSize: 10, shutdownTimeout: "5 seconds" })
      let finalized = 0
      let queuedRan = false
      const stuck = (id: string) => ({
        id,
        execute: Effect.never.pipe(Effect.ensuring(Effect.sync(() => finalized++)))
      })
      const running = [yield* pool.submit(stuck("r1")), yield* pool.submit(stuck("r2"))]
      const queued = [
        yield* pool.submit({ id: "q1", execute: Effect.sync(() => (queuedRan = true)) }),
        yield* pool.submit({ id: "q2", execute: Effect.sync(() => (queuedRan = true)) })
      ]
      yield* yieldMany()
      const shutdown = yield* Effect.fork(pool.shutdown)
      yield* TestClock.adjust("4999 millis")
      expect(yield* isDone(shutdown)).toBe(false)
      expect(finalized).toBe(0)
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(shutdown)
      expect(finalized).toBe(2)
      expect(queuedRan).toBe(false)
      for (const handle of running) expect(isInterruption((yield* handle.await).exit)).toBe(true)
      for (const handle of queued) {
        const result = yield* handle.await
        const error = failureOf(result.exit)
        expect(error).toBeInstanceOf(PoolShutdownError)
        expect((error as PoolShutdownError).taskId).toBe(handle.taskId)
      }
      const metrics = yield* pool.metrics
      expect(metrics.tasksSubmitted).toBe(4)
      expect(metrics.tasksCancelled).toBe(4)
      expect(metrics.tasksFailed).toBe(0)
      expect(metrics.running).toBe(0)
      expect(metrics.queued).toBe(0)
    })))

  it.effect("callers waiting on tasks are never left hanging by a forced shutdown", () =>
    Effect.scoped(Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1, shutdownTimeout: "1 second" })
      const running = yield* pool.submit({ id: "running", execute: Effect.never })
      const queued = yield* pool.submit({ id: "queued", execute: Effect.never })
      const joins = yield* Effect.fork(Effect.all([Effect.exit(running.join), Effect.exit(queued.join)]))
      const runCaller = yield* Effect.fork(Effect.exit(pool.run({ id: "via-run", execute: Effect.never })))
      yield* yieldMany()
      const shutdown = yield* Effect.fork(pool.shutdown)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(shutdown)
      const [runningExit, queuedExit] = yield* Fiber.join(joins)
      expect(isInterruption(runningExit)).toBe(true)
      expect(failureOf(queuedExit)).toBeInstanceOf(PoolShutdownError)
      expect(failureOf(yield* Fiber.join(runCaller))).toBeInstanceOf(PoolShutdownError)
    })))

  it.effect("a second concurrent shutdown waits for the same completion", () =>
    Effect.scoped(Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1, shutdownTimeout: "10 seconds" })
      const handle = yield* pool.submit({ id: "a", execute: Effect.as(Effect.sleep("3 seconds"), "a") })
      const first = yield* Effect.fork(pool.shutdown)
      yield* yieldMany()
      const second = yield* Effect.fork(pool.shutdown)
      yield* TestClock.adjust("2 seconds")
      expect(yield* isDone(first)).toBe(false)
      expect(yield* isDone(second)).toBe(false)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(first)
      yield* Fiber.join(second)
      expect((yield* handle.await).exit).toStrictEqual(Exit.succeed("a"))
      const third = yield* Effect.fork(pool.shutdown)
      expect(yield* isDone(third)).toBe(true)
    })))

  it.effect("a second shutdown does not restart the deadline", () =>
    Effect.scoped(Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1, shutdownTimeout: "4 seconds" })
      const handle = yield* pool.submit({ id: "stuck", execute: Effect.never })
      yield* yieldMany()
      const first = yield* Effect.fork(pool.shutdown)
      yield* TestClock.adjust("3 seconds")
      const second = yield* Effect.fork(pool.shutdown)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(first)
      yield* Fiber.join(second)
      expect(isInterruption((yield* handle.await).exit)).toBe(true)
    })))
})

describe("shutdown through the scope", () => {
  it.effect("closing the scope of WorkerPool.make drains the pool gracefully", () =>
    Effect.gen(function*() {
      let handle: TaskHandle<string> | undefined
      let pool: WorkerPoolService | undefined
      const scoped = yield* Effect.fork(Effect.scoped(Effect.gen(function*() {
        pool = yield* WorkerPool.make({ workers: 1, shutdownTimeout: "10 seconds" })
        handle = yield* pool.submit({ id: "slow", execute: Effect.as(Effect.sleep("2 seconds"), "finished") })
        yield* pool.submit({ id: "queued", execute: Effect.void })
      })))
      yield* TestClock.adjust("1 second")
      expect(yield* isDone(scoped)).toBe(false)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(scoped)
      expect((yield* handle!.await).exit).toStrictEqual(Exit.succeed("finished"))
      expect(failureOf(yield* Effect.exit(pool!.submit({ id: "late", execute: Effect.void })))).toBeInstanceOf(
        PoolShutdownError
      )
      expect((yield* pool!.metrics).tasksCompleted).toBe(2)
    }))

  it.effect("closing the scope interrupts what is still running at the shutdown deadline", () =>
    Effect.gen(function*() {
      let handle: TaskHandle<never> | undefined
      let finalized = false
      const scoped = yield* Effect.fork(Effect.scoped(Effect.gen(function*() {
        const pool = yield* WorkerPool.make({ workers: 1, shutdownTimeout: "3 seconds" })
        handle = yield* pool.submit({
          id: "stuck",
          execute: Effect.never.pipe(Effect.ensuring(Effect.sync(() => (finalized = true))))
        })
      })))
      yield* TestClock.adjust("2 seconds")
      expect(yield* isDone(scoped)).toBe(false)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(scoped)
      expect(finalized).toBe(true)
      expect(isInterruption((yield* handle!.await).exit)).toBe(true)
    }))

  it.effect("releasing WorkerPool.layer shuts the pool down gracefully", () =>
    Effect.gen(function*() {
      let handle: TaskHandle<number> | undefined
      let pool: WorkerPoolService | undefined
      const program = Effect.gen(function*() {
        pool = yield* WorkerPool
        handle = yield* pool.submit({ id: "slow", execute: Effect.as(Effect.sleep("1 second"), 1) })
      }).pipe(Effect.provide(WorkerPool.layer({ workers: 1 })))
      const running = yield* Effect.fork(program)
      expect(yield* isDone(running)).toBe(false)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(running)
      expect((yield* handle!.await).exit).toStrictEqual(Exit.succeed(1))
      expect(failureOf(yield* Effect.exit(pool!.submit({ id: "late", execute: Effect.void })))).toBeInstanceOf(
        PoolShutdownError
      )
    }))

  it.effect("closing the scope of an idle pool takes no time", () =>
    Effect.gen(function*() {
      const scoped = yield* Effect.fork(Effect.scoped(Effect.flatMap(WorkerPool.make({ workers: 1 }), (pool) =>
        pool.run({ id: "a", execute: Effect.succeed(1) }))))
      expect(yield* isDone(scoped)).toBe(true)
      expect(yield* Fiber.join(scoped)).toBe(1)
    }))
})

describe("every accepted task settles exactly once", () => {
  it.effect("with a mix of outcomes across a forced shutdown", () =>
    Effect.scoped(Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 2, queueSize: 10, shutdownTimeout: "2 seconds" })
      const settled = new Map<string, number>()
      const callback = (result: { readonly taskId: string }) =>
        Effect.sync(() => {
          settled.set(result.taskId, (settled.get(result.taskId) ?? 0) + 1)
        })
      const ids: Array<string> = []
      const submit = (id: string, execute: Effect.Effect<unknown, unknown>) => {
        ids.push(id)
        return pool.submit({ id, execute, callback })
      }
      yield* submit("quick", Effect.void)
      yield* submit("fails", Effect.fail("x"))
      yield* submit("slow", Effect.sleep("1 second"))
      yield* submit("stuck", Effect.never)
      yield* submit("queued-stuck", Effect.never)
      yield* submit("queued", Effect.void)
      yield* yieldMany()
      const shutdown = yield* Effect.fork(pool.shutdown)
      yield* TestClock.adjust("2 seconds")
      yield* Fiber.join(shutdown)
      yield* yieldMany()
      expect([...settled.keys()].sort()).toStrictEqual([...ids].sort())
      expect([...settled.values()].every((n) => n === 1)).toBe(true)
      const metrics = yield* pool.metrics
      expect(metrics.tasksSubmitted).toBe(6)
      expect(metrics.tasksCompleted + metrics.tasksFailed + metrics.tasksCancelled).toBe(6)
      expect(metrics.running).toBe(0)
      expect(metrics.queued).toBe(0)
    })))
})

/**
 * The pool is made in a scope that is never closed, so that a hung shutdown
 * cannot hang the suite.
 */
describe("no caller waits forever", () => {
  it.effect("a task that shuts down its own pool settles by the shutdown deadline", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const pool = yield* Scope.extend(WorkerPool.make({ workers: 2, shutdownTimeout: "1 second" }), scope)
      const handle = yield* pool.submit({ id: "stopper", execute: pool.shutdown })
      yield* yieldMany()
      const awaiting = yield* Effect.fork(handle.await)
      const outside = yield* Effect.fork(pool.shutdown)
      yield* TestClock.adjust("1 second")
      expect(yield* isDone(awaiting)).toBe(true)
      expect(yield* isDone(outside)).toBe(true)
      expect((yield* pool.metrics).running).toBe(0)
    }))
})

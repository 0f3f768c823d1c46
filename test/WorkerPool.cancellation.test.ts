/**
 * Cancelling many tasks at once takes the queued ones out before it
 * interrupts the running ones, so that a slot freed by an interrupted task
 * never starts a task whose cancellation has begun. The reference in each
 * test is the same work run by Effect itself, one fiber per task
 * (`Stream.mapEffect`, `Effect.forEach` with a concurrency): there too,
 * interrupting the whole never starts what had not started.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { PoolShutdownError, type Task, type TaskResult } from "../src/index.js"
import { failureOf, isDone, isInterruption, makePool, yieldMany } from "./helpers.js"

const ids = (count: number) => Array.from({ length: count }, (_, i) => `t${i}`)

/**
 * A batch of tasks that record when they start and settle. Task `t0` ends
 * when `finishFirst` opens (if `finishFirst` is given); every other task
 * blocks until interrupted.
 */
const recordingBatch = (count: number, finishFirst?: Deferred.Deferred<void>) => {
  const started: Array<string> = []
  const settled = new Map<string, TaskResult<string>>()
  const body = (id: string): Effect.Effect<string> =>
    Effect.zipRight(
      Effect.sync(() => void started.push(id)),
      id === "t0" && finishFirst !== undefined ? Effect.as(Deferred.await(finishFirst), id) : Effect.never
    )
  const tasks: Array<Task<string>> = ids(count).map((id) => ({
    id,
    execute: body(id),
    callback: (result: TaskResult<string>) => Effect.sync(() => void settled.set(result.taskId, result))
  }))
  return { started, settled, body, tasks }
}

/** Waits (without moving the clock) until `started` holds `count` ids. */
const awaitStarts = (started: ReadonlyArray<string>, count: number) =>
  Effect.gen(function*() {
    for (let round = 0; round < 20 && started.length < count; round++) yield* yieldMany()
    expect(started.length).toBe(count)
  })

describe("cancelling many tasks: queued ones never start once their cancellation began", () => {
  it.scoped("a submitBatch stream ended early starts none of the queued tasks, and every task of the batch has settled", () =>
    Effect.gen(function*() {
      // Reference: the same ten tasks through Stream.mapEffect, two at a time.
      const refFirst = yield* Deferred.make<void>()
      const ref = recordingBatch(10, refFirst)
      let refStartedAtFirstResult: Array<string> = []
      const refConsumer = yield* Effect.fork(
        Stream.fromIterable(ref.tasks).pipe(
          Stream.mapEffect((task) => task.execute, { concurrency: 2, unordered: true }),
          Stream.tap(() => Effect.zipRight(yieldMany(), Effect.sync(() => (refStartedAtFirstResult = [...ref.started])))),
          Stream.take(1),
          Stream.runCollect
        )
      )
      yield* awaitStarts(ref.started, 2)
      yield* Deferred.succeed(refFirst, undefined)
      expect([...yield* Fiber.join(refConsumer)]).toStrictEqual(["t0"])
      expect(refStartedAtFirstResult).toStrictEqual(["t0", "t1", "t2"])
      yield* yieldMany()
      expect(ref.started).toStrictEqual(["t0", "t1", "t2"])

      // The pool, two workers: t0 and t1 run, then t0 ends and t2 takes its place.
      const pool = yield* makePool({ workers: 2, queueSize: 100 })
      const first = yield* Deferred.make<void>()
      const batch = recordingBatch(10, first)
      let startedAtFirstResult: Array<string> = []
      const consumer = yield* Effect.fork(
        pool.submitBatch(batch.tasks).pipe(
          Stream.tap(() => Effect.zipRight(yieldMany(), Effect.sync(() => (startedAtFirstResult = [...batch.started])))),
          Stream.take(1),
          Stream.runCollect
        )
      )
      yield* awaitStarts(batch.started, 2)
      yield* Deferred.succeed(first, undefined)
      const results = yield* Fiber.join(consumer)
      expect([...results].map((result) => result.taskId)).toStrictEqual(["t0"])
      // Settled by the time the stream has ended: the running ones interrupted, the queued ones cancelled.
      expect([...batch.settled.keys()].sort()).toStrictEqual(ids(10).sort())
      for (const id of ids(10).slice(1)) {
        expect(isInterruption(batch.settled.get(id)!.exit), `${id} settles as interrupted`).toBe(true)
      }
      const metrics = yield* pool.metrics
      expect(metrics.running).toBe(0)
      expect(metrics.queued).toBe(0)
      expect(startedAtFirstResult).toStrictEqual(["t0", "t1", "t2"])
      yield* yieldMany()
      expect(batch.started, "a task queued when the stream ended has started").toStrictEqual(["t0", "t1", "t2"])
    }))

  it.scoped("interrupting a runAll caller interrupts the running tasks and starts none of the queued ones", () =>
    Effect.gen(function*() {
      // Reference: the same ten tasks through Effect.forEach, two at a time, interrupted.
      const ref = recordingBatch(10)
      const refCaller = yield* Effect.fork(Effect.forEach(ref.tasks, (task) => task.execute, { concurrency: 2 }))
      yield* awaitStarts(ref.started, 2)
      expect(isInterruption(yield* Fiber.interrupt(refCaller))).toBe(true)
      yield* yieldMany()
      expect(ref.started).toStrictEqual(["t0", "t1"])

      // The pool, two workers: t0 and t1 run, t2..t9 are queued.
      const pool = yield* makePool({ workers: 2, queueSize: 100 })
      const batch = recordingBatch(10)
      const caller = yield* Effect.fork(pool.runAll(batch.tasks))
      yield* awaitStarts(batch.started, 2)
      expect((yield* pool.metrics).queued).toBe(8)
      expect(isInterruption(yield* Fiber.interrupt(caller))).toBe(true)
      expect([...batch.settled.keys()].sort()).toStrictEqual(ids(10).sort())
      for (const id of ids(10)) {
        expect(isInterruption(batch.settled.get(id)!.exit), `${id} settles as interrupted`).toBe(true)
      }
      const metrics = yield* pool.metrics
      expect(metrics.running).toBe(0)
      expect(metrics.queued).toBe(0)
      expect(metrics.tasksCancelled).toBe(10)
      yield* yieldMany()
      expect(batch.started, "a task queued when runAll was interrupted has started").toStrictEqual(["t0", "t1"])
    }))

  it.scoped("interrupting a run caller cancels its task, running or queued", () =>
    Effect.gen(function*() {
      let finalized = 0
      const stuck = (started: Deferred.Deferred<void>) =>
        Effect.zipRight(Deferred.succeed(started, undefined), Effect.never).pipe(
          Effect.ensuring(Effect.sync(() => finalized++))
        )

      // Reference: interrupting a fiber interrupts its effect, finalizers included.
      const refStarted = yield* Deferred.make<void>()
      const refFiber = yield* Effect.fork(stuck(refStarted))
      yield* Deferred.await(refStarted)
      expect(isInterruption(yield* Fiber.interrupt(refFiber))).toBe(true)
      expect(finalized).toBe(1)

      // The pool, one worker.
      const pool = yield* makePool({ workers: 1 })
      const results = new Map<string, TaskResult<unknown>>()
      const record = (result: TaskResult<unknown>) => Effect.sync(() => void results.set(result.taskId, result))
      const started = yield* Deferred.make<void>()
      const running = yield* Effect.fork(pool.run({ id: "running", execute: stuck(started), callback: record }))
      yield* Deferred.await(started)
      const queuedStarted = yield* Deferred.make<void>()
      const queued = yield* Effect.fork(pool.run({ id: "queued", execute: stuck(queuedStarted), callback: record }))
      yield* yieldMany()
      expect((yield* pool.metrics).queued).toBe(1)

      expect(isInterruption(yield* Fiber.interrupt(queued))).toBe(true)
      expect(isInterruption(results.get("queued")!.exit)).toBe(true)
      expect((yield* pool.metrics).queued).toBe(0)

      expect(isInterruption(yield* Fiber.interrupt(running))).toBe(true)
      expect(finalized, "the running task's finalizer ran before the caller's interruption returned").toBe(2)
      expect(isInterruption(results.get("running")!.exit)).toBe(true)

      yield* yieldMany()
      expect(yield* Deferred.isDone(queuedStarted), "the cancelled queued task started").toBe(false)
      const metrics = yield* pool.metrics
      expect(metrics.tasksCancelled).toBe(2)
      expect(metrics.running).toBe(0)
      expect(yield* pool.run({ id: "after", execute: Effect.succeed("after") })).toBe("after")
    }))

  it.scoped("at the shutdown deadline queued tasks settle with PoolShutdownError and never start; running ones are interrupted", () =>
    Effect.gen(function*() {
      const finalized: Array<string> = []
      const make = () => {
        const batch = recordingBatch(8)
        const tasks = batch.tasks.map((task) => ({
          ...task,
          execute: Effect.ensuring(task.execute, Effect.sync(() => void finalized.push(task.id)))
        }))
        return { ...batch, tasks }
      }

      // Reference: the same eight tasks through Effect.forEach, two at a time, cut off by a timeout.
      const ref = make()
      const refRun = yield* Effect.fork(
        Effect.timeoutOption(Effect.forEach(ref.tasks, (task) => task.execute, { concurrency: 2 }), "5 seconds")
      )
      yield* awaitStarts(ref.started, 2)
      yield* TestClock.adjust("5 seconds")
      expect(yield* Fiber.join(refRun)).toStrictEqual(Option.none())
      yield* yieldMany()
      expect(ref.started).toStrictEqual(["t0", "t1"])
      expect(finalized.sort()).toStrictEqual(["t0", "t1"])
      finalized.length = 0

      // The pool, two workers: t0 and t1 run, t2..t7 are queued when the deadline passes.
      const pool = yield* makePool({ workers: 2, queueSize: 100, shutdownTimeout: "5 seconds" })
      const batch = make()
      const handles = yield* Effect.forEach(batch.tasks, (task) => pool.submit(task))
      yield* awaitStarts(batch.started, 2)
      const shutdown = yield* Effect.fork(pool.shutdown)
      yield* TestClock.adjust("4999 millis")
      expect(yield* isDone(shutdown)).toBe(false)
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(shutdown)
      for (const handle of handles.slice(0, 2)) {
        expect(isInterruption((yield* handle.await).exit), `${handle.taskId} is interrupted`).toBe(true)
      }
      for (const handle of handles.slice(2)) {
        const error = failureOf((yield* handle.await).exit)
        expect(error, `${handle.taskId} settles with PoolShutdownError`).toBeInstanceOf(PoolShutdownError)
      }
      expect(finalized.sort()).toStrictEqual(["t0", "t1"])
      yield* yieldMany()
      expect(batch.started, "a task queued at the deadline has started").toStrictEqual(["t0", "t1"])
      const metrics = yield* pool.metrics
      expect(metrics.tasksCancelled).toBe(8)
      expect(metrics.running).toBe(0)
      expect(metrics.queued).toBe(0)
      expect(Exit.isSuccess(yield* Fiber.await(shutdown))).toBe(true)
    }))
})

import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { Priority, QueueFullError, type TaskHandle, WorkerPool } from "../src/index.js"
import { failureOf, isDone, makeGate, makeGates, yieldMany } from "./helpers.js"

const recorder = () => {
  const order: Array<string> = []
  const task = (id: string, priority?: Priority) => ({
    id,
    ...(priority === undefined ? {} : { priority }),
    execute: Effect.sync(() => {
      order.push(id)
    })
  })
  return { order, task }
}

describe("priority", () => {
  it.scoped("a free worker takes the oldest task of the highest non-empty level", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1, queueSize: 20 })
      const gate = yield* makeGate
      const { order, task } = recorder()
      yield* pool.submit({ id: "blocker", execute: gate.execute })
      yield* gate.awaitStarted
      const handles: Array<TaskHandle<void>> = []
      for (
        const t of [
          task("low-1", Priority.Low),
          task("normal-1", Priority.Normal),
          task("high-1", Priority.High),
          task("critical-1", Priority.Critical),
          task("normal-2", Priority.Normal),
          task("low-2", Priority.Low),
          task("critical-2", Priority.Critical),
          task("high-2", Priority.High),
          task("default-1"),
          task("low-3", Priority.Low)
        ]
      ) handles.push(yield* pool.submit(t))
      expect((yield* pool.metrics).queued).toBe(10)
      yield* gate.open
      yield* Effect.forEach(handles, (handle) => handle.await)
      expect(order).toStrictEqual([
        "critical-1",
        "critical-2",
        "high-1",
        "high-2",
        "normal-1",
        "normal-2",
        "default-1",
        "low-1",
        "low-2",
        "low-3"
      ])
    }))

  it.scoped("is FIFO within a level", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1, queueSize: 50 })
      const gate = yield* makeGate
      const { order, task } = recorder()
      yield* pool.submit({ id: "blocker", execute: gate.execute })
      yield* gate.awaitStarted
      const ids = Array.from({ length: 30 }, (_, i) => `h${i}`)
      const handles: Array<TaskHandle<void>> = []
      for (const id of ids) handles.push(yield* pool.submit(task(id, Priority.High)))
      yield* gate.open
      yield* Effect.forEach(handles, (handle) => handle.await)
      expect(order).toStrictEqual(ids)
    }))

  it.scoped("a task submitted later with a higher priority overtakes queued ones", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 2, queueSize: 20 })
      const gates = yield* makeGates(2)
      const { order, task } = recorder()
      for (const [i, gate] of gates.entries()) yield* pool.submit({ id: `blocker${i}`, execute: gate.execute })
      yield* Effect.forEach(gates, (gate) => gate.awaitStarted)
      const handles: Array<TaskHandle<void>> = []
      handles.push(yield* pool.submit(task("low", Priority.Low)))
      handles.push(yield* pool.submit(task("normal", Priority.Normal)))
      // submitted by other fibers, with other log annotations
      handles.push(yield* pool.submit(task("high", Priority.High)).pipe(Effect.annotateLogs("from", "b")))
      handles.push(
        yield* Effect.fork(pool.submit(task("critical", Priority.Critical))).pipe(Effect.flatMap(Fiber.join))
      )
      yield* gates[0]!.open
      yield* Effect.forEach(handles, (handle) => handle.await)
      expect(order).toStrictEqual(["critical", "high", "normal", "low"])
      yield* gates[1]!.open
    }))

  it.scoped("a task's priority defaults to Normal", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const result = yield* Effect.flatMap(pool.submit({ id: "plain", execute: Effect.void }), (h) => h.await)
      expect(result.priority).toBe(Priority.Normal)
    }))
})

describe("queueSize", () => {
  it.scoped("bounds the queued tasks of all levels together", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1, queueSize: 3 })
      const gate = yield* makeGate
      yield* pool.submit({ id: "blocker", execute: gate.execute })
      yield* gate.awaitStarted
      yield* pool.trySubmit({ id: "low", execute: Effect.void, priority: Priority.Low })
      yield* pool.trySubmit({ id: "critical", execute: Effect.void, priority: Priority.Critical })
      yield* pool.trySubmit({ id: "high", execute: Effect.void, priority: Priority.High })
      const error = yield* Effect.flip(
        pool.trySubmit({ id: "another-critical", execute: Effect.void, priority: Priority.Critical })
      )
      expect(error).toBeInstanceOf(QueueFullError)
      expect((yield* pool.metrics).queued).toBe(3)
      yield* gate.open
    }))

  it.scoped("with queueSize 0 a submit waits until a worker takes its task", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1, queueSize: 0 })
      const gate = yield* makeGate
      yield* pool.submit({ id: "blocker", execute: gate.execute })
      yield* gate.awaitStarted
      const second = yield* makeGate
      const submitting = yield* Effect.fork(pool.submit({ id: "second", execute: second.execute }))
      expect(yield* isDone(submitting)).toBe(false)
      expect((yield* pool.metrics).queued).toBe(0)
      expect((yield* pool.metrics).tasksSubmitted).toBe(1)
      yield* gate.open
      const handle = yield* Fiber.join(submitting)
      yield* second.awaitStarted
      const metrics = yield* pool.metrics
      expect(metrics.queued).toBe(0)
      expect(metrics.running).toBe(1)
      expect(metrics.tasksSubmitted).toBe(2)
      yield* second.open
      yield* handle.join
    }))

  it.scoped("with queueSize 0 trySubmit fails when every worker is busy", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 2, queueSize: 0 })
      const gates = yield* makeGates(2)
      yield* pool.trySubmit({ id: "a", execute: gates[0]!.execute })
      yield* pool.trySubmit({ id: "b", execute: gates[1]!.execute })
      const error = yield* Effect.flip(pool.trySubmit({ id: "c", execute: Effect.void }))
      expect(error._tag).toBe("QueueFullError")
      yield* Effect.forEach(gates, (gate) => gate.open)
    }))
})

describe("backpressure", () => {
  it.scoped("submit waits while the queue is full and proceeds once there is room", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1, queueSize: 1 })
      const gate = yield* makeGate
      yield* pool.submit({ id: "running", execute: gate.execute })
      yield* gate.awaitStarted
      yield* pool.submit({ id: "queued", execute: Effect.void })
      const waiting = yield* Effect.fork(pool.submit({ id: "waiting", execute: Effect.succeed("waited") }))
      expect(yield* isDone(waiting)).toBe(false)
      expect((yield* pool.metrics).tasksSubmitted).toBe(2)
      yield* gate.open
      const handle = yield* Fiber.join(waiting)
      expect(yield* handle.join).toBe("waited")
      expect((yield* pool.metrics).tasksSubmitted).toBe(3)
    }))

  it.scoped("waiting submitters are admitted as room appears, in the order they came", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1, queueSize: 1 })
      const gate = yield* makeGate
      const order: Array<string> = []
      yield* pool.submit({ id: "running", execute: gate.execute })
      yield* gate.awaitStarted
      yield* pool.submit({ id: "queued", execute: Effect.sync(() => order.push("queued")) })
      const waiters: Array<Fiber.RuntimeFiber<TaskHandle<number>, unknown>> = []
      for (const id of ["w1", "w2", "w3"]) {
        waiters.push(yield* Effect.fork(pool.submit({ id, execute: Effect.sync(() => order.push(id)) })))
        yield* yieldMany(5)
      }
      yield* gate.open
      for (const waiter of waiters) yield* Effect.flatMap(Fiber.join(waiter), (h) => h.await)
      expect(order).toStrictEqual(["queued", "w1", "w2", "w3"])
    }))

  it.scoped("a submitter interrupted while waiting enqueues nothing", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1, queueSize: 1 })
      const gate = yield* makeGate
      let ran = false
      yield* pool.submit({ id: "running", execute: gate.execute })
      yield* gate.awaitStarted
      const queued = yield* pool.submit({ id: "queued", execute: Effect.void })
      const waiting = yield* Effect.fork(pool.submit({ id: "waiting", execute: Effect.sync(() => (ran = true)) }))
      expect(yield* isDone(waiting)).toBe(false)
      const exit = yield* Fiber.interrupt(waiting)
      expect(Exit.isInterrupted(exit)).toBe(true)
      yield* gate.open
      yield* queued.await
      yield* yieldMany()
      expect(ran).toBe(false)
      const metrics = yield* pool.metrics
      expect(metrics.tasksSubmitted).toBe(2)
      expect(metrics.tasksCompleted).toBe(2)
      expect(metrics.queued).toBe(0)
      expect(metrics.running).toBe(0)
    }))

  it.scoped("trySubmit fails at once with QueueFullError when the queue is full", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1, queueSize: 1, name: "tiny" })
      const gate = yield* makeGate
      let ran = false
      yield* pool.submit({ id: "running", execute: gate.execute })
      yield* pool.submit({ id: "queued", execute: Effect.void })
      const exit = yield* Effect.exit(pool.trySubmit({ id: "rejected", execute: Effect.sync(() => (ran = true)) }))
      const error = failureOf(exit)
      expect(error).toBeInstanceOf(QueueFullError)
      expect(error).toMatchObject({ _tag: "QueueFullError", pool: "tiny", taskId: "rejected", queueSize: 1 })
      expect((yield* pool.metrics).tasksSubmitted).toBe(2)
      yield* gate.open
      yield* yieldMany()
      expect(ran).toBe(false)
    }))

  it.scoped("trySubmit accepts a task when there is room", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1, queueSize: 1 })
      const handle = yield* pool.trySubmit({ id: "fits", execute: Effect.succeed(5) })
      expect(yield* handle.join).toBe(5)
    }))
})

describe("start order with several workers", () => {
  it.scoped("tasks start in the order the queue gives them out: by priority, then FIFO, across all workers", () =>
    Effect.gen(function*() {
      const workers = 4
      const pool = yield* WorkerPool.make({ workers, queueSize: 3000 })
      const gate = yield* Effect.makeLatch(false)
      for (let g = 0; g < workers; g++) {
        yield* pool.submit({ id: `gate-${g}`, execute: gate.await, priority: Priority.Critical })
      }
      const started: Array<number> = []
      const priorities = Array.from({ length: 3000 }, (_, i) => ((i * 7919) % 4) as Priority)
      const handles: Array<TaskHandle<void>> = []
      for (let i = 0; i < priorities.length; i++) {
        handles.push(
          yield* pool.submit({ id: `t${i}`, priority: priorities[i]!, execute: Effect.sync(() => void started.push(i)) })
        )
      }
      yield* gate.open
      for (const handle of handles) yield* handle.await
      const expected = priorities.map((_, i) => i).sort((a, b) => priorities[b]! - priorities[a]! || a - b)
      expect(started).toStrictEqual(expected)
    }))
})


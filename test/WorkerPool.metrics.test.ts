import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Metric from "effect/Metric"
import * as TestClock from "effect/TestClock"
import { Priority, type TaskHandle, WorkerPool } from "../src/index.js"
import {
  counterValue,
  counterValueExact,
  histogramValue,
  makeGate,
  makeGates,
  metricsTaggedWith,
  uniqueName,
  yieldMany
} from "./helpers.js"

describe("pool.metrics", () => {
  it.scoped("starts at zero", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const metrics = yield* pool.metrics
      expect(metrics).toMatchObject({
        tasksSubmitted: 0,
        tasksCompleted: 0,
        tasksFailed: 0,
        tasksCancelled: 0,
        callbackFailures: 0,
        queued: 0,
        running: 0
      })
      expect(Duration.toMillis(metrics.totalDuration)).toBe(0)
      expect(Duration.toMillis(metrics.averageTaskTime)).toBe(0)
    }))

  it.scoped("totalDuration and averageTaskTime are exact running times of completed and failed tasks", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 2 })
      const a = yield* pool.submit({ id: "one-second", execute: Effect.sleep("1 second") })
      const b = yield* pool.submit({ id: "three-seconds", execute: Effect.sleep("3 seconds") })
      yield* TestClock.adjust("3 seconds")
      yield* a.await
      yield* b.await
      const metrics = yield* pool.metrics
      expect(Duration.toMillis(metrics.totalDuration)).toBe(4000)
      expect(Duration.toMillis(metrics.averageTaskTime)).toBe(2000)
    }))

  it.scoped("counts the running time of failed tasks (including timeouts) but not of cancelled ones", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 3 })
      const fails = yield* pool.submit({ id: "fails", execute: Effect.zipRight(Effect.sleep("2 seconds"), Effect.fail("x")) })
      const timesOut = yield* pool.submit({ id: "times-out", timeout: "4 seconds", execute: Effect.never })
      const cancelled = yield* pool.submit({ id: "cancelled", execute: Effect.never })
      yield* TestClock.adjust("4 seconds")
      yield* fails.await
      yield* timesOut.await
      yield* cancelled.cancel
      const metrics = yield* pool.metrics
      expect(metrics.tasksFailed).toBe(2)
      expect(metrics.tasksCancelled).toBe(1)
      expect(Duration.toMillis(metrics.totalDuration)).toBe(6000)
      expect(Duration.toMillis(metrics.averageTaskTime)).toBe(3000)
    }))

  it.scoped("reports how many tasks are queued and running now", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 2, queueSize: 10 })
      const gates = yield* makeGates(5)
      const handles: Array<TaskHandle<void>> = []
      for (const [i, gate] of gates.entries()) handles.push(yield* pool.submit({ id: `t${i}`, execute: gate.execute }))
      yield* gates[0]!.awaitStarted
      yield* gates[1]!.awaitStarted
      let metrics = yield* pool.metrics
      expect(metrics.running).toBe(2)
      expect(metrics.queued).toBe(3)
      yield* gates[0]!.open
      yield* gates[2]!.awaitStarted
      metrics = yield* pool.metrics
      expect(metrics.running).toBe(2)
      expect(metrics.queued).toBe(2)
      yield* Effect.forEach(gates, (gate) => gate.open)
      yield* Effect.forEach(handles, (handle) => handle.await)
      metrics = yield* pool.metrics
      expect(metrics.running).toBe(0)
      expect(metrics.queued).toBe(0)
      expect(metrics.tasksCompleted).toBe(5)
    }))

  it.scoped("once idle, submitted = completed + failed + cancelled after a mix of every outcome", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 2, queueSize: 10, shutdownTimeout: "10 seconds" })
      const blocker = yield* makeGate
      // completed
      yield* pool.submit({ id: "ok-1", execute: Effect.void })
      yield* pool.submit({ id: "ok-2", execute: Effect.as(Effect.sleep("1 second"), 2) })
      // failed: typed failure, defect, thrown exception, timeout
      yield* pool.submit({ id: "typed", execute: Effect.fail("typed") })
      yield* pool.submit({ id: "defect", execute: Effect.die("defect") })
      yield* pool.submit({
        id: "thrown",
        execute: Effect.sync(() => {
          throw new Error("thrown")
        })
      })
      yield* pool.submit({ id: "timeout", timeout: "1 second", execute: Effect.never })
      yield* TestClock.adjust("2 seconds")
      // cancelled while running, cancelled while queued
      const running = yield* pool.submit({ id: "cancel-running", execute: blocker.execute })
      yield* blocker.awaitStarted
      const other = yield* makeGate
      yield* pool.submit({ id: "hold", execute: Effect.zipRight(other.execute, Effect.never) })
      yield* other.awaitStarted
      const queued = yield* pool.submit({ id: "cancel-queued", execute: Effect.void })
      yield* queued.cancel
      yield* running.cancel
      // settled by the shutdown: interrupted at the deadline, and still queued then
      yield* pool.submit({ id: "stuck", execute: Effect.never })
      yield* pool.submit({ id: "never-started-1", execute: Effect.void })
      yield* pool.submit({ id: "never-started-2", execute: Effect.void })
      yield* yieldMany()
      const shutdown = yield* Effect.fork(pool.shutdown)
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(shutdown)
      const metrics = yield* pool.metrics
      expect(metrics.tasksSubmitted).toBe(12)
      expect(metrics.tasksCompleted).toBe(2)
      expect(metrics.tasksFailed).toBe(4)
      expect(metrics.tasksCancelled).toBe(6)
      expect(metrics.tasksSubmitted).toBe(metrics.tasksCompleted + metrics.tasksFailed + metrics.tasksCancelled)
      expect(metrics.queued).toBe(0)
      expect(metrics.running).toBe(0)
    }))

  it.scoped("is kept when enableMetrics is false", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1, enableMetrics: false })
      yield* pool.run({ id: "ok", execute: Effect.void })
      yield* Effect.exit(pool.run({ id: "bad", execute: Effect.fail("bad") }))
      const metrics = yield* pool.metrics
      expect(metrics.tasksSubmitted).toBe(2)
      expect(metrics.tasksCompleted).toBe(1)
      expect(metrics.tasksFailed).toBe(1)
    }))
})

describe("Effect metrics", () => {
  it.scoped("counts submitted, completed and failed tasks, tagged with the pool name", () =>
    Effect.gen(function*() {
      const name = uniqueName("counters")
      const pool = yield* WorkerPool.make({ workers: 2, name })
      yield* pool.run({ id: "ok-1", execute: Effect.void })
      yield* pool.run({ id: "ok-2", execute: Effect.void })
      yield* Effect.exit(pool.run({ id: "bad", execute: Effect.fail("bad") }))
      yield* Effect.exit(pool.run({ id: "dies", execute: Effect.die("dies") }))
      expect(yield* counterValue("workerpool_tasks_submitted", name)).toBe(4)
      expect(yield* counterValue("workerpool_tasks_completed", name)).toBe(2)
      expect(yield* counterValue("workerpool_tasks_failed", name)).toBe(2)
      expect(yield* counterValue("workerpool_tasks_submitted", uniqueName("unrelated"))).toBe(0)
    }))

  it.scoped("counts timeouts as failures", () =>
    Effect.gen(function*() {
      const name = uniqueName("timeouts")
      const pool = yield* WorkerPool.make({ workers: 1, name })
      const handle = yield* pool.submit({ id: "slow", timeout: "1 second", execute: Effect.never })
      yield* TestClock.adjust("1 second")
      yield* handle.await
      expect(yield* counterValue("workerpool_tasks_failed", name)).toBe(1)
      expect(yield* counterValue("workerpool_tasks_completed", name)).toBe(0)
    }))

  it.scoped("records task durations in workerpool_task_duration_seconds", () =>
    Effect.gen(function*() {
      const name = uniqueName("durations")
      const pool = yield* WorkerPool.make({ workers: 3, name })
      const handles: Array<TaskHandle<unknown, unknown>> = [
        yield* pool.submit({ id: "1s", execute: Effect.sleep("1 second") }),
        yield* pool.submit({ id: "3s", execute: Effect.sleep("3 seconds") }),
        yield* pool.submit({ id: "2s-fails", execute: Effect.zipRight(Effect.sleep("2 seconds"), Effect.fail("x")) })
      ]
      yield* TestClock.adjust("3 seconds")
      yield* Effect.forEach(handles, (handle) => handle.await)
      const histogram = yield* histogramValue("workerpool_task_duration_seconds", name)
      expect(histogram).toBeDefined()
      expect(histogram!.count).toBe(3)
      expect(histogram!.sum).toBeCloseTo(6, 9)
      expect(histogram!.min).toBeCloseTo(1, 9)
      expect(histogram!.max).toBeCloseTo(3, 9)
    }))

  it.scoped("records queue waits in workerpool_task_wait_seconds", () =>
    Effect.gen(function*() {
      const name = uniqueName("waits")
      const pool = yield* WorkerPool.make({ workers: 1, name })
      const handles = [
        yield* pool.submit({ id: "a", execute: Effect.sleep("2 seconds") }),
        yield* pool.submit({ id: "b", execute: Effect.sleep("1 second") }),
        yield* pool.submit({ id: "c", execute: Effect.void })
      ]
      yield* TestClock.adjust("3 seconds")
      yield* Effect.forEach(handles, (handle) => handle.await)
      const histogram = yield* histogramValue("workerpool_task_wait_seconds", name)
      expect(histogram).toBeDefined()
      expect(histogram!.count).toBe(3)
      expect(histogram!.sum).toBeCloseTo(0 + 2 + 3, 9)
      expect(histogram!.min).toBeCloseTo(0, 9)
      expect(histogram!.max).toBeCloseTo(3, 9)
    }))

  it.scoped("pools with different names keep separate series", () =>
    Effect.gen(function*() {
      const first = uniqueName("first")
      const second = uniqueName("second")
      const a = yield* WorkerPool.make({ workers: 1, name: first })
      const b = yield* WorkerPool.make({ workers: 1, name: second })
      yield* a.run({ id: "a1", execute: Effect.void })
      yield* a.run({ id: "a2", execute: Effect.void })
      yield* b.run({ id: "b1", execute: Effect.void })
      expect(yield* counterValue("workerpool_tasks_submitted", first)).toBe(2)
      expect(yield* counterValue("workerpool_tasks_submitted", second)).toBe(1)
    }))

  it.scoped("are not updated at all when enableMetrics is false", () =>
    Effect.gen(function*() {
      const name = uniqueName("disabled")
      const pool = yield* WorkerPool.make({ workers: 1, name, enableMetrics: false })
      const gate = yield* makeGate
      yield* pool.submit({ id: "blocker", execute: Effect.zipRight(gate.execute, Effect.sleep("1 second")) })
      const queued = yield* pool.submit({ id: "waits", execute: Effect.void })
      yield* gate.awaitStarted
      yield* gate.open
      yield* TestClock.adjust("1 second")
      yield* queued.await
      yield* Effect.exit(pool.run({ id: "fails", execute: Effect.fail("x") }))
      expect((yield* pool.metrics).tasksSubmitted).toBe(3)
      expect(yield* metricsTaggedWith(name)).toStrictEqual([])
      expect(yield* counterValue("workerpool_tasks_submitted", name)).toBe(0)
      expect(yield* counterValue("workerpool_tasks_completed", name)).toBe(0)
      expect(yield* counterValue("workerpool_tasks_failed", name)).toBe(0)
    }))
})

describe("Effect metric tags", () => {
  it.scoped("submitted is tagged with pool alone; finished-task counters with pool and priority", () =>
    Effect.gen(function*() {
      const name = uniqueName("exact")
      const pool = yield* WorkerPool.make({ workers: 2, name })
      yield* pool.run({ id: "ok-1", execute: Effect.void })
      yield* pool.run({ id: "ok-2", execute: Effect.void, priority: Priority.High })
      yield* Effect.exit(pool.run({ id: "bad", execute: Effect.fail("bad") }))
      expect(yield* counterValueExact("workerpool_tasks_submitted", name)).toBe(3)
      const byPriority = (metric: string, priority: string) =>
        Metric.value(
          Metric.counter(metric, { incremental: true }).pipe(
            Metric.tagged("pool", name),
            Metric.tagged("priority", priority)
          )
        ).pipe(Effect.map((state) => state.count))
      expect(yield* byPriority("workerpool_tasks_completed", "normal")).toBe(1)
      expect(yield* byPriority("workerpool_tasks_completed", "high")).toBe(1)
      expect(yield* byPriority("workerpool_tasks_failed", "normal")).toBe(1)
    }))
})

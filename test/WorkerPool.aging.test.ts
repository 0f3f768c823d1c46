import { describe, expect, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import {
  type PoolConfig,
  Priority,
  type Task,
  type TaskHandle,
  type WorkerPoolService
} from "../src/index.js"
import { makeGate, makePool } from "./helpers.js"

/**
 * A constant stream of Critical work: each Critical task runs 100 ms and,
 * just before it ends, submits the next one, so the workers never run out of
 * Critical tasks. Returns the start times of the flood's tasks.
 */
const criticalFlood = (pool: WorkerPoolService, workers: number, backlog: number) =>
  Effect.gen(function*() {
    const starts: Array<number> = []
    let counter = 0
    const next = (): Task<void> => ({
      id: `critical-${counter++}`,
      priority: Priority.Critical,
      execute: Effect.gen(function*() {
        starts.push(yield* Clock.currentTimeMillis)
        yield* Effect.sleep("100 millis")
        // Refused once the pool shuts down at the end of the test: the flood stops.
        yield* Effect.ignore(pool.submit(next()))
      })
    })
    for (let i = 0; i < workers + backlog; i++) yield* pool.submit(next())
    return starts
  })

/** Tasks that record the order in which they run. */
const orderRecorder = () => {
  const order: Array<string> = []
  const task = (id: string, priority: Priority): Task<void> => ({
    id,
    priority,
    execute: Effect.sync(() => void order.push(id))
  })
  return { order, task }
}

/** A pool with one worker, held until `release`. */
const heldPool = (options: PoolConfig) =>
  Effect.gen(function*() {
    const pool = yield* makePool({ workers: 1, queueSize: 100, ...options })
    const hold = yield* makeGate
    yield* pool.submit({ id: "hold", execute: hold.execute })
    yield* hold.awaitStarted
    return { pool, release: hold.open }
  })

const submitAll = (pool: WorkerPoolService, tasks: ReadonlyArray<Task<void>>) =>
  Effect.forEach(tasks, (task) => pool.submit(task))

const joinAll = (handles: ReadonlyArray<TaskHandle<void>>) => Effect.forEach(handles, (handle) => handle.join)

describe("priority aging", () => {
  it.scoped("under a constant flood of Critical work, a Low task runs once it has waited 3 intervals, not before", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 2, queueSize: 100, agingInterval: "1 second" })
      const flood = yield* criticalFlood(pool, 2, 4)
      let lowStartedAt: number | undefined
      const low = yield* pool.submit({
        id: "low",
        priority: Priority.Low,
        execute: Effect.map(Clock.currentTimeMillis, (now) => void (lowStartedAt = now))
      })
      yield* TestClock.adjust("2999 millis")
      expect(lowStartedAt).toBeUndefined()
      // Both workers ran Critical tasks all along: 2 every 100 ms.
      expect(flood.length).toBe(60)
      expect((yield* pool.metrics).queued).toBe(5)
      yield* TestClock.adjust("1 millis")
      yield* low.join
      expect(lowStartedAt).toBe(3000)
    }))

  it.scoped("without agingInterval the same Low task is still waiting after 10 seconds of Critical flood", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 2, queueSize: 100 })
      yield* criticalFlood(pool, 2, 4)
      let lowStarted = false
      yield* pool.submit({ id: "low", priority: Priority.Low, execute: Effect.sync(() => void (lowStarted = true)) })
      yield* TestClock.adjust("10 seconds")
      expect(lowStarted).toBe(false)
    }))

  it.scoped("an aged Low task submitted before a Normal task, both now at effective level Normal, runs first", () =>
    Effect.gen(function*() {
      const { pool, release } = yield* heldPool({ agingInterval: "1 second" })
      const r = orderRecorder()
      const handles = yield* submitAll(pool, [r.task("low", Priority.Low)])
      yield* TestClock.adjust("1 second")
      handles.push(...(yield* submitAll(pool, [r.task("normal", Priority.Normal)])))
      yield* release
      yield* joinAll(handles)
      expect(r.order).toStrictEqual(["low", "normal"])
    }))

  it.scoped("order within an effective level is acceptance order, across base levels", () =>
    Effect.gen(function*() {
      const { pool, release } = yield* heldPool({ agingInterval: "1 second" })
      const r = orderRecorder()
      const handles = yield* submitAll(pool, [r.task("L0", Priority.Low), r.task("N0", Priority.Normal)])
      yield* TestClock.adjust("1 second")
      handles.push(...(yield* submitAll(pool, [r.task("N1", Priority.Normal), r.task("H1", Priority.High)])))
      yield* TestClock.adjust("500 millis")
      // Effective levels now: N0 and H1 High, L0 and N1 Normal.
      yield* release
      yield* joinAll(handles)
      expect(r.order).toStrictEqual(["N0", "H1", "L0", "N1"])
    }))

  it.scoped("aging is capped at Critical: a long-waiting Low task runs after older Critical tasks and before newer ones", () =>
    Effect.gen(function*() {
      const { pool, release } = yield* heldPool({ agingInterval: "1 second" })
      const r = orderRecorder()
      const handles = yield* submitAll(pool, [r.task("C0", Priority.Critical), r.task("L0", Priority.Low)])
      yield* TestClock.adjust("10 seconds")
      handles.push(...(yield* submitAll(pool, [r.task("C1", Priority.Critical), r.task("H1", Priority.High)])))
      yield* release
      yield* joinAll(handles)
      expect(r.order).toStrictEqual(["C0", "L0", "C1", "H1"])
    }))

  it.scoped.each([
    { waited: 999, order: ["normal", "low"] },
    { waited: 1000, order: ["low", "normal"] }
  ])("a Low task counts one level up only after a whole interval (waited $waited ms: $order)", ({ order, waited }) =>
    Effect.gen(function*() {
      const { pool, release } = yield* heldPool({ agingInterval: "1 second" })
      const r = orderRecorder()
      const handles = yield* submitAll(pool, [r.task("low", Priority.Low)])
      yield* TestClock.adjust("1 millis")
      handles.push(...(yield* submitAll(pool, [r.task("normal", Priority.Normal)])))
      yield* TestClock.adjust(waited - 1)
      yield* release
      yield* joinAll(handles)
      expect(r.order).toStrictEqual(order)
    }))

  it.scoped("tasks of one base level keep their FIFO order while they age together", () =>
    Effect.gen(function*() {
      const { pool, release } = yield* heldPool({ agingInterval: "100 millis" })
      const r = orderRecorder()
      const handles: Array<TaskHandle<void>> = []
      for (let i = 0; i < 10; i++) {
        handles.push(yield* pool.submit(r.task(`low-${i}`, Priority.Low)))
        yield* TestClock.adjust("30 millis")
      }
      yield* release
      yield* joinAll(handles)
      expect(r.order).toStrictEqual(Array.from({ length: 10 }, (_, i) => `low-${i}`))
    }))
})

/**
 * Nested tasks: a task that waits on another task of its own pool lends its
 * worker while it waits and takes one again ahead of queued tasks of its
 * effective priority or lower, so fanning out on one's own pool never
 * deadlocks it. And `shutdown` called from inside the pool does not wait
 * for its caller.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { Priority, type Task, TaskResult, type WorkerPoolService } from "../src/index.js"
import { failureOf, isDone, isInterruption, makeGate, makePool, yieldMany } from "./helpers.js"

/** Counts the effects running now (not waiting on the pool) and the most at once. */
const activity = () => {
  let now = 0
  let most = 0
  const busy = <A, E>(effect: Effect.Effect<A, E>) =>
    Effect.acquireUseRelease(
      Effect.sync(() => {
        now++
        most = Math.max(most, now)
      }),
      () => effect,
      () => Effect.sync(() => void now--)
    )
  return {
    busy,
    get most() {
      return most
    }
  }
}

/** Moves the clock 10 ms at a time until `fiber` is done, checking `check` after each step. */
const driveUntilDone = <A, E>(fiber: Fiber.Fiber<A, E>, check: Effect.Effect<void>) =>
  Effect.gen(function*() {
    for (let step = 0; step < 1000 && Option.isNone(yield* Fiber.poll(fiber)); step++) {
      yield* TestClock.adjust("10 millis")
      yield* check
    }
    return yield* Fiber.join(fiber)
  })

const children = (n: number): Array<Task<number>> =>
  Array.from({ length: n }, (_, i) => ({ id: `child-${i}`, execute: Effect.as(Effect.sleep("100 millis"), i + 1) }))

/** Ways for a task to wait on tasks of its own pool, each summing the children's values. */
const ways: ReadonlyArray<{ readonly title: string; readonly wait: (pool: WorkerPoolService) => Effect.Effect<number, unknown> }> = [
  { title: "run", wait: (pool) => Effect.reduce(children(3), 0, (sum, child) => Effect.map(pool.run(child), (n) => sum + n)) },
  {
    title: "submit and join",
    wait: (pool) =>
      Effect.flatMap(Effect.forEach(children(3), (child) => pool.submit(child)), (handles) =>
        Effect.map(Effect.forEach(handles, (handle) => handle.join), (values) => values.reduce((a, b) => a + b, 0)))
  },
  {
    title: "submit and await",
    wait: (pool) =>
      Effect.flatMap(Effect.forEach(children(3), (child) => pool.submit(child)), (handles) =>
        Effect.map(
          Effect.forEach(handles, (handle) => handle.await),
          (results) => results.filter(TaskResult.isSuccess).reduce((sum, result) => sum + result.exit.value, 0)
        ))
  },
  {
    title: "runAll",
    wait: (pool) =>
      Effect.map(pool.runAll(children(3)), (results) =>
        results.filter(TaskResult.isSuccess).reduce((sum, result) => sum + result.exit.value, 0))
  },
  {
    title: "submitBatch",
    wait: (pool) =>
      pool.submitBatch(children(3)).pipe(
        Stream.filter(TaskResult.isSuccess),
        Stream.runFold(0, (sum, result) => sum + result.exit.value)
      )
  }
]

describe("a task waiting on tasks of its own pool", () => {
  it.scoped.each(ways)("never deadlocks a pool of one worker, waiting with $title", ({ wait }) =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const parent = yield* Effect.fork(pool.run({ id: "parent", execute: wait(pool) }))
      yield* TestClock.adjust("300 millis")
      expect(yield* Fiber.join(parent)).toBe(6)
    }))

  it.scoped("gives its worker back while it waits: metrics.running drops by one, and its state stays running", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const child = yield* makeGate
      const parent = yield* pool.submit({
        id: "parent",
        execute: Effect.flatMap(pool.submit({ id: "child", execute: Effect.as(child.execute, 1) }), (handle) => handle.join)
      })
      yield* child.awaitStarted
      expect((yield* pool.metrics).running).toBe(1)
      const states = Object.fromEntries((yield* pool.tasks).map((info) => [info.taskId, info.state]))
      expect(states).toStrictEqual({ parent: "running", child: "running" })
      yield* child.open
      expect(yield* parent.join).toBe(1)
      expect(yield* pool.metrics).toMatchObject({ running: 0, tasksCompleted: 2 })
    }))

  it.scoped("takes a worker again before queued tasks of its effective priority or lower, and after those of a higher one", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const log: Array<string> = []
      const record = (what: string) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sync(() => void log.push(`${what}@${now}`)))
      const parent = yield* pool.submit({
        id: "parent",
        execute: Effect.gen(function*() {
          yield* record("parent")
          const child = yield* pool.submit({ id: "child", execute: Effect.zipRight(record("child"), Effect.sleep("1 second")) })
          yield* child.join
          yield* record("parent goes on")
          yield* Effect.sleep("500 millis")
        })
      })
      yield* yieldMany()
      const same = yield* pool.submit({ id: "same", execute: record("same") })
      const lower = yield* pool.submit({ id: "lower", priority: Priority.Low, execute: record("lower") })
      const higher = yield* pool.submit({
        id: "higher",
        priority: Priority.High,
        execute: Effect.zipRight(record("higher"), Effect.sleep("200 millis"))
      })
      yield* TestClock.adjust("2 seconds")
      yield* Effect.forEach([parent, same, lower, higher], (handle) => handle.await)
      expect(log).toStrictEqual(["parent@0", "child@0", "higher@1000", "parent goes on@1200", "same@1700", "lower@1700"])
    }))

  it.scoped("waiting from fibers it forked lends the worker too", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const act = activity()
      const child = (id: string) => ({ id, execute: act.busy(Effect.as(Effect.sleep("100 millis"), 1)) })
      const parent = yield* Effect.fork(pool.run({
        id: "parent",
        execute: Effect.gen(function*() {
          const a = yield* Effect.fork(pool.run(child("a")))
          const b = yield* Effect.fork(pool.run(child("b")))
          return (yield* Fiber.join(a)) + (yield* Fiber.join(b))
        })
      }))
      yield* TestClock.adjust("200 millis")
      expect(yield* Fiber.join(parent)).toBe(2)
      expect(act.most).toBe(1)
    }))

  it.scoped("a chain of tasks five deep, each running the next, completes on one worker", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const level = (depth: number): Effect.Effect<number, unknown> =>
        depth === 0
          ? Effect.as(Effect.sleep("10 millis"), 0)
          : Effect.map(pool.run({ id: `level-${depth}`, execute: Effect.suspend(() => level(depth - 1)) }), (n) => n + 1)
      const chain = yield* Effect.fork(level(5))
      yield* TestClock.adjust("10 millis")
      expect(yield* Fiber.join(chain)).toBe(5)
    }))

  it.scoped("keeps holding its key's limit while it waits: only the worker is lent", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 2, keyLimits: { k: 1 } })
      const child = yield* makeGate
      const parent = yield* pool.submit({
        id: "parent",
        key: "k",
        execute: Effect.flatMap(pool.submit({ id: "child", execute: child.execute }), (handle) => handle.join)
      })
      yield* child.awaitStarted
      let sameKeyStarted = false
      const sameKey = yield* pool.submit({ id: "same-key", key: "k", execute: Effect.sync(() => void (sameKeyStarted = true)) })
      yield* yieldMany()
      expect(sameKeyStarted).toBe(false)
      expect((yield* pool.metrics).keys["k"]).toMatchObject({ running: 1, queued: 1 })
      yield* child.open
      yield* parent.join
      yield* sameKey.join
      expect(sameKeyStarted).toBe(true)
    }))
})

describe("an orchestration task fanning out on its own pool", () => {
  it.scoped.each([1, 2])("with workers %i: a moderator runs rounds of agents, each agent a sub-task, never deadlocking and never running more than workers at once", (workers) =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers, queueSize: 50 })
      const act = activity()
      const agent = (round: number, name: string): Task<string, unknown> => ({
        id: `round-${round}/${name}`,
        execute: Effect.gen(function*() {
          yield* act.busy(Effect.sleep("30 millis"))
          const source = yield* pool.run({ id: `round-${round}/${name}/lookup`, execute: act.busy(Effect.as(Effect.sleep("20 millis"), "source")) })
          return yield* act.busy(Effect.as(Effect.sleep("10 millis"), `${name} cites a ${source}`))
        })
      })
      const moderator = Effect.gen(function*() {
        const transcript: Array<ReadonlyArray<string>> = []
        for (let round = 1; round <= 3; round++) {
          const results = yield* pool.runAll(["optimist", "skeptic", "pragmatist"].map((name) => agent(round, name)))
          transcript.push(results.filter(TaskResult.isSuccess).map((result) => result.exit.value))
          yield* act.busy(Effect.sleep("10 millis"))
        }
        const verdict = yield* pool.run({ id: "judge", priority: Priority.Critical, execute: act.busy(Effect.as(Effect.sleep("10 millis"), "verdict")) })
        return { transcript, verdict }
      })
      // other work competing for the same workers
      const others = yield* Effect.forEach(
        Array.from({ length: 5 }, (_, i) => i),
        (i) => pool.submit({ id: `other-${i}`, execute: act.busy(Effect.sleep("40 millis")) })
      )
      const run = yield* Effect.fork(pool.run({ id: "moderator", priority: Priority.High, execute: moderator }))
      const result = yield* driveUntilDone(
        run,
        Effect.map(pool.metrics, (metrics) => expect(metrics.running).toBeLessThanOrEqual(workers))
      )
      expect(result.verdict).toBe("verdict")
      expect(result.transcript).toStrictEqual(
        Array.from({ length: 3 }, () => ["optimist cites a source", "skeptic cites a source", "pragmatist cites a source"])
      )
      for (const other of others) expect(Exit.isSuccess((yield* other.await).exit)).toBe(true)
      expect(act.most).toBeLessThanOrEqual(workers)
      expect(act.most).toBe(workers)
    }))
})

describe("shutdown called from inside the pool", () => {
  it.scoped("from a task: returns once every other accepted task has settled, and the calling task goes on until it ends", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 2, shutdownTimeout: "10 seconds" })
      let shutdownReturnedAt = -1
      yield* pool.submit({ id: "other-running", execute: Effect.sleep("1 second") })
      const caller = yield* pool.submit({
        id: "caller",
        execute: Effect.gen(function*() {
          yield* pool.shutdown
          shutdownReturnedAt = yield* Clock.currentTimeMillis
          yield* Effect.sleep("500 millis")
          return "went on"
        })
      })
      const queued = yield* pool.submit({ id: "other-queued", execute: Effect.sleep("1 second") })
      yield* yieldMany()
      const outside = yield* Effect.fork(pool.shutdown)
      yield* TestClock.adjust("2 seconds")
      expect(shutdownReturnedAt).toBe(2000)
      expect(Exit.isSuccess((yield* queued.await).exit)).toBe(true)
      expect(yield* isDone(outside)).toBe(false)
      yield* TestClock.adjust("500 millis")
      expect(yield* caller.join).toBe("went on")
      expect(yield* isDone(outside)).toBe(true)
    }))

  it.scoped("from a task that then never ends: the shutdown deadline interrupts it", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1, shutdownTimeout: "1 second" })
      let shutdownReturned = false
      const caller = yield* pool.submit({
        id: "caller",
        execute: Effect.zipRight(pool.shutdown, Effect.zipRight(Effect.sync(() => void (shutdownReturned = true)), Effect.never))
      })
      yield* yieldMany()
      expect(shutdownReturned).toBe(true)
      const outside = yield* Effect.fork(pool.shutdown)
      yield* TestClock.adjust("999 millis")
      expect(yield* isDone(outside)).toBe(false)
      yield* TestClock.adjust("1 millis")
      expect(yield* isDone(outside)).toBe(true)
      expect(isInterruption((yield* caller.await).exit)).toBe(true)
    }))

  it.scoped("from a callback: returns once every other accepted task has settled", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 2 })
      let shutdownReturnedAt = -1
      const other = yield* pool.submit({ id: "other", execute: Effect.sleep("1 second") })
      const caller = yield* pool.submit({
        id: "caller",
        execute: Effect.void,
        callback: () =>
          Effect.zipRight(
            pool.shutdown,
            Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sync(() => void (shutdownReturnedAt = now)))
          )
      })
      yield* yieldMany()
      expect(shutdownReturnedAt).toBe(-1)
      yield* TestClock.adjust("1 second")
      expect(shutdownReturnedAt).toBe(1000)
      yield* other.await
      expect(Exit.isSuccess((yield* caller.await).exit)).toBe(true)
      const refused = yield* Effect.exit(pool.submit({ id: "late", execute: Effect.void }))
      expect(failureOf(refused)).toMatchObject({ _tag: "PoolShutdownError" })
    }))

  it.scoped("from a task's forked fiber: the task is not waited for either", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1, shutdownTimeout: "10 seconds" })
      const returned = yield* Deferred.make<void>()
      const caller = yield* pool.submit({
        id: "caller",
        execute: Effect.gen(function*() {
          const fiber = yield* Effect.fork(Effect.zipRight(pool.shutdown, Deferred.succeed(returned, undefined)))
          yield* Fiber.join(fiber)
          return "done"
        })
      })
      expect(yield* caller.join).toBe("done")
      expect(yield* Deferred.isDone(returned)).toBe(true)
    }))
})

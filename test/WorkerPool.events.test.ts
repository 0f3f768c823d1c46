/**
 * `pool.events`: each subscriber gets the pool's events from the moment it
 * subscribed, through a bounded buffer of its own, until the pool has shut
 * down.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { PoolConfigError, PoolEvent, Priority, WorkerPool, type WorkerPoolService } from "../src/index.js"
import { failureOf, isDone, makeGate, makePool, yieldMany } from "./helpers.js"

/**
 * Subscribes to the pool's events and collects them as they come; the
 * fiber ends when the stream does.
 */
const subscribe = (pool: WorkerPoolService) =>
  Effect.gen(function*() {
    const events: Array<PoolEvent> = []
    const fiber = yield* Effect.fork(Stream.runForEach(pool.events, (event) => Effect.sync(() => void events.push(event))))
    yield* yieldMany()
    /** The events received so far, once the subscriber has caught up. */
    const received = Effect.zipRight(yieldMany(), Effect.sync(() => events.slice()))
    return { events, fiber, received }
  })

const tags = (events: ReadonlyArray<PoolEvent>) => events.map((event) => event._tag)

type TaskEvent = Extract<PoolEvent, { readonly taskId: string }>

const ofTask = (events: ReadonlyArray<PoolEvent>, taskId: string): Array<TaskEvent> =>
  events.filter((event): event is TaskEvent => "taskId" in event && event.taskId === taskId)

/** Each task's outcome from its TaskSettled events; a task settled twice shows up as a list. */
const outcomes = (events: ReadonlyArray<PoolEvent>) => {
  const seen = new Map<string, Array<string>>()
  for (const event of events) {
    if (!PoolEvent.$is("TaskSettled")(event)) continue
    seen.set(event.taskId, [...(seen.get(event.taskId) ?? []), event.outcome])
  }
  return Object.fromEntries([...seen].map(([taskId, list]) => [taskId, list.length === 1 ? list[0] : list]))
}

const shutDown = (pool: WorkerPoolService) =>
  Effect.gen(function*() {
    const shutdown = yield* Effect.fork(pool.shutdown)
    yield* TestClock.adjust("1 hour")
    yield* Fiber.join(shutdown)
  })

describe("the events of a task", () => {
  it.scoped("TaskAccepted, TaskStarted and TaskSettled, in that order, with their fields and timestamps in ms on the pool's clock", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const sub = yield* subscribe(pool)
      yield* TestClock.adjust("1 second")
      yield* pool.submit({ id: "first", execute: Effect.sleep("500 millis") })
      const handle = yield* pool.submit({
        id: "second",
        priority: Priority.High,
        key: "k",
        execute: Effect.as(Effect.sleep("2 seconds"), "value")
      })
      yield* TestClock.adjust("2500 millis")
      yield* handle.await
      const [accepted, started, settled, ...rest] = ofTask(yield* sub.received, "second")
      expect(rest).toStrictEqual([])
      expect(accepted).toMatchObject({ _tag: "TaskAccepted", timestamp: 1000, taskId: "second", priority: Priority.High, key: "k", attempt: 1 })
      expect(started).toMatchObject({ _tag: "TaskStarted", timestamp: 1500, taskId: "second", priority: Priority.High, key: "k", attempt: 1 })
      expect(settled).toMatchObject({ _tag: "TaskSettled", timestamp: 3500, taskId: "second", outcome: "success", attempts: 1 })
      const { duration, waitTime } = settled as Extract<PoolEvent, { _tag: "TaskSettled" }>
      expect(Duration.toMillis(duration)).toBe(2000)
      expect(Duration.toMillis(waitTime)).toBe(500)
      expect(ofTask(yield* sub.received, "first")[0]).toMatchObject({ _tag: "TaskAccepted", key: undefined, priority: Priority.Normal })
    }))

  it.scoped("TaskRetrying names the attempt that failed and the delay; the next TaskStarted is attempt 2; TaskSettled counts the attempts", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const sub = yield* subscribe(pool)
      let attempt = 0
      const handle = yield* pool.submit({
        id: "flaky",
        execute: Effect.suspend(() => ++attempt === 1 ? Effect.fail("first") : Effect.void),
        retry: Schedule.spaced("1 second")
      })
      yield* TestClock.adjust("1 second")
      yield* handle.await
      const events = ofTask(yield* sub.received, "flaky")
      expect(events[0]).toMatchObject({ _tag: "TaskAccepted", attempt: 1 })
      const rest = events.filter((event) => event._tag !== "TaskAccepted")
      expect(tags(rest)).toStrictEqual(["TaskStarted", "TaskRetrying", "TaskStarted", "TaskSettled"])
      expect(rest[0]).toMatchObject({ timestamp: 0, attempt: 1 })
      expect(rest[1]).toMatchObject({ _tag: "TaskRetrying", timestamp: 0, taskId: "flaky", attempt: 1 })
      expect(Duration.toMillis((rest[1] as Extract<PoolEvent, { _tag: "TaskRetrying" }>).delay)).toBe(1000)
      expect(rest[2]).toMatchObject({ timestamp: 1000, attempt: 2 })
      expect(rest[3]).toMatchObject({ outcome: "success", attempts: 2 })
    }))

  it.scoped("TaskSettled outcome: success, failure (typed or defect), timeout", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 4 })
      const sub = yield* subscribe(pool)
      const ok = yield* pool.submit({ id: "ok", execute: Effect.void })
      const typed = yield* pool.submit({ id: "typed", execute: Effect.fail("no") })
      const defect = yield* pool.submit({ id: "defect", execute: Effect.die("bug") })
      const slow = yield* pool.submit({ id: "slow", execute: Effect.never, timeout: "1 second" })
      yield* TestClock.adjust("1 second")
      yield* Effect.all([ok.await, typed.await, defect.await, slow.await])
      expect(outcomes(yield* sub.received)).toStrictEqual({ ok: "success", typed: "failure", defect: "failure", slow: "timeout" })
    }))

  it.scoped("TaskSettled outcome: cancelled, evicted, expired", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1, queueSize: 2 })
      const sub = yield* subscribe(pool)
      const hold = yield* makeGate
      const running = yield* pool.submit({ id: "running", execute: hold.execute })
      yield* hold.awaitStarted
      const expires = yield* pool.submit({ id: "expires", execute: Effect.void, queueTimeout: "1 second" })
      const evicted = yield* pool.submit({ id: "evicted", priority: Priority.Low, execute: Effect.void })
      const urgent = yield* pool.submit({ id: "urgent", priority: Priority.High, execute: Effect.void }, { overflow: "evict-lowest" })
      yield* evicted.await
      yield* urgent.cancel
      yield* TestClock.adjust("1 second")
      yield* expires.await
      yield* running.cancel
      expect(outcomes(yield* sub.received)).toStrictEqual({ evicted: "evicted", urgent: "cancelled", expires: "expired", running: "cancelled" })
    }))

  it.scoped("TaskSettled outcome at shutdown: shutdown for tasks settled by the deadline, the last failure for a task waiting for a retry", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1, shutdownTimeout: "1 second" })
      const sub = yield* subscribe(pool)
      yield* pool.submit({ id: "retrying", execute: Effect.fail("no"), retry: Schedule.spaced("1 hour") })
      yield* yieldMany()
      yield* pool.submit({ id: "stuck", execute: Effect.never })
      yield* pool.submit({ id: "queued", execute: Effect.void })
      yield* shutDown(pool)
      yield* Fiber.join(sub.fiber)
      expect(outcomes(sub.events)).toStrictEqual({ retrying: "failure", stuck: "shutdown", queued: "shutdown" })
    }))
})

describe("the events of the pool", () => {
  it.scoped("KeyPaused with the end of the pause in ms (Infinity until resumeKey), and KeyResumed on resumeKey or when the pause runs out", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const sub = yield* subscribe(pool)
      yield* TestClock.adjust("1 second")
      yield* pool.pauseKey("k", "2 seconds")
      yield* pool.pauseKey("j", Infinity)
      yield* pool.resumeKey("unpaused")
      yield* TestClock.adjust("2 seconds")
      yield* pool.resumeKey("j")
      expect(yield* sub.received).toMatchObject([
        { _tag: "KeyPaused", timestamp: 1000, key: "k", until: 3000 },
        { _tag: "KeyPaused", timestamp: 1000, key: "j", until: Infinity },
        { _tag: "KeyResumed", timestamp: 3000, key: "k" },
        { _tag: "KeyResumed", timestamp: 3000, key: "j" }
      ])
    }))

  it.scoped("PoolPaused and PoolResumed only on a change, PoolResized with the new bound", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const sub = yield* subscribe(pool)
      yield* pool.pause
      yield* pool.pause
      yield* TestClock.adjust("10 millis")
      yield* pool.resume
      yield* pool.resume
      yield* pool.resize(3)
      expect(yield* sub.received).toMatchObject([
        { _tag: "PoolPaused", timestamp: 0 },
        { _tag: "PoolResumed", timestamp: 10 },
        { _tag: "PoolResized", timestamp: 10, workers: 3 }
      ])
    }))

  it.scoped("ShutdownStarted comes before the settling of the drained tasks, ShutdownCompleted last, and then the stream ends", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const sub = yield* subscribe(pool)
      yield* pool.submit({ id: "drained", execute: Effect.sleep("1 second") })
      yield* yieldMany()
      yield* shutDown(pool)
      yield* Fiber.join(sub.fiber)
      expect(tags(sub.events)).toStrictEqual(["TaskAccepted", "TaskStarted", "ShutdownStarted", "TaskSettled", "ShutdownCompleted"])
      expect(sub.events.at(-1)).toMatchObject({ timestamp: 1000 })
    }))

  it.scoped("a subscription made after shutdown completed ends at once, empty", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      yield* pool.shutdown
      expect(Chunk.toReadonlyArray(yield* Stream.runCollect(pool.events))).toStrictEqual([])
    }))

  it.scoped("each subscriber gets the events from the moment it subscribed", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const early = yield* subscribe(pool)
      yield* pool.run({ id: "before", execute: Effect.void })
      const late = yield* subscribe(pool)
      yield* pool.run({ id: "after", execute: Effect.void })
      yield* shutDown(pool)
      yield* Fiber.join(early.fiber)
      yield* Fiber.join(late.fiber)
      expect(ofTask(early.events, "before")).toHaveLength(3)
      expect(ofTask(late.events, "before")).toStrictEqual([])
      expect(tags(late.events)).toStrictEqual(["TaskAccepted", "TaskStarted", "TaskSettled", "ShutdownStarted", "ShutdownCompleted"])
      expect(early.events.slice(3)).toStrictEqual(late.events)
    }))

  it.scoped("events are tagged values that PoolEvent.$is and PoolEvent.$match tell apart", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const sub = yield* subscribe(pool)
      yield* pool.run({ id: "a", execute: Effect.void })
      const events = yield* sub.received
      const settled = events.filter(PoolEvent.$is("TaskSettled"))
      expect(settled.map((event) => event.taskId)).toStrictEqual(["a"])
      const described = events.map(PoolEvent.$match({
        TaskAccepted: (event) => `accepted ${event.taskId}`,
        TaskStarted: (event) => `started ${event.taskId}`,
        TaskRetrying: (event) => `retrying ${event.taskId}`,
        TaskSettled: (event) => `settled ${event.taskId}: ${event.outcome}`,
        KeyPaused: (event) => `key ${event.key} paused`,
        KeyResumed: (event) => `key ${event.key} resumed`,
        PoolPaused: () => "paused",
        PoolResumed: () => "resumed",
        PoolResized: (event) => `resized to ${event.workers}`,
        ShutdownStarted: () => "shutting down",
        ShutdownCompleted: () => "shut down",
        EventsDropped: (event) => `${event.count} dropped`
      }))
      expect(described).toStrictEqual(["accepted a", "started a", "settled a: success"])
    }))
})

describe("slow subscribers", () => {
  it.scoped("a full buffer drops the oldest events, and the subscriber next receives EventsDropped with their count before the events kept", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1, eventBufferSize: 4 })
      const release = yield* Deferred.make<void>()
      const slow: Array<PoolEvent> = []
      const slowFiber = yield* Effect.fork(
        Stream.runForEach(pool.events, (event) =>
          Effect.suspend(() => {
            slow.push(event)
            // busy with its first event until released
            return slow.length === 1 ? Deferred.await(release) : Effect.void
          }))
      )
      const fast = yield* subscribe(pool)
      yield* pool.pause
      yield* yieldMany()
      expect(tags(slow)).toStrictEqual(["PoolPaused"])
      // nine more events while the slow subscriber is busy with the first: it keeps the last four
      // (yielding after each, so that the fast subscriber keeps up)
      for (let i = 0; i < 4; i++) {
        yield* pool.resume
        yield* yieldMany()
        yield* pool.pause
        yield* yieldMany()
      }
      yield* pool.resume
      expect(yield* fast.received).toHaveLength(10)
      yield* Deferred.succeed(release, undefined)
      yield* yieldMany()
      expect(slow).toHaveLength(6)
      expect(slow[1]).toMatchObject({ _tag: "EventsDropped", count: 5 })
      expect(slow.slice(2)).toStrictEqual(fast.events.slice(6))
      yield* shutDown(pool)
      yield* Fiber.join(slowFiber)
      expect(tags(slow.slice(6))).toStrictEqual(["ShutdownStarted", "ShutdownCompleted"])
    }))

  it.scoped("a subscriber that never reads slows neither the pool nor the other subscribers, nor holds up shutdown", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 2, eventBufferSize: 4 })
      const stuck = yield* Effect.fork(Stream.runForEach(pool.events, () => Effect.never))
      const reader = yield* subscribe(pool)
      for (let i = 0; i < 20; i++) {
        expect(yield* pool.run({ id: `t${i}`, execute: Effect.succeed(i) })).toBe(i)
        yield* yieldMany()
      }
      const events = yield* reader.received
      expect(events.filter(PoolEvent.$is("TaskSettled"))).toHaveLength(20)
      expect(events).toHaveLength(60)
      const shutdown = yield* Effect.fork(pool.shutdown)
      expect(yield* isDone(shutdown)).toBe(true)
      yield* Fiber.join(reader.fiber)
      yield* Fiber.interrupt(stuck)
    }))
})

describe("eventBufferSize", () => {
  it.effect.each([
    { title: "zero", eventBufferSize: 0 },
    { title: "a negative number", eventBufferSize: -1 },
    { title: "a fraction", eventBufferSize: 1.5 },
    { title: "a string", eventBufferSize: "many" }
  ])("$title is refused with PoolConfigError naming eventBufferSize and the value", ({ eventBufferSize }) =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Effect.scoped(WorkerPool.make({ eventBufferSize } as never)))
      expect(failureOf(exit)).toBeInstanceOf(PoolConfigError)
      expect(failureOf(exit)).toMatchObject({ field: "eventBufferSize", value: eventBufferSize })
    }))

  it.scoped("defaults to 1,024", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({})
      expect(pool.config.eventBufferSize).toBe(1024)
    }))
})

/**
 * Retries: a task's `retry` schedule (or the pool's) runs it again after a
 * failed attempt. The schedule sees the error that ended the attempt; only
 * typed failures and running-time timeouts are retried; between attempts
 * the task holds no worker and then queues again in its place.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Metric from "effect/Metric"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import {
  InvalidTaskError,
  PoolConfigError,
  Priority,
  type Task,
  type TaskResult,
  TaskTimeoutError,
  WorkerPool
} from "../src/index.js"
import { defectOf, failureOf, isDone, isInterruption, makeGate, makePool, uniqueName, yieldMany } from "./helpers.js"

class Attempt {
  constructor(readonly n: number) {}
}

/**
 * A task body that counts its attempts and the times they started, and
 * plays `outcomes[n - 1]` on attempt n (the last one for every later one).
 */
const scripted = <A>(outcomes: ReadonlyArray<(n: number) => Effect.Effect<A, Attempt>>) => {
  const state = { attempts: 0, startedAt: [] as Array<number> }
  const execute = Effect.flatMap(Clock.currentTimeMillis, (now) => {
    state.attempts++
    state.startedAt.push(now)
    return outcomes[Math.min(state.attempts, outcomes.length) - 1]!(state.attempts)
  })
  return { state, execute }
}

const fails = (n: number): Effect.Effect<never, Attempt> => Effect.fail(new Attempt(n))
const succeeds = (n: number): Effect.Effect<string, Attempt> => Effect.succeed(`attempt ${n}`)

/** A schedule that records its inputs: the errors that ended attempts. */
const recording = <Out>(schedule: Schedule.Schedule<Out, unknown>) => {
  const inputs: Array<unknown> = []
  return {
    inputs,
    schedule: schedule.pipe(Schedule.tapInput((input: unknown) => Effect.sync(() => void inputs.push(input))))
  }
}

describe("retrying a failed attempt", () => {
  it.scoped("runs the task again as its schedule says and succeeds with the attempt that succeeds", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const task = scripted([fails, fails, succeeds])
      const result = yield* (yield* pool.submit({ id: "flaky", execute: task.execute, retry: Schedule.recurs(5) })).await
      expect(result.exit).toStrictEqual(Exit.succeed("attempt 3"))
      expect(result.attempts).toBe(3)
      expect(task.state.attempts).toBe(3)
    }))

  it.scoped("settles with the last attempt's failure once the schedule is done", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const task = scripted([fails])
      const result = yield* (yield* pool.submit({ id: "hopeless", execute: task.execute, retry: Schedule.recurs(2) })).await
      expect(failureOf(result.exit)).toStrictEqual(new Attempt(3))
      expect(result.attempts).toBe(3)
    }))

  it.scoped("the schedule's input is the error that ended the attempt: the typed failure, or TaskTimeoutError from the running-time timeout", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const retry = recording(Schedule.recurs(3))
      const task = scripted<string>([fails, () => Effect.never, succeeds])
      const handle = yield* pool.submit({ id: "inputs", execute: task.execute, timeout: "1 second", retry: retry.schedule })
      yield* TestClock.adjust("1 second")
      const result = yield* handle.await
      expect(result.exit).toStrictEqual(Exit.succeed("attempt 3"))
      expect(retry.inputs).toHaveLength(2)
      expect(retry.inputs[0]).toStrictEqual(new Attempt(1))
      expect(retry.inputs[1]).toBeInstanceOf(TaskTimeoutError)
      expect(retry.inputs[1]).toMatchObject({ taskId: "inputs", phase: "running" })
    }))

  it.scoped("a schedule that looks at the error decides: recurWhile stops at the first error it refuses", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const task = scripted([fails])
      const retry = Schedule.recurWhile((error: unknown) => error instanceof Attempt && error.n < 2)
      const result = yield* (yield* pool.submit({ id: "picky", execute: task.execute, retry })).await
      expect(failureOf(result.exit)).toStrictEqual(new Attempt(2))
      expect(result.attempts).toBe(2)
    }))

  it.scoped("the pool's retry applies to tasks that set none; a task's own retry replaces it", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1, retry: Schedule.recurs(1) })
      const byDefault = scripted([fails])
      const own = scripted([fails])
      const a = yield* pool.submit({ id: "default", execute: byDefault.execute })
      const b = yield* pool.submit({ id: "own", execute: own.execute, retry: Schedule.recurs(3) })
      expect((yield* a.await).attempts).toBe(2)
      expect((yield* b.await).attempts).toBe(4)
      expect([byDefault.state.attempts, own.state.attempts]).toStrictEqual([2, 4])
    }))

  it.scoped("a task that succeeds at once runs once, with attempts 1", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1, retry: Schedule.forever })
      const result = yield* (yield* pool.submit({ id: "fine", execute: Effect.succeed(1) })).await
      expect(result.exit).toStrictEqual(Exit.succeed(1))
      expect(result.attempts).toBe(1)
    }))
})

describe("what is never retried", () => {
  it.scoped("a defect", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const retry = recording(Schedule.forever)
      let runs = 0
      const result = yield* (yield* pool.submit({
        id: "dies",
        execute: Effect.suspend(() => {
          runs++
          return Effect.die("bug")
        }),
        retry: retry.schedule
      })).await
      expect(defectOf(result.exit)).toBe("bug")
      expect(result.attempts).toBe(1)
      expect(runs).toBe(1)
      expect(retry.inputs).toStrictEqual([])
    }))

  it.scoped("an interruption from within the task", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const retry = recording(Schedule.forever)
      let runs = 0
      const result = yield* (yield* pool.submit({
        id: "interrupts-itself",
        execute: Effect.suspend(() => {
          runs++
          return Effect.interrupt
        }),
        retry: retry.schedule
      })).await
      expect(isInterruption(result.exit)).toBe(true)
      expect([result.attempts, runs]).toStrictEqual([1, 1])
      expect(retry.inputs).toStrictEqual([])
    }))

  it.scoped("a cancellation of a running attempt", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const retry = recording(Schedule.forever)
      const gate = yield* makeGate
      const handle = yield* pool.submit({ id: "cancelled", execute: gate.execute, retry: retry.schedule })
      yield* gate.awaitStarted
      yield* handle.cancel
      const result = yield* handle.await
      expect(isInterruption(result.exit)).toBe(true)
      expect(result.attempts).toBe(1)
      expect(retry.inputs).toStrictEqual([])
      expect((yield* pool.metrics).tasksRetried).toBe(0)
    }))

  it.scoped("an eviction from the queue", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1, queueSize: 1 })
      const retry = recording(Schedule.forever)
      const hold = yield* makeGate
      yield* pool.submit({ id: "hold", execute: hold.execute })
      yield* hold.awaitStarted
      const evicted = yield* pool.submit({ id: "evicted", priority: Priority.Low, execute: Effect.void, retry: retry.schedule })
      yield* pool.submit({ id: "urgent", priority: Priority.High, execute: Effect.void }, { overflow: "evict-lowest" })
      const result = yield* evicted.await
      expect(failureOf(result.exit)).toMatchObject({ _tag: "QueueFullError", evicted: true })
      expect(result.attempts).toBe(0)
      expect(retry.inputs).toStrictEqual([])
      yield* hold.open
    }))

  it.scoped("a queue deadline", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const retry = recording(Schedule.forever)
      const hold = yield* makeGate
      yield* pool.submit({ id: "hold", execute: hold.execute })
      yield* hold.awaitStarted
      const handle = yield* pool.submit({ id: "expires", execute: Effect.void, queueTimeout: "1 second", retry: retry.schedule })
      yield* TestClock.adjust("1 second")
      const result = yield* handle.await
      expect(failureOf(result.exit)).toMatchObject({ _tag: "TaskTimeoutError", phase: "queued" })
      expect(result.attempts).toBe(0)
      expect(retry.inputs).toStrictEqual([])
      yield* hold.open
    }))

  it.scoped("an interruption by the shutdown deadline", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1, shutdownTimeout: "1 second" })
      const retry = recording(Schedule.forever)
      let runs = 0
      const handle = yield* pool.submit({
        id: "stuck",
        execute: Effect.suspend(() => {
          runs++
          return Effect.never
        }),
        retry: retry.schedule
      })
      yield* yieldMany()
      const shutdown = yield* Effect.fork(pool.shutdown)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(shutdown)
      const result = yield* handle.await
      expect(isInterruption(result.exit)).toBe(true)
      expect([result.attempts, runs]).toStrictEqual([1, 1])
      expect(retry.inputs).toStrictEqual([])
    }))
})

describe("between attempts", () => {
  it.scoped("the task holds no worker: a queued task runs during the delay, and the next attempt starts once the delay is over", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const task = scripted([fails, succeeds])
      const retried = yield* pool.submit({ id: "retried", execute: task.execute, retry: Schedule.spaced("1 second") })
      let otherStartedAt = -1
      const other = yield* pool.submit({
        id: "other",
        execute: Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sync(() => (otherStartedAt = now)))
      })
      yield* other.await
      expect(otherStartedAt).toBe(0)
      const metrics = yield* pool.metrics
      expect(metrics.running).toBe(0)
      expect(metrics.queued).toBe(0)
      yield* TestClock.adjust("999 millis")
      expect(task.state.attempts).toBe(1)
      yield* TestClock.adjust("1 millis")
      const result = yield* retried.await
      expect(task.state.startedAt).toStrictEqual([0, 1000])
      expect(result.attempts).toBe(2)
      expect(Duration.toMillis(result.waitTime)).toBe(0)
    }))

  it.scoped("the delay is the schedule's: exponential backoff waits 200, then 400, then 800 ms", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const task = scripted([fails])
      const retry = Schedule.exponential("200 millis").pipe(Schedule.intersect(Schedule.recurs(3)))
      const handle = yield* pool.submit({ id: "backoff", execute: task.execute, retry })
      yield* TestClock.adjust("2 seconds")
      const result = yield* handle.await
      expect(task.state.startedAt).toStrictEqual([0, 200, 600, 1400])
      expect(failureOf(result.exit)).toStrictEqual(new Attempt(4))
      expect(result.attempts).toBe(4)
    }))

  it.scoped("after the delay it queues again at its priority, behind the tasks of its level accepted before it and ahead of those accepted after it", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const started: Array<string> = []
      const record = (id: string) => Effect.sync(() => void started.push(id))
      yield* pool.pauseKey("held", Infinity)
      const before = yield* pool.submit({ id: "before", key: "held", execute: record("before") })
      let attempt = 0
      const retried = yield* pool.submit({
        id: "retried",
        execute: Effect.zipRight(record("retried"), Effect.suspend(() => ++attempt === 1 ? Effect.fail("first") : Effect.void)),
        retry: Schedule.spaced("1 second")
      })
      yield* yieldMany()
      expect(started).toStrictEqual(["retried"])
      const hold = yield* makeGate
      yield* pool.submit({ id: "hold", execute: Effect.zipRight(record("hold"), hold.execute) })
      yield* hold.awaitStarted
      const after = yield* pool.submit({ id: "after", execute: record("after") })
      const higher = yield* pool.submit({ id: "higher", priority: Priority.High, execute: record("higher") })
      const lower = yield* pool.submit({ id: "lower", priority: Priority.Low, execute: record("lower") })
      yield* TestClock.adjust("1 second")
      yield* pool.resumeKey("held")
      yield* hold.open
      yield* Effect.forEach([before, retried, after, higher, lower], (handle) => handle.await)
      expect(started).toStrictEqual(["retried", "hold", "higher", "before", "retried", "after", "lower"])
    }))

  it.scoped("after the delay it queues again under its key: a paused key holds the next attempt back", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const task = scripted([fails, succeeds])
      const handle = yield* pool.submit({ id: "keyed", key: "k", execute: task.execute, retry: Schedule.spaced("1 second") })
      yield* yieldMany()
      yield* pool.pauseKey("k", "3 seconds")
      yield* TestClock.adjust("2 seconds")
      expect(task.state.attempts).toBe(1)
      expect((yield* pool.metrics).keys["k"]).toMatchObject({ queued: 1, running: 0 })
      yield* TestClock.adjust("1 second")
      const result = yield* handle.await
      expect(task.state.startedAt).toStrictEqual([0, 3000])
      expect(Duration.toMillis(result.waitTime)).toBe(2000)
    }))
})

describe("each attempt on its own", () => {
  it.scoped("has its own running-time timeout", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const task = scripted<string>([() => Effect.never, () => Effect.as(Effect.sleep("999 millis"), "second")])
      const handle = yield* pool.submit({ id: "slow", execute: task.execute, timeout: "1 second", retry: Schedule.recurs(1) })
      yield* TestClock.adjust("1 second")
      expect(task.state.startedAt).toStrictEqual([0, 1000])
      yield* TestClock.adjust("999 millis")
      const result = yield* handle.await
      expect(result.exit).toStrictEqual(Exit.succeed("second"))
      expect(result.attempts).toBe(2)
      expect(Duration.toMillis(result.duration)).toBe(1999)
    }))

  it.scoped("has queueTimeout counted on each wait in the queue, not on all waits together; waitTime sums them", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      yield* pool.submit({ id: "first-hold", execute: Effect.sleep("600 millis") })
      const task = scripted([fails, succeeds])
      const handle = yield* pool.submit({
        id: "waits-twice",
        execute: task.execute,
        queueTimeout: "1 second",
        retry: Schedule.spaced("100 millis")
      })
      yield* TestClock.adjust("600 millis")
      yield* yieldMany()
      expect(task.state.startedAt).toStrictEqual([600])
      yield* pool.submit({ id: "second-hold", execute: Effect.sleep("700 millis") })
      yield* TestClock.adjust("700 millis")
      const result = yield* handle.await
      expect(task.state.startedAt).toStrictEqual([600, 1300])
      expect(result.exit).toStrictEqual(Exit.succeed("attempt 2"))
      expect(Duration.toMillis(result.waitTime)).toBe(1200)
    }))

  it.scoped("a second wait past queueTimeout expires the task with its attempts so far, and it is not retried again", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const task = scripted([fails])
      const retry = recording(Schedule.spaced("100 millis"))
      const handle = yield* pool.submit({ id: "expires-later", execute: task.execute, queueTimeout: "1 second", retry: retry.schedule })
      yield* yieldMany()
      yield* pool.submit({ id: "hold", execute: Effect.sleep("5 seconds") })
      yield* TestClock.adjust("1099 millis")
      expect(yield* isDone(yield* Effect.fork(handle.await))).toBe(false)
      yield* TestClock.adjust("1 millis")
      const result = yield* handle.await
      expect(failureOf(result.exit)).toMatchObject({ _tag: "TaskTimeoutError", phase: "queued" })
      expect(result.attempts).toBe(1)
      expect(retry.inputs).toHaveLength(1)
      expect(Duration.toMillis(result.waitTime)).toBe(1000)
    }))

  it.scoped("has its own WorkerPool.task span, with attribute task.attempt", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const spans: Array<{ readonly id: string; readonly attempt: unknown; readonly taskId: unknown }> = []
      let attempt = 0
      yield* pool.run({
        id: "traced",
        execute: Effect.flatMap(Effect.currentSpan, (span) => {
          spans.push({ id: span.spanId, attempt: span.attributes.get("task.attempt"), taskId: span.attributes.get("task.id") })
          return ++attempt < 3 ? Effect.fail("again") : Effect.void
        }),
        retry: Schedule.recurs(5)
      }).pipe(Effect.withSpan("request"))
      expect(spans.map((span) => span.attempt)).toStrictEqual([1, 2, 3])
      expect(spans.every((span) => span.taskId === "traced")).toBe(true)
      expect(new Set(spans.map((span) => span.id)).size).toBe(3)
    }))
})

describe("results, callbacks and metrics of retried tasks", () => {
  it.scoped("the callback runs once, after the last attempt, with the result await gives", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const calls: Array<{ readonly result: TaskResult<string, Attempt>; readonly attemptsSoFar: number }> = []
      const task = scripted([fails, fails, succeeds])
      const t: Task<string, Attempt> = {
        id: "called-once",
        execute: task.execute,
        retry: Schedule.recurs(5),
        callback: (result) => Effect.sync(() => void calls.push({ result, attemptsSoFar: task.state.attempts }))
      }
      const result = yield* (yield* pool.submit(t)).await
      expect(calls).toHaveLength(1)
      expect(calls[0]!.result).toBe(result)
      expect(calls[0]!.attemptsSoFar).toBe(3)
    }))

  it.scoped("attempts is 0 for a task that never ran", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const hold = yield* makeGate
      yield* pool.submit({ id: "hold", execute: hold.execute })
      yield* hold.awaitStarted
      const queued = yield* pool.submit({ id: "queued", execute: Effect.void, retry: Schedule.forever })
      yield* queued.cancel
      expect((yield* queued.await).attempts).toBe(0)
      yield* hold.open
    }))

  it.scoped("only the final outcome is counted: failing twice then succeeding is one completed task and two retries", () =>
    Effect.gen(function*() {
      const name = uniqueName("retries")
      const pool = yield* makePool({ workers: 2, name })
      const retries = (priority: string) =>
        Effect.map(
          Metric.value(
            Metric.counter("workerpool_task_retries", { incremental: true }).pipe(
              Metric.tagged("pool", name),
              Metric.tagged("priority", priority)
            )
          ),
          (state) => state.count
        )
      const eventually = scripted([fails, fails, succeeds])
      const never = scripted([fails])
      yield* pool.submit({ id: "eventually", priority: Priority.High, execute: eventually.execute, retry: Schedule.recurs(5) })
      yield* pool.submit({ id: "never", execute: never.execute, retry: Schedule.recurs(1) })
      yield* yieldMany()
      const metrics = yield* pool.metrics
      expect(metrics).toMatchObject({ tasksSubmitted: 2, tasksCompleted: 1, tasksFailed: 1, tasksCancelled: 0, tasksRetried: 3 })
      expect(metrics.tasksSubmitted).toBe(metrics.tasksCompleted + metrics.tasksFailed + metrics.tasksCancelled)
      expect(yield* retries("high")).toBe(2)
      expect(yield* retries("normal")).toBe(1)
      expect(yield* retries("low")).toBe(0)
    }))

  it.scoped("a task timed out on every attempt counts once in tasksTimedOut", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const handle = yield* pool.submit({ id: "slow", execute: Effect.never, timeout: "1 second", retry: Schedule.recurs(2) })
      yield* TestClock.adjust("3 seconds")
      const result = yield* handle.await
      expect(failureOf(result.exit)).toMatchObject({ _tag: "TaskTimeoutError", phase: "running" })
      expect(result.attempts).toBe(3)
      expect(Duration.toMillis(result.duration)).toBe(3000)
      expect(yield* pool.metrics).toMatchObject({ tasksTimedOut: 1, tasksFailed: 1, tasksRetried: 2 })
    }))
})

describe("retries and the end of a task", () => {
  it.scoped("once shutdown has begun, a task waiting for its next attempt settles at once with its last failure", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const task = scripted([fails])
      const handle = yield* pool.submit({ id: "waiting", execute: task.execute, retry: Schedule.spaced("10 seconds") })
      yield* yieldMany()
      const shutdown = yield* Effect.fork(pool.shutdown)
      expect(yield* isDone(shutdown)).toBe(true)
      const result = yield* handle.await
      expect(failureOf(result.exit)).toStrictEqual(new Attempt(1))
      expect(result.attempts).toBe(1)
      expect(task.state.attempts).toBe(1)
      expect(yield* pool.metrics).toMatchObject({ tasksFailed: 1, tasksCancelled: 0, tasksRetried: 0 })
    }))

  it.scoped("once shutdown has begun, a task back in the queue for its next attempt settles at once with its last failure and never runs again", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1, shutdownTimeout: "10 seconds" })
      const task = scripted([fails, succeeds])
      const handle = yield* pool.submit({ id: "requeued", execute: task.execute, retry: Schedule.spaced("1 second") })
      yield* yieldMany()
      // paused, so that it stays in the queue once its delay is over
      yield* pool.pause
      yield* TestClock.adjust("1 second")
      expect((yield* pool.tasks).map((info) => [info.taskId, info.state, info.attempts])).toStrictEqual([["requeued", "queued", 1]])
      const shutdown = yield* Effect.fork(pool.shutdown)
      expect(yield* isDone(shutdown)).toBe(true)
      const result = yield* handle.await
      expect(failureOf(result.exit)).toStrictEqual(new Attempt(1))
      expect(result.attempts).toBe(1)
      expect(task.state.attempts).toBe(1)
      expect(yield* pool.metrics).toMatchObject({ tasksFailed: 1, tasksCompleted: 0, tasksRetried: 0 })
    }))

  it.scoped("once shutdown has begun, an attempt that fails is not retried", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1, shutdownTimeout: "10 seconds" })
      const task = scripted([(n) => Effect.zipRight(Effect.sleep("1 second"), fails(n))])
      const handle = yield* pool.submit({ id: "fails-during-shutdown", execute: task.execute, retry: Schedule.forever })
      yield* yieldMany()
      const shutdown = yield* Effect.fork(pool.shutdown)
      yield* TestClock.adjust("1 second")
      expect(yield* isDone(shutdown)).toBe(true)
      const result = yield* handle.await
      expect(failureOf(result.exit)).toStrictEqual(new Attempt(1))
      expect(result.attempts).toBe(1)
      expect(task.state.attempts).toBe(1)
    }))

  it.scoped("once shutdown has begun, a timed-out attempt waiting for a retry settles with its TaskTimeoutError", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const handle = yield* pool.submit({ id: "timed-out", execute: Effect.never, timeout: "1 second", retry: Schedule.spaced("1 minute") })
      yield* TestClock.adjust("1 second")
      const shutdown = yield* Effect.fork(pool.shutdown)
      expect(yield* isDone(shutdown)).toBe(true)
      const result = yield* handle.await
      expect(failureOf(result.exit)).toMatchObject({ _tag: "TaskTimeoutError", phase: "running" })
      expect(result.attempts).toBe(1)
    }))

  it.scoped("cancelling a task that waits for its next attempt settles it as interrupted, once, and it never runs again", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const task = scripted([fails])
      const calls: Array<TaskResult<never, Attempt>> = []
      const handle = yield* pool.submit({
        id: "cancelled-waiting",
        execute: task.execute,
        retry: Schedule.spaced("1 second"),
        callback: (result) => Effect.sync(() => void calls.push(result))
      })
      yield* yieldMany()
      yield* handle.cancel
      const result = yield* handle.await
      expect(isInterruption(result.exit)).toBe(true)
      expect(result.attempts).toBe(1)
      yield* TestClock.adjust("5 seconds")
      expect(task.state.attempts).toBe(1)
      expect(calls).toStrictEqual([result])
      expect(yield* pool.metrics).toMatchObject({ tasksCancelled: 1, tasksFailed: 0, tasksRetried: 0 })
    }))
})

describe("cancelling a task that is back in the queue for its next attempt", () => {
  it.scoped.each([
    { title: "after a typed failure", timeout: Infinity, execute: Effect.zipRight(Effect.sleep("1 second"), Effect.fail("again")) },
    { title: "after a running-time timeout", timeout: 1000, execute: Effect.never }
  ])("$title settles it once, as interrupted, and counts it once, as cancelled", ({ execute, timeout }) =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const calls: Array<TaskResult<unknown, unknown>> = []
      const handle = yield* pool.submit({
        id: "requeued",
        execute: execute as Effect.Effect<unknown, unknown>,
        timeout,
        retry: Schedule.spaced("1 second"),
        callback: (result) => Effect.sync(() => void calls.push(result))
      })
      yield* TestClock.adjust("1 second")
      // paused, so that the next attempt stays queued once the delay is over
      yield* pool.pause
      yield* TestClock.adjust("1 second")
      expect((yield* pool.tasks).map((info) => [info.taskId, info.state, info.attempts])).toStrictEqual([["requeued", "queued", 1]])
      yield* handle.cancel
      yield* yieldMany()
      const result = yield* handle.await
      expect(isInterruption(result.exit)).toBe(true)
      expect(result.attempts).toBe(1)
      expect(calls).toStrictEqual([result])
      const metrics = yield* pool.metrics
      expect(metrics).toMatchObject({ tasksSubmitted: 1, tasksCancelled: 1, tasksFailed: 0, tasksTimedOut: 0, callbackFailures: 0, queued: 0 })
      yield* pool.resume
      yield* yieldMany()
      expect(calls).toHaveLength(1)
    }))
})

describe("a task back in the queue for its next attempt, at shutdown", () => {
  it.scoped("cancelled as the shutdown deadline passes, it settles once, as cancelled", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1, shutdownTimeout: 0 })
      const calls: Array<TaskResult<unknown, unknown>> = []
      const handle = yield* pool.submit({
        id: "requeued",
        execute: Effect.as(Effect.sleep("2 millis"), "done"),
        timeout: 1,
        retry: Schedule.recurs(1),
        callback: (result) => Effect.zipRight(Effect.sync(() => void calls.push(result)), Effect.sleep("3 millis"))
      })
      yield* yieldMany()
      yield* pool.pause
      yield* TestClock.adjust("1 millis")
      expect((yield* pool.tasks).map((info) => [info.taskId, info.state])).toStrictEqual([["requeued", "queued"]])
      yield* Effect.fork(handle.cancel)
      const shutdown = yield* Effect.fork(pool.shutdown)
      yield* yieldMany()
      yield* TestClock.adjust("10 millis")
      yield* Fiber.join(shutdown)
      expect(calls).toHaveLength(1)
      expect(isInterruption(calls[0]!.exit)).toBe(true)
      const metrics = yield* pool.metrics
      expect(metrics.tasksSubmitted).toBe(metrics.tasksCompleted + metrics.tasksFailed + metrics.tasksCancelled)
      expect(metrics).toMatchObject({ tasksCancelled: 1, tasksFailed: 0 })
    }))
})

describe("cancelling at any moment around a failed attempt", () => {
  it.effect("settles the task once and lets shutdown return, whichever step of the retry decision it lands on", () =>
    Effect.gen(function*() {
      for (let steps = 0; steps < 30; steps++) {
        const scope = yield* Scope.make()
        const pool = yield* Scope.extend(WorkerPool.make({ workers: 1, shutdownTimeout: 0 }), scope)
        let callbacks = 0
        const handle = yield* pool.submit({
          id: "fails",
          execute: Effect.fail("again"),
          retry: Schedule.spaced("0 millis").pipe(Schedule.intersect(Schedule.recurs(1))),
          callback: () => Effect.sync(() => void callbacks++)
        })
        if (steps > 0) yield* yieldMany(steps)
        yield* Effect.fork(handle.cancel)
        const shutdown = yield* Effect.fork(pool.shutdown)
        yield* yieldMany()
        yield* TestClock.adjust("10 millis")
        expect(yield* isDone(shutdown), `shutdown returned (cancel after ${steps} yields)`).toBe(true)
        expect(callbacks, `callbacks (cancel after ${steps} yields)`).toBe(1)
        const metrics = yield* pool.metrics
        expect(metrics.tasksCompleted + metrics.tasksFailed + metrics.tasksCancelled, `settled once (cancel after ${steps} yields)`).toBe(1)
      }
    }))
})

describe("retry is validated", () => {
  it.scoped.each([
    { title: "a number", retry: 3 },
    { title: "a string", retry: "3 times" },
    { title: "an object", retry: { times: 3 } }
  ])("a task with $title as retry is refused with InvalidTaskError naming retry", ({ retry }) =>
    Effect.gen(function*() {
      const pool = yield* makePool({ workers: 1 })
      const exit = yield* Effect.exit(pool.submit({ id: "bad", execute: Effect.void, retry } as unknown as Task<void>))
      expect(failureOf(exit)).toBeInstanceOf(InvalidTaskError)
      expect(failureOf(exit)).toMatchObject({ field: "retry", taskId: "bad", value: retry })
    }))

  it.scoped("a pool whose retry is not a Schedule fails with PoolConfigError naming retry and the value", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(WorkerPool.make({ retry: 3 } as never))
      expect(failureOf(exit)).toBeInstanceOf(PoolConfigError)
      expect(failureOf(exit)).toMatchObject({ field: "retry", value: 3 })
    }))
})

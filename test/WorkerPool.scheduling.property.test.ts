import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import {
  type PoolConfig,
  type Priority,
  QueueFullError,
  type Task,
  type TaskHandle,
  type TaskResult,
  TaskTimeoutError,
  WorkerPool
} from "../src/index.js"
import type { OverflowPolicy } from "../src/PoolConfig.js"
import { failureOf, yieldMany } from "./helpers.js"

type KeyName = "a" | "b" | "c"

type Op =
  | {
    readonly _tag: "submit"
    readonly key: KeyName | undefined
    readonly priority: Priority
    readonly ms: number
    readonly queueTimeout: number | undefined
    readonly overflow: OverflowPolicy | undefined
    readonly viaTrySubmit: boolean
  }
  | { readonly _tag: "cancel"; readonly pick: number }
  | { readonly _tag: "advance"; readonly ms: number }
  | { readonly _tag: "pause"; readonly key: KeyName; readonly ms: number }
  | { readonly _tag: "resume"; readonly key: KeyName }

interface Scenario {
  readonly workers: number
  readonly queueSize: number
  readonly keyLimitA: number | undefined
  readonly keyLimitB: number | undefined
  readonly defaultKeyLimit: number | undefined
  readonly rateLimitC: { readonly limit: number; readonly interval: number } | undefined
  readonly agingInterval: number | undefined
  readonly queueTimeout: number | undefined
  readonly overflow: OverflowPolicy
  readonly ops: ReadonlyArray<Op>
}

const policy = FastCheck.constantFrom<OverflowPolicy>("backpressure", "reject", "evict-lowest")
const keyName = FastCheck.constantFrom<KeyName>("a", "b", "c")
const optional = <A>(arbitrary: FastCheck.Arbitrary<A>) => FastCheck.option(arbitrary, { nil: undefined })

const submitOp = FastCheck.record({
  _tag: FastCheck.constant("submit" as const),
  key: optional(keyName),
  priority: FastCheck.constantFrom<Priority>(0, 1, 2, 3),
  ms: FastCheck.integer({ min: 0, max: 400 }),
  queueTimeout: optional(FastCheck.integer({ min: 0, max: 1500 })),
  overflow: optional(policy),
  viaTrySubmit: FastCheck.boolean()
})

const opArbitrary = (withKeyControls: boolean): FastCheck.Arbitrary<Op> =>
  FastCheck.oneof(
    { weight: 6, arbitrary: submitOp },
    { weight: 1, arbitrary: FastCheck.record({ _tag: FastCheck.constant("cancel" as const), pick: FastCheck.nat() }) },
    {
      weight: 3,
      arbitrary: FastCheck.record({
        _tag: FastCheck.constant("advance" as const),
        ms: FastCheck.integer({ min: 0, max: 500 })
      })
    },
    ...(withKeyControls
      ? [
        {
          weight: 1,
          arbitrary: FastCheck.record({
            _tag: FastCheck.constant("pause" as const),
            key: keyName,
            ms: FastCheck.integer({ min: 0, max: 1500 })
          })
        },
        { weight: 1, arbitrary: FastCheck.record({ _tag: FastCheck.constant("resume" as const), key: keyName }) }
      ]
      : [])
  )

const scenarioArbitrary = (withKeyControls: boolean): FastCheck.Arbitrary<Scenario> =>
  FastCheck.record({
    workers: FastCheck.integer({ min: 1, max: 3 }),
    queueSize: FastCheck.integer({ min: 0, max: 4 }),
    keyLimitA: optional(FastCheck.integer({ min: 1, max: 2 })),
    keyLimitB: optional(FastCheck.integer({ min: 1, max: 2 })),
    defaultKeyLimit: optional(FastCheck.integer({ min: 1, max: 3 })),
    rateLimitC: withKeyControls
      ? optional(FastCheck.record({
        limit: FastCheck.integer({ min: 1, max: 3 }),
        interval: FastCheck.integer({ min: 50, max: 1000 })
      }))
      : FastCheck.constant(undefined),
    agingInterval: optional(FastCheck.integer({ min: 100, max: 1000 })),
    queueTimeout: optional(FastCheck.integer({ min: 0, max: 1500 })),
    overflow: policy,
    ops: FastCheck.array(opArbitrary(withKeyControls), { minLength: 1, maxLength: 25 })
  })

interface Submission {
  readonly id: string
  readonly key: KeyName | undefined
  readonly policy: OverflowPolicy
  readonly fiber: Fiber.RuntimeFiber<Either.Either<TaskHandle<void>, unknown>>
  /** Set when the submitter was interrupted by a cancel before it returned. */
  interrupted: boolean
}

/**
 * Runs a random scenario on a pool, on the test clock, and checks what must
 * hold whatever the scenario: limits never exceeded, every accepted task
 * settled exactly once, every refused submission refused with a typed
 * error, and the books balanced once the pool is idle.
 */
const runScenario = (scenario: Scenario) =>
  Effect.gen(function*() {
    const keyLimits: Record<string, number> = {}
    if (scenario.keyLimitA !== undefined) keyLimits["a"] = scenario.keyLimitA
    if (scenario.keyLimitB !== undefined) keyLimits["b"] = scenario.keyLimitB
    const options: PoolConfig = {
      workers: scenario.workers,
      queueSize: scenario.queueSize,
      keyLimits,
      defaultKeyLimit: scenario.defaultKeyLimit,
      rateLimits: scenario.rateLimitC === undefined ? {} : { c: scenario.rateLimitC },
      agingInterval: scenario.agingInterval,
      queueTimeout: scenario.queueTimeout,
      overflow: scenario.overflow,
      enableMetrics: false
    }
    const pool = yield* WorkerPool.make(options)
    // If a check fails, the scope still closes promptly.
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        const shutdown = yield* Effect.fork(pool.shutdown)
        yield* TestClock.adjust("1 hour")
        yield* Fiber.join(shutdown)
      })
    )
    const limitOf = (key: KeyName | undefined) =>
      key === undefined ? Infinity : keyLimits[key] ?? scenario.defaultKeyLimit ?? Infinity

    const violations: Array<string> = []
    const running = new Map<string, number>()
    let runningAll = 0
    const started = new Set<string>()
    const startsOfC: Array<number> = []
    const pausedUntil = new Map<KeyName, number>()
    const callbacks = new Map<string, Array<TaskResult<void>>>()

    const makeTask = (id: string, op: Extract<Op, { _tag: "submit" }>): Task<void> => {
      const slot = op.key ?? "(none)"
      return {
        id,
        priority: op.priority,
        ...(op.key === undefined ? {} : { key: op.key }),
        ...(op.queueTimeout === undefined ? {} : { queueTimeout: op.queueTimeout }),
        execute: Effect.flatMap(Clock.currentTimeMillis, (now) => {
          if (started.has(id)) violations.push(`${id} started twice`)
          started.add(id)
          runningAll++
          running.set(slot, (running.get(slot) ?? 0) + 1)
          if (runningAll > scenario.workers) violations.push(`${runningAll} tasks running with ${scenario.workers} workers`)
          if (running.get(slot)! > limitOf(op.key)) violations.push(`${running.get(slot)} tasks of key ${slot} running`)
          if (op.key !== undefined && now < (pausedUntil.get(op.key) ?? -Infinity)) {
            violations.push(`${id} started at ${now} while key ${op.key} was paused`)
          }
          if (op.key === "c") startsOfC.push(now)
          return Effect.sleep(op.ms)
        }).pipe(
          Effect.ensuring(Effect.sync(() => {
            runningAll--
            running.set(slot, running.get(slot)! - 1)
          }))
        ),
        callback: (result) => Effect.sync(() => void callbacks.set(id, [...(callbacks.get(id) ?? []), result]))
      }
    }

    const submissions: Array<Submission> = []

    /**
     * Between steps: the queue is within its bound, no task that may start
     * waits while a worker is free, and a submitter waits only while there
     * is no room for its task.
     */
    const checkState = (when: string) =>
      Effect.gen(function*() {
        const metrics = yield* pool.metrics
        if (metrics.queued > scenario.queueSize) {
          violations.push(`${when}: ${metrics.queued} tasks queued with queueSize ${scenario.queueSize}`)
        }
        const unkeyedQueued = metrics.queued - Object.values(metrics.keys).reduce((sum, key) => sum + key.queued, 0)
        const held = (key: KeyName | undefined) => {
          if (key === undefined) return false
          const state = metrics.keys[key]
          return state !== undefined && (state.running >= (state.limit ?? Infinity) || state.paused || state.rateLimited)
        }
        const workerFree = metrics.running < scenario.workers
        if (workerFree) {
          if (unkeyedQueued > 0) violations.push(`${when}: a task without a key is queued while a worker is free`)
          for (const [key, state] of Object.entries(metrics.keys)) {
            if (state.queued > 0 && !held(key as KeyName)) {
              violations.push(`${when}: a task of key ${key} is queued while a worker is free`)
            }
          }
        }
        for (const submission of submissions) {
          if (submission.interrupted || Option.isSome(yield* Fiber.poll(submission.fiber))) continue
          const queueFull = metrics.queued >= scenario.queueSize
          const keyQueued = submission.key === undefined ? unkeyedQueued : metrics.keys[submission.key]?.queued ?? 0
          const couldStart = workerFree && !held(submission.key) && keyQueued === 0
          if (!queueFull || couldStart) violations.push(`${when}: ${submission.id} waits although there is room`)
        }
      })
    for (const [index, op] of scenario.ops.entries()) {
      switch (op._tag) {
        case "submit": {
          const id = `t${index}`
          const task = makeTask(id, op)
          const submit = op.viaTrySubmit
            ? pool.trySubmit(task)
            : op.overflow === undefined
            ? pool.submit(task)
            : pool.submit(task, { overflow: op.overflow })
          const fiber = yield* Effect.fork(Effect.either(submit))
          const effective = op.viaTrySubmit ? "reject" : op.overflow ?? scenario.overflow
          submissions.push({ id, key: op.key, policy: effective, fiber, interrupted: false })
          break
        }
        case "cancel": {
          if (submissions.length === 0) break
          const target = submissions[op.pick % submissions.length]!
          const polled = yield* Fiber.poll(target.fiber)
          if (Option.isNone(polled)) {
            // Still waiting for room: interrupting the submitter must enqueue nothing.
            const exit = yield* Fiber.interrupt(target.fiber)
            if (Exit.isInterrupted(exit)) target.interrupted = true
          } else if (Exit.isSuccess(polled.value) && Either.isRight(polled.value.value)) {
            yield* Effect.fork(polled.value.value.right.cancel)
          }
          break
        }
        case "advance":
          yield* TestClock.adjust(op.ms)
          break
        case "pause": {
          const now = yield* Clock.currentTimeMillis
          pausedUntil.set(op.key, Math.max(pausedUntil.get(op.key) ?? -Infinity, now + op.ms))
          yield* pool.pauseKey(op.key, op.ms)
          break
        }
        case "resume":
          pausedUntil.delete(op.key)
          yield* pool.resumeKey(op.key)
          break
      }
      yield* yieldMany(20)
      yield* checkState(`after op ${index} (${op._tag})`)
    }

    // Everything is bounded (task durations, pauses, deadlines, rate windows):
    // an hour on the test clock lets every task run and every waiter in.
    yield* TestClock.adjust("1 hour")
    yield* yieldMany()
    const metrics = yield* pool.metrics

    const stuck: Array<string> = []
    for (const submission of submissions) {
      if (!submission.interrupted && Option.isNone(yield* Fiber.poll(submission.fiber))) stuck.push(submission.id)
    }
    expect(stuck, "submitters still waiting on an idle pool").toStrictEqual([])

    let accepted = 0
    let refused = 0
    let succeeded = 0
    let evicted = 0
    let expired = 0
    let interrupted = 0
    for (const submission of submissions) {
      if (submission.interrupted) {
        expect(callbacks.has(submission.id), `${submission.id}: an interrupted submitter enqueued nothing`).toBe(false)
        expect(started.has(submission.id)).toBe(false)
        continue
      }
      const outcome = yield* Fiber.join(submission.fiber)
      if (Either.isLeft(outcome)) {
        // Refused: with a typed error, never by a submitter that waits for room.
        refused++
        expect(outcome.left).toBeInstanceOf(QueueFullError)
        expect(outcome.left).toMatchObject({ taskId: submission.id, evicted: false })
        expect(submission.policy).not.toBe("backpressure")
        expect(callbacks.has(submission.id)).toBe(false)
        expect(started.has(submission.id)).toBe(false)
        continue
      }
      accepted++
      const result = yield* outcome.right.await
      const seen = callbacks.get(submission.id) ?? []
      expect(seen, `${submission.id}: callback runs exactly once`).toHaveLength(1)
      expect(seen[0]).toBe(result)
      const exit = result.exit
      if (Exit.isSuccess(exit)) {
        succeeded++
        expect(started.has(submission.id)).toBe(true)
      } else if (Cause.isInterruptedOnly(exit.cause)) {
        interrupted++
      } else {
        const error: unknown = failureOf(exit)
        if (error instanceof QueueFullError) {
          expect(error.evicted).toBe(true)
          expect(started.has(submission.id), `${submission.id}: an evicted task never ran`).toBe(false)
          evicted++
        } else {
          expect(error).toBeInstanceOf(TaskTimeoutError)
          expect(error).toMatchObject({ phase: "queued" })
          expect(started.has(submission.id), `${submission.id}: an expired task never ran`).toBe(false)
          expired++
        }
      }
    }

    expect(violations).toStrictEqual([])
    if (scenario.rateLimitC !== undefined) {
      const { interval, limit } = scenario.rateLimitC
      for (const start of startsOfC) {
        expect(startsOfC.filter((t) => t >= start && t < start + interval).length).toBeLessThanOrEqual(limit)
      }
    }
    expect(metrics).toMatchObject({
      tasksSubmitted: accepted,
      tasksCompleted: succeeded,
      tasksFailed: expired,
      tasksTimedOut: expired,
      tasksExpired: expired,
      tasksEvicted: evicted,
      tasksCancelled: interrupted + evicted,
      tasksRejected: refused,
      queued: 0,
      running: 0
    })
    expect(metrics.tasksSubmitted).toBe(metrics.tasksCompleted + metrics.tasksFailed + metrics.tasksCancelled)
    for (const [key, state] of Object.entries(metrics.keys)) {
      expect(state, `key ${key} once idle`).toMatchObject({ running: 0, queued: 0 })
    }
  })

describe("scheduling properties", () => {
  it.scoped.prop(
    "keys, priorities, key limits, overflow policies, queue deadlines, cancellations and clock advances: every accepted task settles once, limits hold, the books balance",
    [scenarioArbitrary(false)],
    ([scenario]) => runScenario(scenario),
    { timeout: 60_000, fastCheck: { numRuns: 100 } }
  )
})

type SubmitOp = Extract<Op, { readonly _tag: "submit" }>

const submitOf = (key: KeyName | undefined, ms = 100): SubmitOp => ({
  _tag: "submit",
  key,
  priority: 1,
  ms,
  queueTimeout: undefined,
  overflow: undefined,
  viaTrySubmit: false
})

const noQueue: Omit<Scenario, "ops" | "rateLimitC"> = {
  workers: 1,
  queueSize: 0,
  keyLimitA: undefined,
  keyLimitB: undefined,
  defaultKeyLimit: undefined,
  agingInterval: undefined,
  queueTimeout: undefined,
  overflow: "backpressure"
}

describe("scheduling properties, seeded with cases random runs rarely reach", () => {
  it.scoped.prop(
    "with queueSize 0, a submitter waiting for a paused or rate-limited key on an idle pool is let in once the key may start",
    [scenarioArbitrary(false)],
    ([scenario]) => runScenario(scenario),
    {
      timeout: 60_000,
      fastCheck: {
        numRuns: 5,
        examples: [
          [{ ...noQueue, rateLimitC: undefined, ops: [{ _tag: "pause", key: "a", ms: 500 }, submitOf("a")] }],
          [{ ...noQueue, rateLimitC: { limit: 1, interval: 1000 }, ops: [submitOf("c"), submitOf("c")] }]
        ]
      }
    }
  )
})

describe("scheduling properties with pauseKey, resumeKey and a rate-limited key", () => {
  // Seeded with the smallest failures found: with queueSize 0, a submitter
  // waiting for a key that gets paused later, or that is paused behind its
  // concurrency limit, is never woken when the pause ends; one waiting for a
  // paused key is not let in by resumeKey.
  it.scoped.prop(
    "no task of a paused key starts, no rate window overflows, every waiting submitter is let in once there is room",
    [scenarioArbitrary(true)],
    ([scenario]) => runScenario(scenario),
    {
      timeout: 60_000,
      fastCheck: {
        numRuns: 100,
        examples: [
          [{
            ...noQueue,
            rateLimitC: undefined,
            ops: [submitOf(undefined, 1), submitOf("a"), { _tag: "pause", key: "a", ms: 2 }]
          }],
          [{
            ...noQueue,
            defaultKeyLimit: 1,
            rateLimitC: undefined,
            ops: [submitOf("c", 1), { _tag: "pause", key: "c", ms: 2 }, submitOf("c")]
          }],
          [{
            ...noQueue,
            rateLimitC: undefined,
            ops: [{ _tag: "pause", key: "a", ms: 1500 }, submitOf("a"), { _tag: "resume", key: "a" }]
          }]
        ]
      }
    }
  )
})

/**
 * What JavaScript callers really send: `undefined`, `null`, strings where
 * numbers belong, `NaN`, `Infinity`, negative, fractional and huge numbers,
 * missing or non-Effect `execute`, duplicate ids and unknown fields. Every
 * entry point answers with its documented typed error, whose message names
 * the field and the value: never a defect, a hang or a silently clamped
 * value. No test moves the clock, so a hang would time the test out.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Option, Stream } from "effect"
import { InvalidTaskError, PoolConfigError, type PoolConfig, WorkerPool } from "../src/index.js"

const ok = Effect.succeed("ok")

/** The typed failure of an exit; fails the test on success or on a defect. */
const typedError = (exit: Exit.Exit<unknown, unknown>): unknown => {
  if (Exit.isSuccess(exit)) throw new Error(`expected a failure, got ${String(exit.value)}`)
  expect(Cause.isDie(exit.cause), Cause.pretty(exit.cause)).toBe(false)
  return Option.getOrThrow(Cause.failureOption(exit.cause))
}

const expectNamed = (error: unknown, ErrorClass: typeof InvalidTaskError | typeof PoolConfigError, field: string, value: string) => {
  expect(error).toBeInstanceOf(ErrorClass)
  expect((error as InvalidTaskError | PoolConfigError).field).toBe(field)
  expect((error as Error).message).toContain(`"${field}"`)
  expect((error as Error).message).toContain(value)
}

const badTasks: ReadonlyArray<readonly [title: string, task: unknown, field: string, shown: string]> = [
  ["undefined as the task", undefined, "task", "undefined"],
  ["null as the task", null, "task", "null"],
  ["a string as the task", "task-1", "task", "task-1"],
  ["a missing id", { execute: ok }, "id", "undefined"],
  ["a null id", { id: null, execute: ok }, "id", "null"],
  ["a numeric id", { id: 7, execute: ok }, "id", "7"],
  ["an empty id", { id: "", execute: ok }, "id", "\"\""],
  ["a missing execute", { id: "a" }, "execute", "undefined"],
  ["a promise as execute", { id: "a", execute: Promise.resolve(1) }, "execute", "{}"],
  ["a function as execute", { id: "a", execute: () => ok }, "execute", "a function"],
  ["a string priority", { id: "a", execute: ok, priority: "2" }, "priority", "\"2\""],
  ["a NaN priority", { id: "a", execute: ok, priority: Number.NaN }, "priority", "NaN"],
  ["an Infinity priority", { id: "a", execute: ok, priority: Number.POSITIVE_INFINITY }, "priority", "Infinity"],
  ["a negative priority", { id: "a", execute: ok, priority: -1 }, "priority", "-1"],
  ["a fractional priority", { id: "a", execute: ok, priority: 1.5 }, "priority", "1.5"],
  ["a huge priority", { id: "a", execute: ok, priority: 1e21 }, "priority", "1e+21"],
  ["a null priority", { id: "a", execute: ok, priority: null }, "priority", "null"],
  ["a NaN timeout", { id: "a", execute: ok, timeout: Number.NaN }, "timeout", "NaN"],
  ["a negative timeout", { id: "a", execute: ok, timeout: -5 }, "timeout", "-5"],
  ["a negative timeout string", { id: "a", execute: ok, timeout: "-5 seconds" }, "timeout", "-5 seconds"],
  ["an unreadable timeout", { id: "a", execute: ok, timeout: "soon" }, "timeout", "soon"],
  ["a null timeout", { id: "a", execute: ok, timeout: null }, "timeout", "null"],
  ["a boolean timeout", { id: "a", execute: ok, timeout: true }, "timeout", "true"],
  ["a negative queueTimeout", { id: "a", execute: ok, queueTimeout: -1 }, "queueTimeout", "-1"],
  ["a string queueTimeout", { id: "a", execute: ok, queueTimeout: "later" }, "queueTimeout", "later"],
  ["an empty key", { id: "a", execute: ok, key: "" }, "key", "\"\""],
  ["a numeric key", { id: "a", execute: ok, key: 3 }, "key", "3"],
  ["a non-function callback", { id: "a", execute: ok, callback: "log" }, "callback", "log"],
  ["an unknown field (a misspelt priority)", { id: "a", execute: ok, priorty: 3 }, "priorty", "3"]
]

describe("bad tasks", () => {
  for (const [title, task, field, shown] of badTasks) {
    it.scoped(`${title}: InvalidTaskError naming "${field}"`, () =>
      Effect.gen(function*() {
        const pool = yield* WorkerPool.make({ workers: 1 })
        const attempts: ReadonlyArray<Effect.Effect<unknown, unknown>> = [
          pool.submit(task as any),
          pool.trySubmit(task as any),
          pool.run(task as any)
        ]
        for (const attempt of attempts) {
          expectNamed(typedError(yield* Effect.exit(attempt)), InvalidTaskError, field, shown)
        }
        const batch: ReadonlyArray<any> = [task]
        expectNamed(typedError(yield* Effect.exit(pool.runAll(batch) as Effect.Effect<unknown, unknown>)), InvalidTaskError, field, shown)
        expectNamed(
          typedError(yield* Effect.exit(Stream.runDrain(pool.submitBatch(batch)) as Effect.Effect<unknown, unknown>)),
          InvalidTaskError,
          field,
          shown
        )
        expect((yield* pool.metrics).tasksSubmitted).toBe(0)
      }))
  }

  it.scoped("Infinity as a timeout means no timeout, documented, not an error", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      expect(yield* pool.run({ id: "a", execute: ok, timeout: Number.POSITIVE_INFINITY })).toBe("ok")
    }))

  it.scoped("a huge timeout is kept as given, not clamped", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      expect(yield* pool.run({ id: "a", execute: ok, timeout: 1e15 })).toBe("ok")
    }))
})

describe("duplicate ids", () => {
  it.scoped("a second task with the id of a task still in the pool fails with InvalidTaskError naming id", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const first = yield* pool.submit({ id: "same", execute: Effect.never })
      expectNamed(typedError(yield* Effect.exit(pool.submit({ id: "same", execute: ok }))), InvalidTaskError, "id", "same")
      yield* first.cancel
      // once the first has settled, the id is free again
      expect(yield* pool.run({ id: "same", execute: ok })).toBe("ok")
    }))

  it.scoped("a batch with two tasks of one id fails before anything is submitted", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const exit = yield* Effect.exit(pool.runAll([{ id: "x", execute: ok }, { id: "x", execute: ok }]))
      expectNamed(typedError(exit), InvalidTaskError, "id", "x")
      expect((yield* pool.metrics).tasksSubmitted).toBe(0)
    }))
})

describe("bad submit options and per-key calls", () => {
  const options: ReadonlyArray<readonly [string, unknown, string, string]> = [
    ["an unknown overflow policy", { overflow: "drop" }, "overflow", "drop"],
    ["an unknown option", { overflw: "reject" }, "overflw", "reject"],
    ["null options", null, "options", "null"],
    ["a string as options", "reject", "options", "reject"]
  ]
  for (const [title, given, field, shown] of options) {
    it.scoped(`submit with ${title}: InvalidTaskError naming "${field}"`, () =>
      Effect.gen(function*() {
        const pool = yield* WorkerPool.make({ workers: 1 })
        const exit = yield* Effect.exit(pool.submit({ id: "a", execute: ok }, given as any))
        expectNamed(typedError(exit), InvalidTaskError, field, shown)
      }))
  }

  const pauses: ReadonlyArray<readonly [string, unknown, unknown, string, string]> = [
    ["an empty key", "", "1 second", "key", "\"\""],
    ["an undefined key", undefined, "1 second", "key", "undefined"],
    ["a negative duration", "a", -1, "duration", "-1"],
    ["a NaN duration", "a", Number.NaN, "duration", "NaN"],
    ["an unreadable duration", "a", "a while", "duration", "a while"],
    ["a null duration", "a", null, "duration", "null"]
  ]
  for (const [title, key, duration, field, shown] of pauses) {
    it.scoped(`pauseKey with ${title}: InvalidTaskError naming "${field}"`, () =>
      Effect.gen(function*() {
        const pool = yield* WorkerPool.make({ workers: 1 })
        expectNamed(typedError(yield* Effect.exit(pool.pauseKey(key as any, duration as any))), InvalidTaskError, field, shown)
      }))
  }

  it.scoped("resumeKey with a non-string key: InvalidTaskError naming key", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      expectNamed(typedError(yield* Effect.exit(pool.resumeKey(42 as any))), InvalidTaskError, "key", "42")
    }))
})

describe("bad pool options", () => {
  const cases: ReadonlyArray<readonly [string, unknown, string, string]> = [
    ["undefined workers take the default", { workers: undefined }, "", ""],
    ["null workers", { workers: null }, "workers", "null"],
    ["string workers", { workers: "4" }, "workers", "\"4\""],
    ["NaN workers", { workers: Number.NaN }, "workers", "NaN"],
    ["Infinity workers", { workers: Number.POSITIVE_INFINITY }, "workers", "Infinity"],
    ["negative workers", { workers: -2 }, "workers", "-2"],
    ["fractional workers", { workers: 2.5 }, "workers", "2.5"],
    ["Infinity queueSize", { queueSize: Number.POSITIVE_INFINITY }, "queueSize", "Infinity"],
    ["fractional queueSize", { queueSize: 0.5 }, "queueSize", "0.5"],
    ["a NaN taskTimeout", { taskTimeout: Number.NaN }, "taskTimeout", "NaN"],
    ["a negative shutdownTimeout", { shutdownTimeout: -1 }, "shutdownTimeout", "-1"],
    ["a string enableMetrics", { enableMetrics: "false" }, "enableMetrics", "\"false\""],
    ["a numeric name", { name: 5 }, "name", "5"],
    ["a zero key limit", { keyLimits: { openai: 0 } }, "keyLimits.openai", "0"],
    ["a fractional default key limit", { defaultKeyLimit: 1.5 }, "defaultKeyLimit", "1.5"],
    ["a rate limit without interval", { rateLimits: { openai: { limit: 5 } } }, "rateLimits.openai.interval", "undefined"],
    ["a zero rate interval", { rateLimits: { openai: { limit: 5, interval: 0 } } }, "rateLimits.openai.interval", "0"],
    ["a zero aging interval", { agingInterval: 0 }, "agingInterval", "0"],
    ["an unknown overflow policy", { overflow: "drop-oldest" }, "overflow", "drop-oldest"],
    ["an unknown option", { worker: 4 }, "worker", "4"],
    ["null as the options", null, "options", "null"],
    ["an array as the options", [4], "options", "[4]"]
  ]
  for (const [title, options, field, shown] of cases) {
    it.scoped(field === "" ? title : `${title}: PoolConfigError naming "${field}"`, () =>
      Effect.gen(function*() {
        const exit = yield* Effect.exit(WorkerPool.make(options as PoolConfig))
        if (field === "") {
          expect(Exit.isSuccess(exit)).toBe(true)
          return
        }
        expectNamed(typedError(exit), PoolConfigError, field, shown)
      }))
  }

  it.scoped("huge but valid numbers are kept as given, not clamped", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1_000_000, queueSize: 1e9 })
      expect(pool.config.workers).toBe(1_000_000)
      expect(pool.config.queueSize).toBe(1e9)
    }))
})

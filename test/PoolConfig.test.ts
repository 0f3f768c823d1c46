import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { PoolConfig, PoolConfigError, WorkerPool } from "../src/index.js"

interface BadOption {
  readonly title: string
  readonly options: unknown
  readonly field: string
  readonly value: unknown
  /** How the value must appear in the message. */
  readonly shown: string
  /** Words of the rule the message must state. */
  readonly rule: RegExp
}

const durationRule = /non-negative duration/

const badOptions: ReadonlyArray<BadOption> = [
  { title: "workers 0", options: { workers: 0 }, field: "workers", value: 0, shown: "0", rule: /integer >= 1/ },
  { title: "workers 1.5", options: { workers: 1.5 }, field: "workers", value: 1.5, shown: "1.5", rule: /integer >= 1/ },
  { title: `workers "3"`, options: { workers: "3" }, field: "workers", value: "3", shown: `"3"`, rule: /integer >= 1/ },
  { title: "workers -2", options: { workers: -2 }, field: "workers", value: -2, shown: "-2", rule: /integer >= 1/ },
  { title: "queueSize -1", options: { queueSize: -1 }, field: "queueSize", value: -1, shown: "-1", rule: /integer >= 0/ },
  {
    title: "queueSize 2.5",
    options: { queueSize: 2.5 },
    field: "queueSize",
    value: 2.5,
    shown: "2.5",
    rule: /integer >= 0/
  },
  {
    title: "taskTimeout -5",
    options: { taskTimeout: -5 },
    field: "taskTimeout",
    value: -5,
    shown: "-5",
    rule: durationRule
  },
  {
    title: `taskTimeout "abc"`,
    options: { taskTimeout: "abc" },
    field: "taskTimeout",
    value: "abc",
    shown: `"abc"`,
    rule: durationRule
  },
  {
    title: "shutdownTimeout NaN",
    options: { shutdownTimeout: NaN },
    field: "shutdownTimeout",
    value: NaN,
    shown: "NaN",
    rule: durationRule
  },
  { title: `name ""`, options: { name: "" }, field: "name", value: "", shown: `""`, rule: /non-empty string/ },
  {
    title: `enableMetrics "yes"`,
    options: { enableMetrics: "yes" },
    field: "enableMetrics",
    value: "yes",
    shown: `"yes"`,
    rule: /boolean/
  },
  {
    title: "an unknown option `wrkers`",
    options: { wrkers: 3 },
    field: "wrkers",
    value: 3,
    shown: "3",
    rule: /unknown option.*workers/
  },
  { title: "null options", options: null, field: "options", value: null, shown: "null", rule: /object/ },
  { title: "a number as options", options: 5, field: "options", value: 5, shown: "5", rule: /object/ }
]

/** The typed failure of an exit, asserting it is a failure and not a defect. */
const typedFailure = (exit: Exit.Exit<unknown, unknown>): unknown => {
  expect(Exit.isFailure(exit)).toBe(true)
  if (Exit.isSuccess(exit)) return undefined
  expect(Cause.isDie(exit.cause)).toBe(false)
  return Option.getOrUndefined(Cause.failureOption(exit.cause))
}

const expectConfigError = (error: unknown, bad: BadOption) => {
  expect(error).toBeInstanceOf(PoolConfigError)
  const configError = error as PoolConfigError
  expect(configError._tag).toBe("PoolConfigError")
  expect(configError.field).toBe(bad.field)
  expect(configError.value).toStrictEqual(bad.value)
  expect(configError.rule).toMatch(bad.rule)
  expect(configError.message).toContain(bad.field)
  expect(configError.message).toContain(bad.shown)
  expect(configError.message).toMatch(bad.rule)
}

describe("invalid options fail with PoolConfigError naming the field, the value and the rule", () => {
  for (const bad of badOptions) {
    it.effect(`WorkerPool.make: ${bad.title}`, () =>
      Effect.gen(function*() {
        const exit = yield* Effect.exit(Effect.scoped(WorkerPool.make(bad.options as any)))
        expectConfigError(typedFailure(exit), bad)
      }))

    it.effect(`WorkerPool.layer: ${bad.title}`, () =>
      Effect.gen(function*() {
        const exit = yield* Effect.exit(Effect.provide(WorkerPool, WorkerPool.layer(bad.options as any)))
        expectConfigError(typedFailure(exit), bad)
      }))
  }

  it.effect("PoolConfig.resolve reports the same errors", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(PoolConfig.resolve({ workers: 0 }))
      expect(error).toBeInstanceOf(PoolConfigError)
      expect(error.field).toBe("workers")
    }))

  it.effect("an unknown option next to valid ones is still an error", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.scoped(WorkerPool.make({ workers: 2, queueSze: 3 } as any)))
      expect(error).toBeInstanceOf(PoolConfigError)
      expect(error.field).toBe("queueSze")
    }))
})

describe("defaults", () => {
  it.scoped("a pool made with no options has the documented defaults", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make()
      expect(pool.config.workers).toBe(10)
      expect(pool.config.queueSize).toBe(100)
      expect(pool.config.taskTimeout).toBeUndefined()
      expect(Duration.toMillis(pool.config.shutdownTimeout)).toBe(30_000)
      expect(pool.config.enableMetrics).toBe(true)
      expect(pool.config.name).toBe("default")
    }))

  it.scoped("options left out take their defaults; given ones are decoded", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 3, taskTimeout: "2 seconds", shutdownTimeout: 1500 })
      expect(pool.config.workers).toBe(3)
      expect(pool.config.queueSize).toBe(100)
      expect(Duration.toMillis(pool.config.taskTimeout!)).toBe(2000)
      expect(Duration.toMillis(pool.config.shutdownTimeout)).toBe(1500)
      expect(pool.config.enableMetrics).toBe(true)
      expect(pool.config.name).toBe("default")
    }))

  it.scoped("undefined options are the same as none", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make(undefined)
      expect(pool.config.workers).toBe(10)
    }))

  it.scoped("queueSize 0 is allowed", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ queueSize: 0 })
      expect(pool.config.queueSize).toBe(0)
    }))

  it.effect("PoolConfig.defaults lists the defaults", () =>
    Effect.sync(() => {
      expect(PoolConfig.defaults.workers).toBe(10)
      expect(PoolConfig.defaults.queueSize).toBe(100)
      expect(Duration.toMillis(PoolConfig.defaults.shutdownTimeout)).toBe(30_000)
      expect(PoolConfig.defaults.enableMetrics).toBe(true)
      expect(PoolConfig.defaults.name).toBe("default")
    }))
})

const fromEnv = (entries: ReadonlyArray<readonly [string, string]>) =>
  WorkerPool.layerConfig().pipe(
    Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(entries))))
  )

describe("WorkerPool.layerConfig", () => {
  it.effect("reads every option from the environment", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool
      expect(pool.config.workers).toBe(4)
      expect(pool.config.queueSize).toBe(7)
      expect(Duration.toMillis(pool.config.taskTimeout!)).toBe(5000)
      expect(Duration.toMillis(pool.config.shutdownTimeout)).toBe(1500)
      expect(pool.config.enableMetrics).toBe(false)
      expect(pool.config.name).toBe("env-pool")
      expect(yield* pool.run({ id: "a", execute: Effect.succeed("works") })).toBe("works")
    }).pipe(
      Effect.provide(fromEnv([
        ["WORKER_POOL_WORKERS", "4"],
        ["WORKER_POOL_QUEUE_SIZE", "7"],
        ["WORKER_POOL_TASK_TIMEOUT", "5 seconds"],
        ["WORKER_POOL_SHUTDOWN_TIMEOUT", "1500 millis"],
        ["WORKER_POOL_ENABLE_METRICS", "false"],
        ["WORKER_POOL_NAME", "env-pool"]
      ]))
    ))

  it.effect("unset variables take the defaults", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool
      expect(pool.config.workers).toBe(10)
      expect(pool.config.queueSize).toBe(100)
      expect(pool.config.taskTimeout).toBeUndefined()
      expect(Duration.toMillis(pool.config.shutdownTimeout)).toBe(30_000)
      expect(pool.config.enableMetrics).toBe(true)
      expect(pool.config.name).toBe("default")
    }).pipe(Effect.provide(fromEnv([]))))

  it.effect("some variables set, the others defaulted", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool
      expect(pool.config.workers).toBe(2)
      expect(pool.config.queueSize).toBe(100)
      expect(pool.config.name).toBe("partial")
    }).pipe(Effect.provide(fromEnv([["WORKER_POOL_WORKERS", "2"], ["WORKER_POOL_NAME", "partial"]]))))

  it.effect("an unreadable value fails with a ConfigError", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Effect.provide(WorkerPool, fromEnv([["WORKER_POOL_WORKERS", "abc"]])))
      const error = typedFailure(exit)
      expect(ConfigError.isConfigError(error)).toBe(true)
      expect(String(error)).toContain("WORKER_POOL_WORKERS")
    }))

  it.effect("an unreadable duration fails with a ConfigError", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(
        Effect.provide(WorkerPool, fromEnv([["WORKER_POOL_SHUTDOWN_TIMEOUT", "soon"]]))
      )
      expect(ConfigError.isConfigError(typedFailure(exit))).toBe(true)
    }))

  it.effect("a readable but invalid value fails with PoolConfigError", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Effect.provide(WorkerPool, fromEnv([["WORKER_POOL_WORKERS", "0"]])))
      const error = typedFailure(exit)
      expect(error).toBeInstanceOf(PoolConfigError)
      expect((error as PoolConfigError).field).toBe("workers")
      expect((error as PoolConfigError).value).toBe(0)
    }))

  it.effect("an empty WORKER_POOL_NAME fails with PoolConfigError", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Effect.provide(WorkerPool, fromEnv([["WORKER_POOL_NAME", ""]])))
      const error = typedFailure(exit)
      expect(error).toBeInstanceOf(PoolConfigError)
      expect((error as PoolConfigError).field).toBe("name")
    }))
})

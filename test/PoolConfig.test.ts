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

/** Runs an effect with these variables, and only these, set. */
const withEnv = (entries: ReadonlyArray<readonly [string, string]>) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(entries)))

/** The typed failure of `WorkerPool.layerConfig()` with one variable set. */
const envFailure = (variable: string, text: string) =>
  Effect.map(
    Effect.exit(Effect.provide(WorkerPool, WorkerPool.layerConfig()).pipe(withEnv([[variable, text]]))),
    typedFailure
  )

/** The typed failure of `WorkerPool.make` with one option given in code. */
const codeFailure = (field: string, value: unknown) =>
  Effect.map(Effect.exit(Effect.scoped(WorkerPool.make({ [field]: value } as PoolConfig))), typedFailure)

interface BadVariable {
  readonly title: string
  readonly variable: string
  /** The text as set. */
  readonly text: string
  /** The option the variable sets. */
  readonly field: string
  readonly error: "ConfigError" | "PoolConfigError"
  /** The same bad value given in code. */
  readonly code: unknown
  /** How the value in code must appear in the message. */
  readonly shown: string
  readonly rule: RegExp
}

const badVariables: ReadonlyArray<BadVariable> = [
  // a negative duration, in each duration variable
  {
    title: "a negative WORKER_POOL_TASK_TIMEOUT",
    variable: "WORKER_POOL_TASK_TIMEOUT",
    text: "-1 seconds",
    field: "taskTimeout",
    error: "PoolConfigError",
    code: "-1 seconds",
    shown: `"-1 seconds"`,
    rule: durationRule
  },
  {
    title: "a negative WORKER_POOL_SHUTDOWN_TIMEOUT",
    variable: "WORKER_POOL_SHUTDOWN_TIMEOUT",
    text: "-5 seconds",
    field: "shutdownTimeout",
    error: "PoolConfigError",
    code: "-5 seconds",
    shown: `"-5 seconds"`,
    rule: durationRule
  },
  {
    title: "a negative number of milliseconds in WORKER_POOL_TASK_TIMEOUT",
    variable: "WORKER_POOL_TASK_TIMEOUT",
    text: "-1",
    field: "taskTimeout",
    error: "PoolConfigError",
    code: -1,
    shown: "-1",
    rule: durationRule
  },
  {
    title: "a negative number of milliseconds in WORKER_POOL_SHUTDOWN_TIMEOUT",
    variable: "WORKER_POOL_SHUTDOWN_TIMEOUT",
    text: "-5000",
    field: "shutdownTimeout",
    error: "PoolConfigError",
    code: -5000,
    shown: "-5000",
    rule: durationRule
  },
  // an unreadable duration
  {
    title: "an unreadable WORKER_POOL_TASK_TIMEOUT",
    variable: "WORKER_POOL_TASK_TIMEOUT",
    text: "soon",
    field: "taskTimeout",
    error: "ConfigError",
    code: "soon",
    shown: `"soon"`,
    rule: durationRule
  },
  {
    title: "an unreadable WORKER_POOL_SHUTDOWN_TIMEOUT",
    variable: "WORKER_POOL_SHUTDOWN_TIMEOUT",
    text: "5 secs",
    field: "shutdownTimeout",
    error: "ConfigError",
    code: "5 secs",
    shown: `"5 secs"`,
    rule: durationRule
  },
  // an empty value, in each variable
  {
    title: "an empty WORKER_POOL_WORKERS",
    variable: "WORKER_POOL_WORKERS",
    text: "",
    field: "workers",
    error: "ConfigError",
    code: "",
    shown: `""`,
    rule: /integer >= 1/
  },
  {
    title: "an empty WORKER_POOL_QUEUE_SIZE",
    variable: "WORKER_POOL_QUEUE_SIZE",
    text: "",
    field: "queueSize",
    error: "ConfigError",
    code: "",
    shown: `""`,
    rule: /integer >= 0/
  },
  {
    title: "an empty WORKER_POOL_TASK_TIMEOUT",
    variable: "WORKER_POOL_TASK_TIMEOUT",
    text: "",
    field: "taskTimeout",
    error: "ConfigError",
    code: "",
    shown: `""`,
    rule: durationRule
  },
  {
    title: "an empty WORKER_POOL_SHUTDOWN_TIMEOUT",
    variable: "WORKER_POOL_SHUTDOWN_TIMEOUT",
    text: "",
    field: "shutdownTimeout",
    error: "ConfigError",
    code: "",
    shown: `""`,
    rule: durationRule
  },
  {
    title: "an empty WORKER_POOL_ENABLE_METRICS",
    variable: "WORKER_POOL_ENABLE_METRICS",
    text: "",
    field: "enableMetrics",
    error: "ConfigError",
    code: "",
    shown: `""`,
    rule: /boolean/
  },
  {
    title: "an empty WORKER_POOL_NAME",
    variable: "WORKER_POOL_NAME",
    text: "",
    field: "name",
    error: "PoolConfigError",
    code: "",
    shown: `""`,
    rule: /non-empty string/
  },
  {
    title: "a WORKER_POOL_WORKERS of spaces only",
    variable: "WORKER_POOL_WORKERS",
    text: "  ",
    field: "workers",
    error: "ConfigError",
    code: "  ",
    shown: `"  "`,
    rule: /integer >= 1/
  },
  // other unreadable and invalid values
  {
    title: "an unreadable WORKER_POOL_WORKERS",
    variable: "WORKER_POOL_WORKERS",
    text: "abc",
    field: "workers",
    error: "ConfigError",
    code: "abc",
    shown: `"abc"`,
    rule: /integer >= 1/
  },
  {
    title: "an unreadable WORKER_POOL_ENABLE_METRICS",
    variable: "WORKER_POOL_ENABLE_METRICS",
    text: "maybe",
    field: "enableMetrics",
    error: "ConfigError",
    code: "maybe",
    shown: `"maybe"`,
    rule: /boolean/
  },
  {
    title: "a WORKER_POOL_WORKERS of 0",
    variable: "WORKER_POOL_WORKERS",
    text: "0",
    field: "workers",
    error: "PoolConfigError",
    code: 0,
    shown: "0",
    rule: /integer >= 1/
  },
  {
    title: "a fractional WORKER_POOL_WORKERS",
    variable: "WORKER_POOL_WORKERS",
    text: "1.5",
    field: "workers",
    error: "PoolConfigError",
    code: 1.5,
    shown: "1.5",
    rule: /integer >= 1/
  },
  {
    title: "a negative WORKER_POOL_QUEUE_SIZE",
    variable: "WORKER_POOL_QUEUE_SIZE",
    text: "-1",
    field: "queueSize",
    error: "PoolConfigError",
    code: -1,
    shown: "-1",
    rule: /integer >= 0/
  }
]

/**
 * Asserts the error of a bad variable: its type, and a message that names
 * the variable and shows the text as set (quoted, so that an empty value
 * shows as `""`) and the rule.
 */
const expectVariableError = (error: unknown, bad: BadVariable) => {
  const shown = JSON.stringify(bad.text)
  if (bad.error === "ConfigError") {
    expect(ConfigError.isConfigError(error)).toBe(true)
    expect(error).not.toBeInstanceOf(PoolConfigError)
    const configError = error as ConfigError.ConfigError
    expect(configError._op).toBe("InvalidData")
    expect((configError as ConfigError.InvalidData).path).toStrictEqual([bad.variable])
    expect(String(configError)).toContain(bad.variable)
  } else {
    expect(error).toBeInstanceOf(PoolConfigError)
    const poolError = error as PoolConfigError
    expect(poolError._tag).toBe("PoolConfigError")
    expect(poolError.field).toBe(bad.field)
    expect(poolError.value).toBe(bad.text)
    expect(poolError.rule).toMatch(bad.rule)
    expect(poolError.rule).toContain(bad.variable)
  }
  const message = (error as { readonly message: string }).message
  expect(message).toContain(bad.variable)
  expect(message).toContain(shown)
  expect(message).toMatch(bad.rule)
}

describe("WorkerPool.layerConfig: a bad variable fails with an error naming the variable and the value as set", () => {
  for (const bad of badVariables) {
    it.effect(`${bad.title}: ${bad.variable}=${JSON.stringify(bad.text)} fails with ${bad.error}`, () =>
      Effect.gen(function*() {
        const error = yield* envFailure(bad.variable, bad.text)
        expectVariableError(error, bad)
        // The same rule as the same value given in code.
        const inCode = (yield* codeFailure(bad.field, bad.code)) as PoolConfigError
        expect((error as { readonly message: string }).message).toContain(inCode.rule)
        if (bad.error === "PoolConfigError") {
          expect((error as PoolConfigError).field).toBe(inCode.field)
          expect((error as PoolConfigError).rule.startsWith(inCode.rule)).toBe(true)
        }
      }))
  }

  it.effect("PoolConfig.resolveFromEnv fails with the same errors", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(PoolConfig.resolveFromEnv.pipe(withEnv([["WORKER_POOL_TASK_TIMEOUT", "-1 seconds"]])))
      expect(error).toBeInstanceOf(PoolConfigError)
      expect((error as PoolConfigError).field).toBe("taskTimeout")
      expect((error as PoolConfigError).value).toBe("-1 seconds")
      expect(error.message).toContain("WORKER_POOL_TASK_TIMEOUT")
    }))

  it.effect("PoolConfig.fromEnv hands a negative duration on unclamped, so resolve refuses it", () =>
    Effect.gen(function*() {
      const options = yield* PoolConfig.fromEnv.pipe(withEnv([["WORKER_POOL_TASK_TIMEOUT", "-1 seconds"]]))
      expect(options).toStrictEqual({ taskTimeout: "-1 seconds" })
      const error = yield* Effect.flip(PoolConfig.resolve(options))
      expect(error).toBeInstanceOf(PoolConfigError)
      expect(error.field).toBe("taskTimeout")
      expect(error.value).toBe("-1 seconds")
    }))
})

describe("the same bad values given in code fail with PoolConfigError naming the field and the value", () => {
  for (const bad of badVariables) {
    it.effect(`${bad.field}: ${bad.shown}`, () =>
      Effect.gen(function*() {
        const error = yield* codeFailure(bad.field, bad.code)
        expect(error).toBeInstanceOf(PoolConfigError)
        const poolError = error as PoolConfigError
        expect(poolError.field).toBe(bad.field)
        expect(poolError.value).toStrictEqual(bad.code)
        expect(poolError.rule).toMatch(bad.rule)
        expect(poolError.message).toContain(`"${bad.field}"`)
        expect(poolError.message).toContain(bad.shown)
      }))
  }
})

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

  it.effect("unset variables resolve to what no options in code resolve to", () =>
    Effect.gen(function*() {
      const fromTheEnvironment = yield* PoolConfig.resolveFromEnv.pipe(withEnv([]))
      const inCode = yield* PoolConfig.resolve({})
      expect(fromTheEnvironment).toStrictEqual(inCode)
    }))

  it.effect("some variables set, the others defaulted", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool
      expect(pool.config.workers).toBe(2)
      expect(pool.config.queueSize).toBe(100)
      expect(pool.config.name).toBe("partial")
    }).pipe(Effect.provide(fromEnv([["WORKER_POOL_WORKERS", "2"], ["WORKER_POOL_NAME", "partial"]]))))

  it.effect("a bare number in WORKER_POOL_TASK_TIMEOUT is milliseconds", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool
      expect(Duration.toMillis(pool.config.taskTimeout!)).toBe(50)
    }).pipe(Effect.provide(fromEnv([["WORKER_POOL_TASK_TIMEOUT", "50"]]))))

  it.effect("a bare number in WORKER_POOL_SHUTDOWN_TIMEOUT is milliseconds", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool
      expect(Duration.toMillis(pool.config.shutdownTimeout)).toBe(1500)
    }).pipe(Effect.provide(fromEnv([["WORKER_POOL_SHUTDOWN_TIMEOUT", "1500"]]))))

  it.scoped("in code, a bare number taskTimeout is milliseconds", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ taskTimeout: 50 })
      expect(Duration.toMillis(pool.config.taskTimeout!)).toBe(50)
    }))

  it.scoped("in code, a bare number shutdownTimeout is milliseconds", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ shutdownTimeout: 1500 })
      expect(Duration.toMillis(pool.config.shutdownTimeout)).toBe(1500)
    }))

  it.effect("a bare number and the same number in code resolve alike", () =>
    Effect.gen(function*() {
      const fromTheEnvironment = yield* PoolConfig.resolveFromEnv.pipe(
        withEnv([["WORKER_POOL_TASK_TIMEOUT", "50"], ["WORKER_POOL_SHUTDOWN_TIMEOUT", "1500"]])
      )
      const inCode = yield* PoolConfig.resolve({ taskTimeout: 50, shutdownTimeout: 1500 })
      expect(fromTheEnvironment).toStrictEqual(inCode)
    }))

  it.effect("spaces around a number, a duration or a boolean are ignored", () =>
    Effect.gen(function*() {
      const resolved = yield* PoolConfig.resolveFromEnv.pipe(withEnv([
        ["WORKER_POOL_WORKERS", " 4 "],
        ["WORKER_POOL_TASK_TIMEOUT", "5 seconds\n"],
        ["WORKER_POOL_ENABLE_METRICS", " false"]
      ]))
      expect(resolved.workers).toBe(4)
      expect(Duration.toMillis(resolved.taskTimeout!)).toBe(5000)
      expect(resolved.enableMetrics).toBe(false)
    }))
})

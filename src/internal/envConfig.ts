// Reading a pool's options from the environment, as the options in code read.
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type { PoolConfig } from "../PoolConfig.js"
import { PoolConfigError } from "../PoolError.js"
import { durationRule } from "./duration.js"
import { integerRule, nameRule } from "./rules.js"

/**
 * The options that can be read from the environment, and their variables.
 */
const envVariables = {
  workers: "WORKER_POOL_WORKERS",
  queueSize: "WORKER_POOL_QUEUE_SIZE",
  taskTimeout: "WORKER_POOL_TASK_TIMEOUT",
  shutdownTimeout: "WORKER_POOL_SHUTDOWN_TIMEOUT",
  enableMetrics: "WORKER_POOL_ENABLE_METRICS",
  name: "WORKER_POOL_NAME"
} as const

type EnvField = keyof typeof envVariables

/** The text of each variable as set; `None` when it is unset. */
type EnvText = { readonly [F in EnvField]: Option.Option<string> }

export const envText: Config.Config<EnvText> = Config.all({
  workers: Config.option(Config.string(envVariables.workers)),
  queueSize: Config.option(Config.string(envVariables.queueSize)),
  taskTimeout: Config.option(Config.string(envVariables.taskTimeout)),
  shutdownTimeout: Config.option(Config.string(envVariables.shutdownTimeout)),
  enableMetrics: Config.option(Config.string(envVariables.enableMetrics)),
  name: Config.option(Config.string(envVariables.name))
})

/** A decimal number as `Number` reads it, or `Infinity`; not `""`, `NaN` or hex. */
const numberText = /^[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|Infinity)$/

const readNumber = (text: string): Option.Option<number> =>
  numberText.test(text) ? Option.some(Number(text)) : Option.none()

/**
 * A duration as text: a bare number is milliseconds, as in code; otherwise
 * the text must be a duration as `Duration.decode` reads it ("5 seconds"),
 * possibly with a minus sign. The text is handed on unchanged, so that the
 * schema judges it exactly as it judges the same value given in code (and
 * refuses "-1 seconds" rather than letting `Duration` turn it into zero).
 */
const readDuration = (text: string): Option.Option<unknown> =>
  numberText.test(text)
    ? Option.some(Number(text))
    : Option.isSome(Duration.decodeUnknown(text.replace(/^-/, "")))
    ? Option.some(text)
    : Option.none()

const booleanWords: Readonly<Record<string, boolean>> = {
  true: true,
  yes: true,
  on: true,
  "1": true,
  false: false,
  no: false,
  off: false,
  "0": false
}

const readBoolean = (text: string): Option.Option<boolean> =>
  Object.hasOwn(booleanWords, text) ? Option.some(booleanWords[text]!) : Option.none()

/**
 * How the text of each variable is read into the value the same option
 * takes in code, and the rule quoted when it cannot be. Surrounding spaces
 * are ignored except in the name, which is checked as given.
 */
const envReaders: {
  readonly [F in EnvField]: { readonly read: (text: string) => Option.Option<unknown>; readonly rule: string }
} = {
  workers: { read: (text) => readNumber(text.trim()), rule: integerRule(1) },
  queueSize: { read: (text) => readNumber(text.trim()), rule: integerRule(0) },
  taskTimeout: { read: (text) => readDuration(text.trim()), rule: durationRule },
  shutdownTimeout: { read: (text) => readDuration(text.trim()), rule: durationRule },
  enableMetrics: {
    read: (text) => readBoolean(text.trim()),
    rule: "expected a boolean: true, false, yes, no, on, off, 1 or 0"
  },
  name: { read: Option.some, rule: nameRule }
}

/*
 * Which error an environment variable's problem is.
 *
 * - Text that cannot be read as the kind of value its option takes (`abc`
 *   or an empty value for a number, `soon` or an empty value for a
 *   duration, `maybe` for a boolean) is a `ConfigError` (`InvalidData` at
 *   the variable's path). Reading text is what `Config` does, `ConfigError`
 *   is what every `Config` reports when a value cannot be read, and it is
 *   what `layerConfig()` has always reported and the README documents for
 *   unreadable values: code that catches it keeps working.
 * - A value that is read but breaks the option's rule (`0` workers, a
 *   negative duration such as `-1 seconds`, an empty name) is judged by the
 *   same schema as options given in code, so the environment can never
 *   accept what code refuses, and fails with the same `PoolConfigError` with
 *   the same `field` (the option, such as `taskTimeout`) and `rule`; its
 *   `value` is the text as set and the rule ends with the variable's name.
 *
 * Either way the message names the variable and shows the text as set.
 */

const unreadable = (field: EnvField, text: string): ConfigError.ConfigError =>
  ConfigError.InvalidData(
    [envVariables[field]],
    `cannot read ${envVariables[field]} = ${JSON.stringify(text)}: ${envReaders[field].rule}`
  )

export const readEnv = (text: EnvText): Either.Either<PoolConfig, ConfigError.ConfigError> => {
  const options: Record<string, unknown> = {}
  for (const field of Object.keys(envVariables) as Array<EnvField>) {
    const set = text[field]
    if (Option.isNone(set)) continue
    const value = envReaders[field].read(set.value)
    if (Option.isNone(value)) return Either.left(unreadable(field, set.value))
    options[field] = value.value
  }
  return Either.right(options as PoolConfig)
}

/** A `PoolConfigError` about an option read from a variable: the text as set, and the variable. */
export const fromVariable = (text: EnvText) => (error: PoolConfigError): PoolConfigError => {
  if (!Object.hasOwn(envVariables, error.field)) return error
  const field = error.field as EnvField
  return new PoolConfigError({
    field,
    value: Option.getOrUndefined(text[field]),
    rule: `${error.rule} (read from the environment variable ${envVariables[field]})`
  })
}


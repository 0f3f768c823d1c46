import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { availableParallelism } from "node:os"
import { resolve as resolvePath } from "node:path"
import { pathToFileURL } from "node:url"
import type { ResourceLimits } from "node:worker_threads"
import { PoolConfigError } from "../../PoolError.js"
import { decodeDurationInput, durationRule } from "../duration.js"

/**
 * The thread pool's options with every default filled in and durations in
 * milliseconds, as the machinery uses them.
 *
 * @internal
 */
export interface ResolvedThreadOptions {
  readonly script: URL
  readonly schema: Schema.Schema<any, any, never>
  readonly size: number
  readonly concurrencyPerThread: number
  readonly startupTimeoutMillis: number
  readonly interruptGraceMillis: number
  readonly maxRequestsPerThread: number
  readonly resourceLimits: ResourceLimits | undefined
  readonly name: string
}

const known = [
  "script",
  "schema",
  "size",
  "concurrencyPerThread",
  "startupTimeout",
  "interruptGrace",
  "maxRequestsPerThread",
  "resourceLimits",
  "name"
] as const

const resourceLimitFields = ["maxOldGenerationSizeMb", "maxYoungGenerationSizeMb", "codeRangeSizeMb", "stackSizeMb"]

type Check<A> = Either.Either<A, PoolConfigError>

const invalid = (field: string, value: unknown, rule: string) => Either.left(new PoolConfigError({ field, value, rule }))

const integer = (field: string, value: unknown, fallback: number): Check<number> =>
  value === undefined
    ? Either.right(fallback)
    : Number.isInteger(value) && (value as number) >= 1
    ? Either.right(value as number)
    : invalid(field, value, "expected an integer >= 1")

const millis = (field: string, value: unknown, fallback: number, positive: boolean): Check<number> => {
  if (value === undefined) return Either.right(fallback)
  const duration = decodeDurationInput(value)
  if (duration === undefined || !Duration.isFinite(duration)) {
    return invalid(field, value, `${durationRule}, and finite`)
  }
  const ms = Duration.toMillis(duration)
  return positive && ms <= 0 ? invalid(field, value, "expected a positive duration") : Either.right(ms)
}

const scriptUrl = (value: unknown): Check<URL> => {
  if (value instanceof URL) {
    return value.protocol === "file:" ? Either.right(value) : invalid("script", value.href, "expected a file: URL")
  }
  if (typeof value !== "string" || value.trim() === "") {
    return invalid("script", value, "expected the path or file: URL of the thread module")
  }
  return Either.right(value.startsWith("file:") ? new URL(value) : pathToFileURL(resolvePath(value)))
}

const limits = (value: unknown): Check<ResourceLimits | undefined> => {
  if (value === undefined) return Either.right(undefined)
  if (typeof value !== "object" || value === null) {
    return invalid("resourceLimits", value, "expected an object such as { maxOldGenerationSizeMb: 256 }")
  }
  for (const [field, limit] of Object.entries(value)) {
    if (!resourceLimitFields.includes(field)) {
      return invalid(`resourceLimits.${field}`, limit, `unknown field; the fields are ${resourceLimitFields.join(", ")}`)
    }
    if (typeof limit !== "number" || !(limit > 0)) {
      return invalid(`resourceLimits.${field}`, limit, "expected a positive number of megabytes")
    }
  }
  return Either.right(value as ResourceLimits)
}

/**
 * Validates the options of `ThreadPool.make`: the first invalid option fails
 * with a `PoolConfigError` naming it, its value and the rule.
 *
 * @internal
 */
export const resolveThreadOptions = (options: unknown): Check<ResolvedThreadOptions> =>
  Either.gen(function*() {
    if (typeof options !== "object" || options === null) {
      return yield* invalid("options", options, "expected an object with at least script and schema")
    }
    const given = options as Record<string, unknown>
    for (const field of Object.keys(given)) {
      if (!(known as ReadonlyArray<string>).includes(field)) {
        return yield* invalid(field, given[field], `unknown option; the options are ${known.join(", ")}`)
      }
    }
    const script = yield* scriptUrl(given.script)
    if (!Schema.isSchema(given.schema)) {
      return yield* invalid("schema", given.schema, "expected a Schema of the requests, such as Schema.Union(A, B)")
    }
    const name = given.name ?? "default"
    if (typeof name !== "string" || name.trim() === "" || name.trim() !== name) {
      return yield* invalid("name", name, "expected a non-empty string with no spaces around it")
    }
    const maxRequests = given.maxRequestsPerThread === Infinity
      ? Infinity
      : yield* integer("maxRequestsPerThread", given.maxRequestsPerThread, Infinity)
    return {
      script,
      schema: given.schema as Schema.Schema<any, any, never>,
      size: yield* integer("size", given.size, Math.max(1, availableParallelism() - 1)),
      concurrencyPerThread: yield* integer("concurrencyPerThread", given.concurrencyPerThread, 1),
      startupTimeoutMillis: yield* millis("startupTimeout", given.startupTimeout, 10_000, true),
      interruptGraceMillis: yield* millis("interruptGrace", given.interruptGrace, 100, false),
      maxRequestsPerThread: maxRequests,
      resourceLimits: yield* limits(given.resourceLimits),
      name
    }
  })

// The building blocks of the pool options' schema, and how its errors read.
import * as Duration from "effect/Duration"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { PoolConfigError } from "../PoolError.js"
import { decodeDurationInput, durationRule } from "./duration.js"
import { integerRule } from "./rules.js"

/** @internal */
export const withRule = <S extends Schema.Schema.Any>(schema: S, rule: string): S =>
  schema.annotations({ message: () => ({ message: rule, override: true }) }) as S

/** @internal */
export const IntegerAtLeast = (min: number) => withRule(Schema.Int.pipe(Schema.greaterThanOrEqualTo(min)), integerRule(min))

/** @internal */
export const DurationInput = withRule(
  Schema.transformOrFail(Schema.Unknown, Schema.DurationFromSelf, {
    strict: true,
    decode: (input, _, ast) => {
      const duration = decodeDurationInput(input)
      return duration === undefined
        ? ParseResult.fail(new ParseResult.Type(ast, input, durationRule))
        : ParseResult.succeed(duration)
    },
    encode: ParseResult.succeed
  }),
  durationRule
)

/** @internal */
export const PositiveDurationInput = withRule(
  DurationInput.pipe(Schema.filter((duration) => Duration.greaterThan(duration, Duration.zero))),
  "expected a positive duration: milliseconds as a number, or a string such as \"5 seconds\""
)

/** @internal */
export const RateLimitSchema = Schema.Struct({
  limit: IntegerAtLeast(1),
  interval: PositiveDurationInput
})

/**
 * The `PoolConfigError` of options the schema refused: the first invalid
 * field, its value and the rule it broke; an unknown option is named as such.
 *
 * @internal
 */
export const toConfigError = (
  input: unknown,
  error: ParseResult.ParseError,
  knownFields: ReadonlyArray<string>
): PoolConfigError => {
  const [issue] = ParseResult.ArrayFormatter.formatErrorSync(error)
  const path = issue?.path ?? []
  if (path.length === 0) {
    return new PoolConfigError({ field: "options", value: input, rule: "expected an object of pool options" })
  }
  const field = path.map(String).join(".")
  const value = path.reduce<unknown>((at, step) => (at as Record<PropertyKey, unknown> | undefined)?.[step], input)
  const rule = issue?._tag !== "Unexpected"
    ? issue!.message
    : path.length === 1
    ? `unknown option; the options are ${knownFields.join(", ")}`
    : "unknown field"
  return new PoolConfigError({ field, value, rule })
}


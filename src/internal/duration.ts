import * as Duration from "effect/Duration"

const isNonNegative = (n: unknown): boolean =>
  (typeof n === "number" && n >= 0) || (typeof n === "bigint" && n >= 0n)

/**
 * Reads a `DurationInput` the way `Duration.decode` does, but refuses what
 * `Duration.decode` would silently turn into zero (negative numbers, `NaN`,
 * "-5 seconds") or throw on (anything unreadable). `Infinity` is allowed and
 * means "no limit".
 *
 * @internal
 */
export const decodeDurationInput = (input: unknown): Duration.Duration | undefined => {
  if (Duration.isDuration(input)) return input
  if (typeof input === "number" || typeof input === "bigint") {
    return isNonNegative(input) ? Duration.decode(input) : undefined
  }
  if (typeof input === "string") {
    return input.trimStart().startsWith("-") ? undefined : Duration.decodeUnknown(input).pipe(orUndefined)
  }
  if (Array.isArray(input)) {
    return input.length === 2 && input.every((part) => isNonNegative(part) && Number.isFinite(part))
      ? Duration.decodeUnknown(input).pipe(orUndefined)
      : undefined
  }
  return undefined
}

const orUndefined = <A>(option: { readonly _tag: "Some"; readonly value: A } | { readonly _tag: "None" }) =>
  option._tag === "Some" ? option.value : undefined

/** @internal */
export const durationRule =
  "expected a non-negative duration: milliseconds as a number, or a string such as \"5 seconds\""

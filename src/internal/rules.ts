/**
 * The rule an integer option breaks, as error messages state it.
 *
 * @internal
 */
export const integerRule = (min: number): string => `expected an integer >= ${min}`

/**
 * The rule a name breaks, as error messages state it.
 *
 * @internal
 */
export const nameRule = "expected a non-empty string without surrounding spaces"

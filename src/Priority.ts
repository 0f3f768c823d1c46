/**
 * Priority levels of a task. A free worker always takes the oldest task of the
 * highest non-empty level.
 *
 * @since 0.1.0
 */

/**
 * The four priority levels, from `Low` (0) to `Critical` (3).
 *
 * @example
 * ```ts
 * import { Priority } from "@helixagent/concurrency"
 *
 * const task = { id: "urgent", execute: Effect.succeed(1), priority: Priority.Critical }
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const Priority = {
  Low: 0,
  Normal: 1,
  High: 2,
  Critical: 3
} as const

/**
 * One of the values of {@link Priority}: `0 | 1 | 2 | 3`.
 *
 * @since 0.1.0
 * @category models
 */
export type Priority = (typeof Priority)[keyof typeof Priority]

/**
 * The priority a task gets when it names none.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultPriority: Priority = Priority.Normal

/**
 * How many priority levels there are.
 *
 * @since 0.1.0
 * @category constants
 */
export const levels = 4

/**
 * Tells whether a value is a valid priority: an integer from 0 to 3.
 *
 * @since 0.1.0
 * @category guards
 */
export const isPriority = (u: unknown): u is Priority =>
  typeof u === "number" && Number.isInteger(u) && u >= Priority.Low && u <= Priority.Critical

/**
 * The name of a priority level, as used in metric labels and span attributes.
 *
 * @since 0.1.0
 * @category utils
 */
export const label = (priority: Priority): "low" | "normal" | "high" | "critical" => labels[priority]

const labels = ["low", "normal", "high", "critical"] as const

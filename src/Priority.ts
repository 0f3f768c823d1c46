/**
 * Priority levels of a task. A free worker always takes the oldest task of the
 * highest non-empty level.
 *
 * @since 0.1.0
 */

/**
 * The four priority levels, from `Low` (0) to `Critical` (3). A free worker
 * takes the oldest task of the highest non-empty level; a task that names no
 * priority gets `Normal`. As a type, `Priority` is `0 | 1 | 2 | 3`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Priority, type Task } from "@helixagent/concurrency"
 *
 * const task: Task<number> = { id: "urgent", execute: Effect.succeed(1), priority: Priority.Critical }
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const Priority = {
  /**
   * Level 0, the lowest: background work that may wait for everything else.
   * The first to be evicted by the `evict-lowest` overflow policy.
   *
   * @since 0.1.0
   */
  Low: 0,
  /**
   * Level 1, the default of a task that names no priority.
   *
   * @since 0.1.0
   */
  Normal: 1,
  /**
   * Level 2: taken before queued `Normal` and `Low` tasks (unless the
   * pool's `agingInterval` has lifted them as high).
   *
   * @since 0.1.0
   */
  High: 2,
  /**
   * Level 3, the highest: taken before every queued task of a lower
   * (effective) level. Aging lifts waiting tasks up to this level, never
   * past it.
   *
   * @since 0.1.0
   */
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

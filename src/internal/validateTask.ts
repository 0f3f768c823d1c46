import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import { InvalidTaskError } from "../PoolError.js"
import * as Priority from "../Priority.js"
import type { Task } from "../Task.js"
import { decodeDurationInput, durationRule } from "./duration.js"

/**
 * A task whose fields have been checked and normalised. Checking is done by
 * hand rather than with `Schema` because it runs once per submitted task.
 *
 * @internal
 */
export interface ValidTask {
  readonly task: Task<any, any, any>
  readonly id: string
  readonly priority: Priority.Priority
  /** `undefined` means the task names no timeout and takes the pool's. */
  readonly timeout: Duration.Duration | undefined
  readonly key: string | undefined
  /** `undefined` means the task names no queue deadline and takes the pool's. */
  readonly queueTimeout: Duration.Duration | undefined
}

const taskFields: ReadonlySet<string> = new Set([
  "id",
  "execute",
  "callback",
  "priority",
  "timeout",
  "key",
  "queueTimeout",
  "retry"
])

/**
 * The error for a task whose id another task already holds.
 *
 * @internal
 */
export const duplicateId = (id: string, holder: string) =>
  new InvalidTaskError({ taskId: id, field: "id", value: id, reason: `another task with this id is ${holder}` })

const invalid = (taskId: string | undefined, field: string, value: unknown, reason: string) =>
  new InvalidTaskError({ taskId, field, value, reason })

/**
 * Checks a task as JavaScript callers may send it: anything at all.
 *
 * @internal
 */
export const validateTask = (task: unknown): ValidTask | InvalidTaskError => {
  if (typeof task !== "object" || task === null) {
    return invalid(undefined, "task", task, "expected a task object with an id and an execute effect")
  }
  const { callback, execute, id, key, priority, queueTimeout, retry, timeout } = task as Record<string, unknown>
  for (const field in task) {
    if (!taskFields.has(field)) {
      return invalid(
        typeof id === "string" ? id : undefined,
        field,
        (task as Record<string, unknown>)[field],
        `unknown field; a task has ${[...taskFields].join(", ")}`
      )
    }
  }
  if (typeof id !== "string" || id.length === 0) {
    return invalid(undefined, "id", id, "expected a non-empty string")
  }
  if (!Effect.isEffect(execute)) {
    return invalid(id, "execute", execute, "expected an Effect")
  }
  if (callback !== undefined && typeof callback !== "function") {
    return invalid(id, "callback", callback, "expected a function returning an Effect")
  }
  if (priority !== undefined && !Priority.isPriority(priority)) {
    return invalid(id, "priority", priority, "expected an integer from 0 (Low) to 3 (Critical)")
  }
  if (retry !== undefined && !Schedule.isSchedule(retry)) {
    return invalid(id, "retry", retry, "expected a Schedule, such as Schedule.recurs(3)")
  }
  if (key !== undefined && (typeof key !== "string" || key.length === 0)) {
    return invalid(id, "key", key, "expected a non-empty string")
  }
  const decodedTimeout = timeout === undefined ? undefined : decodeDurationInput(timeout)
  if (timeout !== undefined && decodedTimeout === undefined) return invalid(id, "timeout", timeout, durationRule)
  const decodedQueueTimeout = queueTimeout === undefined ? undefined : decodeDurationInput(queueTimeout)
  if (queueTimeout !== undefined && decodedQueueTimeout === undefined) {
    return invalid(id, "queueTimeout", queueTimeout, durationRule)
  }
  return {
    task: task as Task<any, any, any>,
    id,
    priority: priority ?? Priority.defaultPriority,
    timeout: decodedTimeout,
    key,
    queueTimeout: decodedQueueTimeout
  }
}

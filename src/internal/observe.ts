// What the pool reports of itself: per-key figures and the snapshot of its tasks.
import * as Duration from "effect/Duration"
import type { KeyMetrics } from "../PoolMetrics.js"
import type { Priority } from "../Priority.js"
import type { TaskInfo, TaskState } from "../TaskInfo.js"
import type { KeyState, Scheduler } from "./scheduler.js"
import { Phase, type TaskEntry } from "./taskEntry.js"

const keyMetricsOf = (key: KeyState<TaskEntry>, now: number): KeyMetrics => ({
  running: key.running,
  queued: key.queued,
  limit: Number.isFinite(key.limit) ? key.limit : undefined,
  paused: key.isPaused(now),
  rateLimited: key.rateBlockedUntil(now) !== undefined
})

/**
 * What each key seen so far is doing now, by name.
 *
 * @internal
 */
export const keyMetrics = (scheduler: Scheduler<TaskEntry>, now: number): Record<string, KeyMetrics> =>
  Object.fromEntries(Array.from(scheduler.namedKeys(), (key) => [key.name!, keyMetricsOf(key, now)]))

const states: Record<Exclude<Phase, typeof Phase.Settled>, TaskState> = {
  [Phase.Queued]: "queued",
  [Phase.Running]: "running",
  [Phase.Retrying]: "retrying",
  [Phase.Callback]: "callback"
}

const infoOf = (entry: TaskEntry, effectivePriority: number, now: number): TaskInfo => {
  const queued = entry.phase === Phase.Queued
  return {
    taskId: entry.taskId,
    priority: entry.priority,
    effectivePriority: effectivePriority as Priority,
    key: entry.key,
    state: states[entry.phase as Exclude<Phase, typeof Phase.Settled>],
    attempts: entry.attempts,
    waitTime: Duration.millis(entry.waitedMillis + (queued ? now - entry.enqueuedAt : 0)),
    runTime: entry.phase === Phase.Running && entry.fiber !== undefined ? Duration.millis(now - entry.startedAt) : Duration.zero
  }
}

/**
 * Every accepted task in the pool: the queued ones first, in the order
 * they would start if every key were free now, then the others in
 * acceptance order.
 *
 * @internal
 */
export const taskInfos = (
  scheduler: Scheduler<TaskEntry>,
  tasks: Iterable<TaskEntry>,
  now: number
): ReadonlyArray<TaskInfo> => {
  const queued = scheduler.queuedInStartOrder(now).map((entry) => infoOf(entry, scheduler.effectiveLevel(entry, now), now))
  const others: Array<TaskEntry> = []
  for (const entry of tasks) {
    if (entry.seq >= 0 && entry.phase !== Phase.Queued && entry.phase !== Phase.Settled) others.push(entry)
  }
  others.sort((a, b) => a.seq - b.seq)
  return [...queued, ...others.map((entry) => infoOf(entry, entry.priority, now))]
}

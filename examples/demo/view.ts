/**
 * What the demo shows: one log line per event, in one format
 *
 *     <elapsed>  <verb>   <subject>          <details>
 *       0.912s  done     claude/judge-1     priority=Critical  waited  118 ms  ran  402 ms
 *
 * and, on a terminal, the live view of the pool drawn below them.
 */
import { Cause, Duration, Exit, Option } from "effect"
import {
  type PoolMetrics,
  PoolShutdownError,
  Priority,
  type ResolvedPoolConfig,
  type TaskResult,
  TaskTimeoutError
} from "@helixagent/concurrency"
import pc from "picocolors"

export type Colors = ReturnType<typeof pc.createColors>

/** Highest first, as the view lists them. */
export const levels: ReadonlyArray<Priority> = [Priority.Critical, Priority.High, Priority.Normal, Priority.Low]

const names = ["Low", "Normal", "High", "Critical"] as const
export const priorityName = (priority: Priority): string => names[priority]

const levelColor = (c: Colors, priority: Priority) => [c.blue, c.cyan, c.yellow, c.red][priority]!

export const ms = (duration: Duration.DurationInput): string => {
  const millis = Duration.toMillis(duration)
  return millis < 10_000 ? `${Math.round(millis)} ms` : `${(millis / 1000).toFixed(1)} s`
}

const verbColors: Record<string, (c: Colors) => (text: string) => string> = {
  done: (c) => c.green,
  fail: (c) => c.red,
  timeout: (c) => c.yellow,
  cancel: (c) => c.magenta,
  dropped: (c) => c.magenta,
  pause: (c) => c.yellow,
  retry: (c) => c.cyan,
  stop: (c) => c.bold,
  final: (c) => c.bold
}

/** One log line: elapsed time, verb, subject, details. */
export const logLine = (c: Colors, elapsedMillis: number, verb: string, subject: string, details = ""): string => {
  const color = verbColors[verb]?.(c) ?? ((text: string) => text)
  const time = c.dim(`${(elapsedMillis / 1000).toFixed(3)}s`.padStart(8))
  return `${time}  ${color(verb.padEnd(8))} ${subject.padEnd(18)} ${details}`.trimEnd()
}

/** Continuation lines of a multi-line entry start under the subject column. */
export const indent = " ".repeat(8 + 2 + 8 + 1)

/** The verb and details of a finished task. */
export const describeResult = (result: TaskResult<unknown, unknown>): { verb: string; details: string } => {
  const timing = `priority=${priorityName(result.priority).padEnd(8)}  waited ${ms(result.waitTime).padStart(7)}  ran ${ms(result.duration).padStart(7)}`
  if (Exit.isSuccess(result.exit)) return { verb: "done", details: timing }
  const cause = result.exit.cause
  const error = Option.getOrUndefined(Cause.failureOption(cause))
  if (error instanceof TaskTimeoutError) return { verb: "timeout", details: `${timing}  no answer within ${ms(error.timeout)}` }
  if (error instanceof PoolShutdownError) return { verb: "dropped", details: `${timing}  the pool shut down before it ran` }
  if (error === undefined && Cause.isInterruptedOnly(cause)) return { verb: "cancel", details: `${timing}  interrupted` }
  return { verb: "fail", details: `${timing}  ${error instanceof Error ? error.message : Cause.pretty(cause).split("\n")[0]}` }
}

export interface Snapshot {
  readonly elapsedMillis: number
  readonly metrics: PoolMetrics
  /** Tasks queued now, indexed by priority (from the pool's `workerpool_queue_depth` gauge). */
  readonly queuedByPriority: ReadonlyArray<number>
  /** Tasks finished per second over the last second. */
  readonly throughput: number
  /** The largest queue depth of one level seen so far: the bars' full scale. */
  readonly scale: number
  /** Whether the pool is shutting down (after Ctrl-C). */
  readonly stopping: boolean
}

const bar = (value: number, scale: number, width: number) => {
  const filled = Math.round((Math.min(value, scale) / Math.max(scale, 1)) * width)
  return { filled: "█".repeat(filled), empty: "░".repeat(width - filled) }
}

/** The live view: queues by priority, workers, providers, counters. */
export const frame = (c: Colors, config: ResolvedPoolConfig, now: Snapshot): Array<string> => {
  const { metrics } = now
  const lines: Array<string> = []
  lines.push("")
  lines.push(
    `${c.bold(`WorkerPool "${config.name}"`)}  ${config.workers} workers  ${(now.elapsedMillis / 1000).toFixed(1)} s  ${
      now.stopping ? c.yellow("shutting down: draining") : c.dim("Ctrl-C shuts down")
    }`
  )
  lines.push(c.dim("queued"))
  for (const priority of levels) {
    const depth = now.queuedByPriority[priority] ?? 0
    const { empty, filled } = bar(depth, now.scale, 30)
    lines.push(`  ${priorityName(priority).padEnd(9)} ${levelColor(c, priority)(filled)}${c.dim(empty)} ${String(depth).padStart(3)}`)
  }
  const busy = bar(metrics.running, config.workers, config.workers)
  lines.push(
    `${c.dim("running")}     ${c.green(busy.filled.split("").join(" "))}${busy.filled && busy.empty ? " " : ""}${c.dim(busy.empty.split("").join(" "))}   ${metrics.running} / ${config.workers} workers`
  )
  lines.push(c.dim("provider    running  queued  limit  rate          state"))
  for (const [key, k] of Object.entries(metrics.keys).sort(([a], [b]) => a.localeCompare(b))) {
    const rate = config.rateLimits[key]
    const state = k.paused
      ? c.yellow("paused (429)")
      : k.rateLimited
      ? c.magenta("rate window full")
      : k.limit !== undefined && k.running >= k.limit
      ? c.cyan("at limit")
      : k.running + k.queued === 0
      ? c.dim("idle")
      : "ok"
    lines.push(
      `  ${key.padEnd(10)}${String(k.running).padStart(7)}${String(k.queued).padStart(8)}${String(k.limit ?? "-").padStart(7)}  ${
        (rate ? `${rate.limit} per ${Duration.format(rate.interval)}` : "-").padEnd(12)
      }  ${state}`
    )
  }
  lines.push(
    `${c.green(`completed ${metrics.tasksCompleted}`)}  ${c.red(`failed ${metrics.tasksFailed}`)}  ${
      c.yellow(`timed out ${metrics.tasksTimedOut}`)
    }  cancelled ${metrics.tasksCancelled}  throughput ${c.bold(`${now.throughput.toFixed(1)} tasks/s`)}`
  )
  return lines
}

/** The final metrics, as log lines. */
export const finalLines = (
  c: Colors,
  elapsedMillis: number,
  config: ResolvedPoolConfig,
  metrics: PoolMetrics,
  averageWait: ReadonlyArray<number | undefined>
): Array<string> => {
  const finished = metrics.tasksCompleted + metrics.tasksFailed
  const waits = levels.flatMap((priority) => {
    const wait = averageWait[priority]
    return wait === undefined ? [] : [`${priorityName(priority)} ${ms(wait)}`]
  })
  return [
    logLine(c, elapsedMillis, "final", "metrics", `pool "${config.name}" after ${(elapsedMillis / 1000).toFixed(1)} s`),
    `${indent}submitted ${metrics.tasksSubmitted}  completed ${metrics.tasksCompleted}  failed ${metrics.tasksFailed} (timed out ${metrics.tasksTimedOut})  cancelled ${metrics.tasksCancelled}  rejected ${metrics.tasksRejected}`,
    `${indent}average task time ${ms(metrics.averageTaskTime)}  throughput ${(finished / Math.max(elapsedMillis / 1000, 0.001)).toFixed(1)} tasks/s  still queued ${metrics.queued}  running ${metrics.running}`,
    `${indent}average wait  ${waits.join("  ")}`
  ]
}

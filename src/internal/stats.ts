import * as Duration from "effect/Duration"
import type { PoolMetrics } from "../PoolMetrics.js"
import type { Priority } from "../Priority.js"
import type { Instruments, RejectReason } from "./instruments.js"
import type { Outcome } from "./outcome.js"

const nanosToSeconds = (nanos: bigint): number => Number(nanos) / 1e9

/**
 * The pool's counters: the snapshot that `metrics` returns, always kept, and
 * the Effect `Metric`s, updated only when the pool has instruments
 * (`enableMetrics`).
 *
 * @internal
 */
export class PoolStats {
  private submitted = 0
  private completed = 0
  private failed = 0
  private timedOut = 0
  private cancelled = 0
  private rejected = 0
  private callbackFailures = 0
  private finishedNanos = 0n

  constructor(
    private readonly instruments: Instruments | undefined,
    private readonly workers: number
  ) {
    instruments?.workers.update(workers)
    instruments?.running.update(0)
    instruments?.utilization.update(0)
    instruments?.queueDepth.forEach((depth) => depth.update(0))
  }

  onSubmitted(): void {
    this.submitted++
    this.instruments?.submitted.update(1)
  }

  onRejected(reason: RejectReason): void {
    this.rejected++
    this.instruments?.rejected[reason].update(1)
  }

  onStarted(priority: Priority, waitedNanos: bigint): void {
    this.instruments?.wait[priority]!.update(nanosToSeconds(waitedNanos))
  }

  /** A task that ran has finished its run. */
  onFinished(priority: Priority, outcome: Outcome, ranNanos: bigint): void {
    const instruments = this.instruments
    if (outcome === "success") {
      this.completed++
      this.finishedNanos += ranNanos
      instruments?.completed[priority]!.update(1)
    } else if (outcome === "interrupted") {
      this.cancelled++
      instruments?.cancelled[priority]!.update(1)
    } else {
      if (outcome === "timeout") {
        this.timedOut++
        instruments?.timedOut[priority]!.update(1)
      }
      this.failed++
      this.finishedNanos += ranNanos
      instruments?.failed[priority]!.update(1)
    }
    instruments?.duration[priority]![outcome].update(nanosToSeconds(ranNanos))
  }

  /** A task settled without running: cancelled while queued, or shut down. */
  onSettledUnrun(priority: Priority): void {
    this.cancelled++
    this.instruments?.cancelled[priority]!.update(1)
  }

  onCallbackFailure(): void {
    this.callbackFailures++
    this.instruments?.callbackFailures.update(1)
  }

  onQueueDepth(priority: number, depth: number): void {
    this.instruments?.queueDepth[priority]!.update(depth)
  }

  onRunning(running: number): void {
    if (this.instruments === undefined) return
    this.instruments.running.update(running)
    this.instruments.utilization.update(running / this.workers)
  }

  snapshot(queued: number, running: number): PoolMetrics {
    const finished = this.completed + this.failed
    return {
      tasksSubmitted: this.submitted,
      tasksCompleted: this.completed,
      tasksFailed: this.failed,
      tasksTimedOut: this.timedOut,
      tasksCancelled: this.cancelled,
      tasksRejected: this.rejected,
      callbackFailures: this.callbackFailures,
      totalDuration: Duration.nanos(this.finishedNanos),
      averageTaskTime: finished === 0 ? Duration.zero : Duration.nanos(this.finishedNanos / BigInt(finished)),
      queued,
      running
    }
  }
}

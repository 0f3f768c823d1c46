import * as Duration from "effect/Duration"
import type { KeyMetrics, PoolMetrics } from "../PoolMetrics.js"
import type { Priority } from "../Priority.js"
import { type Instruments, type KeyInstruments, makeForKey, type RejectReason } from "./instruments.js"
import type { Outcome } from "./outcome.js"

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
  private evicted = 0
  private expired = 0
  private rejected = 0
  private callbackFailures = 0
  private retried = 0
  private finishedMillis = 0
  private readonly keyInstruments = new Map<string, KeyInstruments>()

  constructor(
    private readonly instruments: Instruments | undefined,
    private workers: number
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

  onStarted(priority: Priority, waitedMillis: number): void {
    this.instruments?.wait[priority]!.update(waitedMillis / 1000)
  }

  /** One attempt of a task has ended: its running time, by outcome. */
  onAttempt(priority: Priority, outcome: Outcome, ranMillis: number): void {
    this.instruments?.duration[priority]![outcome].update(ranMillis / 1000)
  }

  /** An attempt after a task's first starts. */
  onRetried(priority: Priority): void {
    this.retried++
    this.instruments?.retries[priority]!.update(1)
  }

  /** A task that ran has finished its last attempt, after `ranMillis` of running in all. */
  onFinished(priority: Priority, outcome: Outcome, ranMillis: number): void {
    const instruments = this.instruments
    if (outcome === "success") {
      this.completed++
      this.finishedMillis += ranMillis
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
      this.finishedMillis += ranMillis
      instruments?.failed[priority]!.update(1)
    }
  }

  /** A task settled without running: cancelled while queued, or shut down. */
  onSettledUnrun(priority: Priority): void {
    this.cancelled++
    this.instruments?.cancelled[priority]!.update(1)
  }

  /** A queued task was evicted to make room: it counts as cancelled. */
  onEvicted(priority: Priority): void {
    this.evicted++
    this.instruments?.evicted[priority]!.update(1)
    this.onSettledUnrun(priority)
  }

  /** A queued task reached its queue deadline: a timeout, so a failure. */
  onExpired(priority: Priority): void {
    this.expired++
    this.timedOut++
    this.failed++
    const instruments = this.instruments
    instruments?.expired[priority]!.update(1)
    instruments?.timedOut[priority]!.update(1)
    instruments?.failed[priority]!.update(1)
  }

  /** A named key's running or queued count changed. */
  onKey(key: string, running: number, queued: number): void {
    if (this.instruments === undefined) return
    let gauges = this.keyInstruments.get(key)
    if (gauges === undefined) {
      gauges = makeForKey(this.instruments.pool, key)
      this.keyInstruments.set(key, gauges)
    }
    gauges.running.update(running)
    gauges.queued.update(queued)
  }

  onCallbackFailure(): void {
    this.callbackFailures++
    this.instruments?.callbackFailures.update(1)
  }

  onQueueDepth(priority: number, depth: number): void {
    this.instruments?.queueDepth[priority]!.update(depth)
  }

  /** The concurrency bound changed (`pool.resize`). */
  onResized(workers: number, running: number): void {
    this.workers = workers
    this.instruments?.workers.update(workers)
    this.onRunning(running)
  }

  onRunning(running: number): void {
    if (this.instruments === undefined) return
    this.instruments.running.update(running)
    this.instruments.utilization.update(running / this.workers)
  }

  snapshot(queued: number, running: number, keys: Record<string, KeyMetrics>, paused: boolean): PoolMetrics {
    const finished = this.completed + this.failed
    return {
      tasksSubmitted: this.submitted,
      tasksCompleted: this.completed,
      tasksFailed: this.failed,
      tasksTimedOut: this.timedOut,
      tasksCancelled: this.cancelled,
      tasksEvicted: this.evicted,
      tasksExpired: this.expired,
      tasksRejected: this.rejected,
      callbackFailures: this.callbackFailures,
      tasksRetried: this.retried,
      totalDuration: Duration.millis(this.finishedMillis),
      averageTaskTime: finished === 0 ? Duration.zero : Duration.millis(this.finishedMillis / finished),
      queued,
      running,
      keys,
      paused,
      workers: this.workers
    }
  }
}

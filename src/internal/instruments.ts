import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as MetricKey from "effect/MetricKey"
import type * as MetricKeyType from "effect/MetricKeyType"
import * as Priority from "../Priority.js"
import { type Outcome, outcomes } from "./outcome.js"

/**
 * Histogram buckets in seconds, from 1 ms to 5 minutes: fine steps where
 * in-process calls land, coarse ones where LLM calls do.
 *
 * @internal
 */
export const durationBuckets = MetricBoundaries.fromIterable([
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300
])

const noTags: ReadonlyArray<never> = []

/**
 * A metric bound to its full set of tags once, so that an update is a
 * direct hook call: `Metric.tagged` on the hot path would merge tag arrays
 * and look the hook up in the registry on every update.
 *
 * @internal
 */
export interface Instrument {
  readonly update: (value: number) => void
}

const bind = (key: MetricKey.MetricKey<MetricKeyType.MetricKeyType<number, any>>): Instrument => {
  const metric = Metric.fromMetricKey(key)
  return { update: (value) => metric.unsafeUpdate(value, noTags) }
}

const priorities: ReadonlyArray<Priority.Priority> = [
  Priority.Priority.Low,
  Priority.Priority.Normal,
  Priority.Priority.High,
  Priority.Priority.Critical
]

/**
 * Why a submission was refused.
 *
 * @internal
 */
export type RejectReason = "queue_full" | "shutdown"

/**
 * The Effect `Metric`s one pool updates, built once when the pool is made.
 * Arrays are indexed by priority. Keys carry no description, so that a
 * `Metric.counter(name)` tagged the same way reads the same series.
 *
 * @internal
 */
export interface Instruments {
  readonly pool: string
  readonly submitted: Instrument
  readonly rejected: Record<RejectReason, Instrument>
  readonly completed: ReadonlyArray<Instrument>
  readonly failed: ReadonlyArray<Instrument>
  readonly timedOut: ReadonlyArray<Instrument>
  readonly cancelled: ReadonlyArray<Instrument>
  readonly evicted: ReadonlyArray<Instrument>
  readonly expired: ReadonlyArray<Instrument>
  readonly callbackFailures: Instrument
  readonly retries: ReadonlyArray<Instrument>
  readonly duration: ReadonlyArray<Record<Outcome, Instrument>>
  readonly wait: ReadonlyArray<Instrument>
  readonly queueDepth: ReadonlyArray<Instrument>
  readonly running: Instrument
  readonly workers: Instrument
  readonly utilization: Instrument
}

/**
 * The metric names, as they appear in Effect (Prometheus adds `_total` to
 * counters and `_bucket`, `_sum`, `_count` to histograms).
 *
 * @internal
 */
export const names = {
  submitted: "workerpool_tasks_submitted",
  completed: "workerpool_tasks_completed",
  failed: "workerpool_tasks_failed",
  timedOut: "workerpool_tasks_timed_out",
  cancelled: "workerpool_tasks_cancelled",
  evicted: "workerpool_tasks_evicted",
  expired: "workerpool_tasks_expired",
  rejected: "workerpool_tasks_rejected",
  callbackFailures: "workerpool_callback_failures",
  retries: "workerpool_task_retries",
  duration: "workerpool_task_duration_seconds",
  wait: "workerpool_task_wait_seconds",
  queueDepth: "workerpool_queue_depth",
  running: "workerpool_tasks_running",
  workers: "workerpool_workers",
  utilization: "workerpool_utilization",
  keyRunning: "workerpool_key_running",
  keyQueued: "workerpool_key_queued"
} as const

/**
 * The gauges of one key, made when the key is first seen.
 *
 * @internal
 */
export interface KeyInstruments {
  readonly running: Instrument
  readonly queued: Instrument
}

/** @internal */
export const makeForKey = (pool: string, key: string): KeyInstruments => ({
  running: bind(MetricKey.gauge(names.keyRunning).pipe(MetricKey.tagged("pool", pool), MetricKey.tagged("key", key))),
  queued: bind(MetricKey.gauge(names.keyQueued).pipe(MetricKey.tagged("pool", pool), MetricKey.tagged("key", key)))
})

/** @internal */
export const make = (pool: string): Instruments => {
  const counter = (name: string) => MetricKey.counter(name, { incremental: true }).pipe(MetricKey.tagged("pool", pool))
  const gauge = (name: string) => MetricKey.gauge(name).pipe(MetricKey.tagged("pool", pool))
  const histogram = (name: string) => MetricKey.histogram(name, durationBuckets).pipe(MetricKey.tagged("pool", pool))
  const perPriority = <Type extends MetricKeyType.MetricKeyType<number, any>>(key: MetricKey.MetricKey<Type>) =>
    priorities.map((priority) => bind(MetricKey.tagged(key, "priority", Priority.label(priority))))
  return {
    pool,
    submitted: bind(counter(names.submitted)),
    rejected: {
      queue_full: bind(MetricKey.tagged(counter(names.rejected), "reason", "queue_full")),
      shutdown: bind(MetricKey.tagged(counter(names.rejected), "reason", "shutdown"))
    },
    completed: perPriority(counter(names.completed)),
    failed: perPriority(counter(names.failed)),
    timedOut: perPriority(counter(names.timedOut)),
    cancelled: perPriority(counter(names.cancelled)),
    evicted: perPriority(counter(names.evicted)),
    expired: perPriority(counter(names.expired)),
    callbackFailures: bind(counter(names.callbackFailures)),
    retries: perPriority(counter(names.retries)),
    duration: priorities.map((priority) => {
      const byPriority = MetricKey.tagged(histogram(names.duration), "priority", Priority.label(priority))
      return Object.fromEntries(
        outcomes.map((outcome) => [outcome, bind(MetricKey.tagged(byPriority, "outcome", outcome))])
      ) as Record<Outcome, Instrument>
    }),
    wait: perPriority(histogram(names.wait)),
    queueDepth: perPriority(gauge(names.queueDepth)),
    running: bind(gauge(names.running)),
    workers: bind(gauge(names.workers)),
    utilization: bind(gauge(names.utilization))
  }
}

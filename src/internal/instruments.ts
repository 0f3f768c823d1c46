import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as MetricKey from "effect/MetricKey"
import type * as MetricKeyType from "effect/MetricKeyType"

/** Buckets from 1 ms doubling to about 4.4 minutes: fits both fast calls and LLM calls. @internal */
export const durationBuckets = MetricBoundaries.exponential({ start: 0.001, factor: 2, count: 19 })

const noTags: ReadonlyArray<never> = []

/**
 * A metric already bound to its full set of tags, so that an update is a
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

/**
 * The Effect `Metric`s one pool updates, built once when the pool is made.
 * Keys carry no description, so that `Metric.counter(name)` tagged with the
 * same `pool` reads the same series.
 *
 * @internal
 */
export interface Instruments {
  readonly submitted: Instrument
  readonly completed: Instrument
  readonly failed: Instrument
  readonly duration: Instrument
  readonly wait: Instrument
}

/** @internal */
export const make = (pool: string): Instruments => {
  const counter = (name: string) => bind(MetricKey.tagged(MetricKey.counter(name, { incremental: true }), "pool", pool))
  const histogram = (name: string) => bind(MetricKey.tagged(MetricKey.histogram(name, durationBuckets), "pool", pool))
  return {
    submitted: counter("workerpool_tasks_submitted"),
    completed: counter("workerpool_tasks_completed"),
    failed: counter("workerpool_tasks_failed"),
    duration: histogram("workerpool_task_duration_seconds"),
    wait: histogram("workerpool_task_wait_seconds")
  }
}

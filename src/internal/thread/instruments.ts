import * as Metric from "effect/Metric"
import * as MetricKey from "effect/MetricKey"
import type * as MetricKeyType from "effect/MetricKeyType"
import { durationBuckets, type Instrument } from "../instruments.js"

const noTags: ReadonlyArray<never> = []

const bind = (key: MetricKey.MetricKey<MetricKeyType.MetricKeyType<number, any>>): Instrument => {
  const metric = Metric.fromMetricKey(key)
  return { update: (value) => metric.unsafeUpdate(value, noTags) }
}

/**
 * The metric names of a thread pool, as they appear in Effect (Prometheus
 * adds `_total` to counters and `_bucket`, `_sum`, `_count` to histograms).
 *
 * @internal
 */
export const threadMetricNames = {
  busy: "workerpool_thread_busy",
  crashes: "workerpool_thread_crashes",
  restarts: "workerpool_thread_restarts",
  requestSeconds: "workerpool_thread_request_seconds"
} as const

/**
 * The Effect `Metric`s one thread pool updates, tagged with `pool` (its
 * name) like the worker pool's, bound once so that an update is a direct
 * hook call. The request histogram is bound per request tag when the tag is
 * first seen.
 *
 * @internal
 */
export interface ThreadInstruments {
  readonly busy: Instrument
  readonly crashes: Instrument
  readonly restarts: Instrument
  readonly requestSeconds: (tag: string) => Instrument
}

/** @internal */
export const makeThreadInstruments = (pool: string): ThreadInstruments => {
  const histogram = MetricKey.histogram(threadMetricNames.requestSeconds, durationBuckets).pipe(
    MetricKey.tagged("pool", pool)
  )
  const byTag = new Map<string, Instrument>()
  return {
    busy: bind(MetricKey.gauge(threadMetricNames.busy).pipe(MetricKey.tagged("pool", pool))),
    crashes: bind(MetricKey.counter(threadMetricNames.crashes, { incremental: true }).pipe(MetricKey.tagged("pool", pool))),
    restarts: bind(MetricKey.counter(threadMetricNames.restarts, { incremental: true }).pipe(MetricKey.tagged("pool", pool))),
    requestSeconds: (tag) => {
      let instrument = byTag.get(tag)
      if (instrument === undefined) {
        instrument = bind(MetricKey.tagged(histogram, "request", tag))
        byTag.set(tag, instrument)
      }
      return instrument
    }
  }
}

/**
 * The pool's instruments as Prometheus reads them from `/metrics`: each one's
 * type and labels.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Layer } from "effect"
import { Priority, WorkerPool } from "../src/index.js"
import { PoolTelemetry } from "../src/telemetry.js"
import { fetchText, freePort } from "./support/net.js"

interface Sample {
  readonly name: string
  readonly labels: Record<string, string>
  readonly value: number
}

const parse = (text: string) => {
  const types = new Map<string, string>()
  const samples: Array<Sample> = []
  for (const line of text.split("\n")) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line)
    if (type) types.set(type[1]!, type[2]!)
    const sample = /^([a-zA-Z_:][\w:]*)\{(.*)\} (\S+)$/.exec(line)
    if (sample) {
      const labels = Object.fromEntries([...sample[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]))
      samples.push({ name: sample[1]!, labels, value: Number(sample[3]) })
    }
  }
  return { types, samples }
}

const scrape = (port: number) => Effect.promise(() => fetchText(`http://127.0.0.1:${port}/metrics`)).pipe(Effect.map(parse))

describe("PoolTelemetry.layerPrometheus", () => {
  it.live("exports counters, histograms and gauges with their labels", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(freePort)
      yield* Layer.build(PoolTelemetry.layerPrometheus({ port }))
      const pool = yield* WorkerPool.make({ workers: 1, queueSize: 1, name: "types" })

      yield* pool.runAll([
        { id: "ok", execute: Effect.void, priority: Priority.High },
        { id: "fails", execute: Effect.fail("no") },
        { id: "dies", execute: Effect.die("bug") },
        { id: "slow", execute: Effect.never, timeout: "10 millis" },
        { id: "bad-callback", execute: Effect.void, callback: () => Effect.fail("callback failed") }
      ])
      const release = yield* Deferred.make<void>()
      const held = yield* pool.submit({ id: "held", execute: Deferred.await(release) })
      const queued = yield* pool.submit({ id: "queued", execute: Effect.void, priority: Priority.Low })
      yield* pool.trySubmit({ id: "refused", execute: Effect.void }).pipe(Effect.flip)
      yield* queued.cancel
      yield* held.cancel

      const { samples, types } = yield* scrape(port)
      const ofPool = (name: string) => samples.filter((s) => s.name === name && s.labels.pool === "types")

      const counters = [
        "workerpool_tasks_submitted_total",
        "workerpool_tasks_completed_total",
        "workerpool_tasks_failed_total",
        "workerpool_tasks_timed_out_total",
        "workerpool_tasks_cancelled_total",
        "workerpool_tasks_rejected_total",
        "workerpool_callback_failures_total"
      ]
      for (const name of counters) {
        expect(types.get(name), name).toBe("counter")
        expect(ofPool(name).length, name).toBeGreaterThan(0)
      }
      for (const name of ["workerpool_task_duration_seconds", "workerpool_task_wait_seconds"]) {
        expect(types.get(name), name).toBe("histogram")
        expect(ofPool(`${name}_count`).length, name).toBeGreaterThan(0)
        expect(ofPool(`${name}_bucket`).some((s) => s.labels.le === "300"), name).toBe(true)
        expect(ofPool(`${name}_bucket`).some((s) => s.labels.le === "0.001"), name).toBe(true)
      }
      for (const name of ["workerpool_queue_depth", "workerpool_tasks_running", "workerpool_workers", "workerpool_utilization"]) {
        expect(types.get(name), name).toBe("gauge")
      }

      for (const name of ["completed", "failed", "timed_out", "cancelled"]) {
        expect(ofPool(`workerpool_tasks_${name}_total`).every((s) => s.labels.priority !== undefined), name).toBe(true)
      }
      expect(ofPool("workerpool_tasks_completed_total").find((s) => s.labels.priority === "high")?.value).toBe(1)
      expect(ofPool("workerpool_tasks_submitted_total")).toEqual([
        expect.objectContaining({ value: 7, labels: expect.not.objectContaining({ priority: expect.anything() }) })
      ])
      expect(ofPool("workerpool_tasks_rejected_total").map((s) => [s.labels.reason, s.value])).toEqual([["queue_full", 1]])
      expect(ofPool("workerpool_callback_failures_total")[0]?.value).toBe(1)

      const outcomes = new Set(ofPool("workerpool_task_duration_seconds_count").map((s) => s.labels.outcome))
      expect([...outcomes].sort()).toEqual(["defect", "failure", "interrupted", "success", "timeout"])
      expect(ofPool("workerpool_task_duration_seconds_count").every((s) => s.labels.priority !== undefined)).toBe(true)
      expect(ofPool("workerpool_task_wait_seconds_count").every((s) => s.labels.priority !== undefined)).toBe(true)

      expect(ofPool("workerpool_queue_depth").map((s) => s.labels.priority).sort()).toEqual(
        ["critical", "high", "low", "normal"]
      )
      expect(ofPool("workerpool_workers")[0]?.value).toBe(1)
      expect(ofPool("workerpool_tasks_running")[0]?.value).toBe(0)
      expect(ofPool("workerpool_utilization")[0]?.value).toBe(0)
    }).pipe(Effect.scoped))

  it.live("exports nothing for a pool made with enableMetrics: false", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(freePort)
      yield* Layer.build(PoolTelemetry.layerPrometheus({ port }))
      const pool = yield* WorkerPool.make({ workers: 1, name: "silent", enableMetrics: false })
      yield* pool.run({ id: "quiet", execute: Effect.void })
      const { samples } = yield* scrape(port)
      expect(samples.filter((s) => s.labels.pool === "silent")).toEqual([])
      expect((yield* pool.metrics).tasksCompleted).toBe(1)
    }).pipe(Effect.scoped))

  it.live("fails to build when the port is taken", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(freePort)
      yield* Layer.build(PoolTelemetry.layerPrometheus({ port }))
      const error = yield* Layer.build(PoolTelemetry.layerPrometheus({ port })).pipe(Effect.flip)
      expect(error.message).toContain(`127.0.0.1:${port}/metrics`)
    }).pipe(Effect.scoped))
})

/**
 * End to end against a real Prometheus server (Debian's `prometheus`, which
 * `.ci/run` installs): the pool exports on a loopback port, Prometheus
 * scrapes it every second, and what Prometheus's HTTP API answers must be
 * exactly what the pool's own `metrics` says.
 */
import { describe, expect, it } from "@effect/vitest"
import { execFileSync, spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Deferred, Effect, Exit, Layer, Scope } from "effect"
import { Priority, WorkerPool } from "../src/index.js"
import { PoolTelemetry } from "../src/telemetry.js"
import { fetchText, freePort } from "./support/net.js"

const prometheusBinary = (() => {
  try {
    return execFileSync("sh", ["-c", "command -v prometheus"], { encoding: "utf8" }).trim() || undefined
  } catch {
    return undefined
  }
})()

if (prometheusBinary === undefined) {
  if (process.env.CI) {
    throw new Error("the prometheus server is required in CI (.ci/run installs Debian's prometheus package)")
  }
  console.warn("prometheus is not installed: skipping the Prometheus integration test (apt-get install prometheus)")
}

/** Starts Prometheus scraping `target` every second; stops it when the scope closes. */
const startPrometheus = (binary: string, target: string) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const port = await freePort()
      const dir = mkdtempSync(join(tmpdir(), "workerpool-prometheus-"))
      const config = join(dir, "prometheus.yml")
      writeFileSync(
        config,
        [
          "global:",
          "  scrape_interval: 1s",
          "scrape_configs:",
          "  - job_name: workerpool",
          "    static_configs:",
          `      - targets: ["${target}"]`
        ].join("\n")
      )
      const child = spawn(binary, [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`
      ], { stdio: "ignore" })
      return { url: `http://127.0.0.1:${port}`, child, dir }
    }),
    ({ child, dir }) =>
      Effect.sync(() => {
        child.kill("SIGTERM")
        rmSync(dir, { recursive: true, force: true })
      })
  )

/** The sum of an instant vector, or undefined while Prometheus has no sample yet. */
const query = (prometheus: string, promql: string) =>
  Effect.tryPromise(async () => {
    const body = JSON.parse(await fetchText(`${prometheus}/api/v1/query?query=${encodeURIComponent(promql)}`))
    const [sample] = body.data.result as Array<{ value: [number, string] }>
    return sample === undefined ? undefined : Number(sample.value[1])
  }).pipe(Effect.orElseSucceed(() => undefined))

describe.skipIf(prometheusBinary === undefined)("PoolTelemetry with a real Prometheus", () => {
  it.live("Prometheus scrapes exactly the counts the pool reports", () =>
    Effect.gen(function*() {
      const name = "prometheus-e2e"
      const exporterPort = yield* Effect.promise(freePort)
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(
        Layer.merge(
          WorkerPool.layer({ workers: 2, queueSize: 10, name }),
          PoolTelemetry.layerPrometheus({ port: exporterPort })
        ),
        scope
      )
      const pool = yield* WorkerPool.pipe(Effect.provide(context))

      // A known workload: 12 successes, 5 failures, 3 timeouts...
      const finished = yield* pool.runAll([
        ...Array.from({ length: 12 }, (_, i) => ({ id: `ok-${i}`, execute: Effect.void })),
        ...Array.from({ length: 5 }, (_, i) => ({ id: `fail-${i}`, execute: Effect.fail("boom") })),
        ...Array.from({ length: 3 }, (_, i) => ({ id: `slow-${i}`, execute: Effect.never, timeout: "20 millis" }))
      ])
      expect(finished.filter((result) => Exit.isSuccess(result.exit))).toHaveLength(12)

      // ...then both workers held and three tasks left in the queue, so the
      // queue-depth gauge has something to show.
      const release = yield* Deferred.make<void>()
      for (let i = 0; i < 2; i++) {
        yield* pool.submit({ id: `held-${i}`, execute: Deferred.await(release) })
      }
      yield* pool.submit({ id: "queued-high", execute: Effect.void, priority: Priority.High })
      yield* pool.submit({ id: "queued-normal-1", execute: Effect.void })
      yield* pool.submit({ id: "queued-normal-2", execute: Effect.void })
      const expected = yield* pool.metrics
      expect(expected.queued).toBe(3)

      const prometheus = yield* startPrometheus(prometheusBinary!, `127.0.0.1:${exporterPort}`)
      const selector = `{pool="${name}"}`
      const observe = Effect.all({
        submitted: query(prometheus.url, `sum(workerpool_tasks_submitted_total${selector})`),
        failed: query(prometheus.url, `sum(workerpool_tasks_failed_total${selector})`),
        timedOut: query(prometheus.url, `sum(workerpool_tasks_timed_out_total${selector})`),
        durationCount: query(prometheus.url, `sum(workerpool_task_duration_seconds_count${selector})`),
        queued: query(prometheus.url, `sum(workerpool_queue_depth${selector})`),
        queuedNormal: query(prometheus.url, `workerpool_queue_depth{pool="${name}",priority="normal"}`),
        running: query(prometheus.url, `workerpool_tasks_running${selector}`)
      })
      const want = {
        submitted: expected.tasksSubmitted,
        failed: expected.tasksFailed,
        timedOut: expected.tasksTimedOut,
        durationCount: expected.tasksCompleted + expected.tasksFailed,
        queued: expected.queued,
        queuedNormal: 2,
        running: expected.running
      }
      let seen = yield* observe
      for (let attempt = 0; attempt < 60 && JSON.stringify(seen) !== JSON.stringify(want); attempt++) {
        yield* Effect.sleep("500 millis")
        seen = yield* observe
      }
      expect(seen).toEqual(want)
      expect(want).toEqual({
        submitted: 25,
        failed: 8,
        timedOut: 3,
        durationCount: 20,
        queued: 3,
        queuedNormal: 2,
        running: 2
      })

      yield* Deferred.succeed(release, undefined)
      yield* Scope.close(scope, Exit.void)
    }).pipe(Effect.scoped), { timeout: 60_000 })
})

/**
 * The two ways to export the pool's metrics and traces: the ready-made
 * `PoolTelemetry` layers, or an application's own `NodeSdk` setup.
 */
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus"
import { BatchSpanProcessor, ConsoleSpanExporter } from "@opentelemetry/sdk-trace-base"
import { Effect, Layer } from "effect"
import { pathToFileURL } from "node:url"
import { WorkerPool } from "@helixagent/concurrency"
import { PoolTelemetry } from "@helixagent/concurrency/telemetry"

// Prometheus scrapes http://127.0.0.1:9464/metrics
export const withPrometheus = Layer.merge(
  WorkerPool.layer({ workers: 8, name: "llm" }),
  PoolTelemetry.layerPrometheus({ port: 9464, host: "127.0.0.1" })
)

// or: push metrics, traces and logs over OTLP/HTTP to a collector
export const withOtlp = Layer.merge(
  WorkerPool.layer({ workers: 8, name: "llm" }),
  PoolTelemetry.layerOtlp({ url: "http://localhost:4318", serviceName: "agents" })
)

// or: the application's own OpenTelemetry setup; the pool needs nothing more
export const Telemetry = NodeSdk.layer(() => ({
  resource: { serviceName: "agents" },
  metricReader: new PrometheusExporter({ port: 9465 }),
  spanProcessor: new BatchSpanProcessor(new ConsoleSpanExporter())
}))

const program = Effect.gen(function*() {
  const pool = yield* WorkerPool
  return yield* pool.run({ id: "traced", execute: Effect.succeed("done") })
}).pipe(Effect.withSpan("request"))

export const main = program.pipe(Effect.provide(WorkerPool.layer({ name: "llm" })), Effect.provide(Telemetry))

// Run when executed directly, not when imported (by the tests).
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) Effect.runPromise(main).then(console.log)

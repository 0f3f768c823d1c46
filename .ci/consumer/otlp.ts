// Loads the telemetry entry with only the OTLP packages installed: the
// Prometheus exporter is absent, and only layerPrometheus needs it.
import { PoolTelemetry } from "@helixagent/concurrency/telemetry"
import { WorkerPool } from "@helixagent/concurrency"
import { Effect, Exit, Layer } from "effect"

const absent = await import("@opentelemetry/exporter-prometheus" as string).then(() => false, () => true)
if (!absent) throw new Error("@opentelemetry/exporter-prometheus should not be installed for this check")

const otlp = PoolTelemetry.layerOtlp({
  url: "http://127.0.0.1:9",
  metricsExportInterval: "1 hour",
  tracesExportInterval: "1 hour"
})
const value = await Effect.runPromise(
  Effect.flatMap(WorkerPool, (pool) => pool.run({ id: "traced", execute: Effect.succeed(42) })).pipe(
    Effect.withSpan("consumer"),
    Effect.provide(Layer.merge(WorkerPool.layer({ workers: 1 }), otlp)),
    Effect.timeout("20 seconds")
  )
)
if (value !== 42) throw new Error("the pool did not run with the OTLP layer")

const prometheus = await Effect.runPromiseExit(Effect.scoped(Layer.build(PoolTelemetry.layerPrometheus({ port: 0 }))))
if (Exit.isSuccess(prometheus) || !String(prometheus.cause).includes("npm install @opentelemetry/exporter-prometheus")) {
  throw new Error(`layerPrometheus without its exporter should fail saying what to install, got ${String(prometheus)}`)
}
console.log("telemetry entry loaded with only the OTLP packages; layerPrometheus says what it needs")

/**
 * Ready-made layers that export the pool's metrics and traces through
 * OpenTelemetry: a Prometheus endpoint to scrape, or OTLP/HTTP push. Import
 * from `@helixagent/concurrency/telemetry`; it needs the optional peer
 * dependencies `@effect/opentelemetry`, `@opentelemetry/api`,
 * `@opentelemetry/sdk-metrics`, `@opentelemetry/resources` and (for
 * Prometheus) `@opentelemetry/exporter-prometheus`.
 *
 * @since 0.1.0
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Otlp from "@effect/opentelemetry/Otlp"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { names } from "./internal/instruments.js"

/**
 * The names of the pool's metrics as Effect records them. Prometheus shows
 * counters with a `_total` suffix and histograms as `_bucket`, `_sum` and
 * `_count` series.
 *
 * @since 0.1.0
 * @category constants
 */
export const metricNames = names

/**
 * Options of {@link layerPrometheus}.
 *
 * @since 0.1.0
 * @category models
 */
export interface PrometheusOptions {
  /** Port of the `/metrics` endpoint. Default 9464, Prometheus's registered port for it. */
  readonly port?: number | undefined
  /** Address to listen on. Default `127.0.0.1`. */
  readonly host?: string | undefined
  /** Path of the endpoint. Default `/metrics`. */
  readonly endpoint?: string | undefined
  /** `service.name` of the exported resource. Default `workerpool`. */
  readonly serviceName?: string | undefined
}

/**
 * Serves every Effect metric, the pool's included, on an HTTP endpoint for
 * Prometheus to scrape. The server starts when the layer is built (the layer
 * fails if it cannot listen) and stops when the layer is released.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { WorkerPool } from "@helixagent/concurrency"
 * import { PoolTelemetry } from "@helixagent/concurrency/telemetry"
 *
 * const layer = Layer.merge(
 *   WorkerPool.layer({ workers: 8, name: "llm" }),
 *   PoolTelemetry.layerPrometheus({ port: 9464 })
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerPrometheus = (options: PrometheusOptions = {}): Layer.Layer<never, Error> => {
  const config = {
    port: options.port ?? 9464,
    host: options.host ?? "127.0.0.1",
    endpoint: options.endpoint ?? "/metrics"
  }
  // Loaded here, not when this module loads: a user who exports over OTLP
  // needs none of the OpenTelemetry SDK packages Prometheus needs.
  const modules = Effect.tryPromise({
    try: () =>
      Promise.all([
        import("@opentelemetry/exporter-prometheus"),
        import("@effect/opentelemetry/Metrics"),
        import("@effect/opentelemetry/Resource")
      ]),
    catch: (cause) =>
      new Error(
        "PoolTelemetry.layerPrometheus needs @opentelemetry/exporter-prometheus and @effect/opentelemetry: " +
          "npm install @opentelemetry/exporter-prometheus@^0.223 @effect/opentelemetry@^0.64",
        { cause }
      )
  })
  const started = Effect.flatMap(modules, ([{ PrometheusExporter }, Metrics, Resource]) =>
    Effect.tryPromise({
      try: async () => {
        const exporter = new PrometheusExporter({ ...config, preventServerStart: true })
        await exporter.startServer()
        return Metrics.layer(() => exporter).pipe(
          Layer.provide(Resource.layer({ serviceName: options.serviceName ?? "workerpool" }))
        )
      },
      catch: (cause) =>
        new Error(`cannot serve Prometheus metrics on ${config.host}:${config.port}${config.endpoint}`, { cause })
    }))
  return Layer.unwrapEffect(started)
}

/**
 * Options of {@link layerOtlp}.
 *
 * @since 0.1.0
 * @category models
 */
export interface OtlpOptions {
  /** Base URL of the OTLP/HTTP collector, e.g. `http://localhost:4318`. */
  readonly url: string
  /** `service.name` of the exported resource. Default `workerpool`. */
  readonly serviceName?: string | undefined
  /** Extra HTTP headers, e.g. an authorization token. */
  readonly headers?: Record<string, string> | undefined
  /** How often metrics are pushed. Default 10 seconds. */
  readonly metricsExportInterval?: Duration.DurationInput | undefined
  /** How often finished spans are pushed. Default 5 seconds. */
  readonly tracesExportInterval?: Duration.DurationInput | undefined
}

/**
 * Pushes metrics, traces (the pool's `WorkerPool.task` spans and the
 * application's own) and logs over OTLP/HTTP (JSON) to a collector, with
 * Effect's own exporter: no OpenTelemetry SDK is started. Installs the
 * tracer, so task spans are made from then on.
 *
 * @example
 * ```ts
 * import { PoolTelemetry } from "@helixagent/concurrency/telemetry"
 *
 * const telemetry = PoolTelemetry.layerOtlp({ url: "http://localhost:4318", serviceName: "agents" })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerOtlp = (options: OtlpOptions): Layer.Layer<never> =>
  Otlp.layerJson({
    baseUrl: options.url,
    resource: { serviceName: options.serviceName ?? "workerpool" },
    headers: options.headers,
    metricsExportInterval: options.metricsExportInterval,
    tracerExportInterval: options.tracesExportInterval
  }).pipe(Layer.provide(FetchHttpClient.layer))

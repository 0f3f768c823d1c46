/**
 * `@helixagent/concurrency/telemetry`: OpenTelemetry export of the pool's
 * metrics and traces, kept apart from the core so that the core needs no
 * OpenTelemetry package.
 *
 * @since 0.1.0
 */
import * as PoolTelemetry from "./PoolTelemetry.js"

export {
  /**
   * Layers that export the pool's metrics and spans:
   * `PoolTelemetry.layerOtlp` (OTLP over HTTP) and
   * `PoolTelemetry.layerPrometheus` (a scrape endpoint).
   *
   * @since 0.1.0
   */
  PoolTelemetry
}

/**
 * `@helixagent/concurrency/telemetry`: OpenTelemetry export of the pool's
 * metrics and traces, kept apart from the core so that the core needs no
 * OpenTelemetry package.
 *
 * @since 0.1.0
 */
export * as PoolTelemetry from "./PoolTelemetry.js"

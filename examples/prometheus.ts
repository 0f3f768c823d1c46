/**
 * A pool under a steady mixed workload, its metrics served for Prometheus on
 * http://127.0.0.1:9464/metrics (or the port in `PORT`). Runs until
 * interrupted (Ctrl-C), or for `DURATION` (an Effect duration such as
 * "30 seconds") when set.
 *
 *   npx tsx examples/prometheus.ts
 *   curl -s 127.0.0.1:9464/metrics | grep workerpool_
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Config, type Duration, Effect, Layer, Option, Random, Schedule } from "effect"
import { pathToFileURL } from "node:url"
import { Priority, WorkerPool } from "@helixagent/concurrency"
import { PoolTelemetry } from "@helixagent/concurrency/telemetry"

/** One simulated call: mostly quick successes, some failures and defects, a few that hang past their timeout. */
const call = Effect.gen(function*() {
  const roll = yield* Random.next
  const latency = yield* Random.nextIntBetween(5, 400)
  yield* Effect.sleep(`${latency} millis`)
  if (roll < 0.08) return yield* Effect.fail("provider answered 503")
  if (roll < 0.1) return yield* Effect.die(new Error("malformed response"))
  if (roll < 0.13) return yield* Effect.never
  return latency
})

const workload = (port: number) =>
  Effect.gen(function*() {
    const pool = yield* WorkerPool
    let n = 0
    const submitOne = Effect.gen(function*() {
      const priority = (yield* Random.nextIntBetween(0, 4)) as Priority
      yield* pool.submit({ id: `call-${n++}`, execute: call, priority, timeout: "1 second" })
    })
    yield* Effect.log(`serving metrics on http://127.0.0.1:${port}/metrics`)
    yield* submitOne.pipe(Effect.repeat(Schedule.spaced("20 millis")))
  })

const layer = (port: number) =>
  Layer.merge(
    WorkerPool.layer({ workers: 8, queueSize: 50, name: "example" }),
    PoolTelemetry.layerPrometheus({ port, host: "127.0.0.1" })
  )

/** The workload, its metrics served on `port`, until interrupted or for `duration`. */
export const serve = (port: number, duration: Option.Option<Duration.Duration>) =>
  Option.match(duration, {
    onNone: () => workload(port),
    onSome: (limit) => Effect.timeoutOption(workload(port), limit)
  }).pipe(Effect.asVoid, Effect.provide(layer(port)))

export const main = Effect.gen(function*() {
  const duration = yield* Config.option(Config.duration("DURATION"))
  const port = yield* Config.integer("PORT").pipe(Config.withDefault(9464))
  return yield* serve(port, duration)
})

// Run when executed directly, not when imported (by the tests).
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) NodeRuntime.runMain(main)

/**
 * A pool under a steady mixed workload, its metrics served for Prometheus on
 * http://127.0.0.1:9464/metrics. Runs until interrupted (Ctrl-C), or for
 * `DURATION` (an Effect duration such as "30 seconds") when set.
 *
 *   npx tsx examples/prometheus.ts
 *   curl -s 127.0.0.1:9464/metrics | grep workerpool_
 */
import { NodeRuntime } from "@effect/platform-node"
import { Config, Effect, Layer, Option, Random, Schedule } from "effect"
import { Priority, WorkerPool } from "../src/index.js"
import { PoolTelemetry } from "../src/telemetry.js"

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

const workload = Effect.gen(function*() {
  const pool = yield* WorkerPool
  let n = 0
  const submitOne = Effect.gen(function*() {
    const priority = (yield* Random.nextIntBetween(0, 4)) as Priority
    yield* pool.submit({ id: `call-${n++}`, execute: call, priority, timeout: "1 second" })
  })
  yield* Effect.log("serving metrics on http://127.0.0.1:9464/metrics")
  yield* submitOne.pipe(Effect.repeat(Schedule.spaced("20 millis")))
})

const layer = Layer.merge(
  WorkerPool.layer({ workers: 8, queueSize: 50, name: "example" }),
  PoolTelemetry.layerPrometheus({ port: 9464, host: "127.0.0.1" })
)

const program = Effect.gen(function*() {
  const duration = yield* Config.option(Config.duration("DURATION"))
  return yield* Option.match(duration, {
    onNone: () => workload,
    onSome: (limit) => Effect.timeoutOption(workload, limit)
  })
})

program.pipe(Effect.provide(layer), NodeRuntime.runMain)

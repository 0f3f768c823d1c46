/**
 * A runner of `npm run cluster:demo`: the example runner with short shard
 * locks (a dead runner's shards move after about 3 s instead of 35 s), which
 * prints a snapshot of its local pool every 100 ms for the demo's view.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Schedule } from "effect"
import { WorkerPool } from "@helixagent/concurrency"
import { runnerLayer } from "./runner.js"

const report = Effect.gen(function*() {
  const pool = yield* WorkerPool
  const metrics = yield* pool.metrics
  const { averageTaskTime: _, ...counters } = metrics
  process.stdout.write(`${JSON.stringify(counters)}\n`)
}).pipe(Effect.repeat(Schedule.spaced("100 millis")))

const layer = runnerLayer(process.env["CLUSTER_DATABASE_URL"]!, Number(process.env["RUNNER_PORT"]), {
  shardLockRefreshInterval: "1 second",
  shardLockExpiration: "3 seconds",
  refreshAssignmentsInterval: "500 millis"
})

NodeRuntime.runMain(Effect.provide(Effect.zipRight(Effect.forkScoped(report), Effect.never), layer).pipe(Effect.scoped))

export {}

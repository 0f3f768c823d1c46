/**
 * A runner process for the PostgreSQL tests: hosts the test requests on a
 * pool of 8 workers where key "limited" runs 2 at a time, and prints one JSON
 * line per task start and end so the test sees what ran where and when.
 *
 * Environment: CLUSTER_DATABASE_URL, RUNNER_NAME, RUNNER_PORT, QUICK_FAILOVER ("1" for short shard locks).
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { ClusterPool } from "@helixagent/concurrency/cluster"
import { runnerTransport } from "./layers.js"
import { Boom, Requests } from "./requests.js"

const url = process.env["CLUSTER_DATABASE_URL"]!
const name = process.env["RUNNER_NAME"]!
const port = Number(process.env["RUNNER_PORT"])

const report = (event: "start" | "end", id: string, key: string | undefined) =>
  Effect.sync(() => process.stdout.write(`${JSON.stringify({ event, id, key, runner: name, at: Date.now() })}\n`))

const runner = ClusterPool.runner({
  schema: Requests,
  handlers: {
    Square: (request) =>
      request.n === 13 ? Effect.fail(new Boom({ reason: "unlucky" })) : Effect.succeed(request.n * request.n),
    Sleep: (request, task) =>
      Effect.acquireUseRelease(
        report("start", task.id, task.key),
        () => Effect.as(Effect.sleep(request.millis), { runner: name, attempt: task.attempt }),
        () => report("end", task.id, task.key)
      )
  },
  pool: { workers: 8, queueSize: 2_000, keyLimits: { limited: 2 } }
}).pipe(Layer.provide(runnerTransport(url, port, process.env["QUICK_FAILOVER"] === "1")))

const ready = Layer.effectDiscard(Effect.sync(() => process.stdout.write(`${JSON.stringify({ event: "ready", runner: name })}\n`)))

Layer.launch(Layer.provide(ready, runner)).pipe(NodeRuntime.runMain)

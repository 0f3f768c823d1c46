/**
 * A runner process: hosts the handlers of `Requests` and runs them on a
 * local pool of 4 workers where every provider runs at most 2 calls at once,
 * cluster-wide (a provider is a key; one runner owns a key at a time).
 *
 *   CLUSTER_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres RUNNER_PORT=34431 \
 *     node --import tsx examples/cluster/runner.ts
 */
import * as RunnerAddress from "@effect/cluster/RunnerAddress"
import type * as ShardingConfig from "@effect/cluster/ShardingConfig"
import { NodeClusterSocket, NodeRuntime } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import { Config, Effect, Layer, Option, Redacted } from "effect"
import { pathToFileURL } from "node:url"
import { ClusterPool } from "@helixagent/concurrency/cluster"
import { Embed, RateLimited, Requests, Summarize } from "./requests.js"

/** A provider answers the first call of a document named "busy" with a 429. */
const summarize = (request: Summarize, attempt: number) =>
  request.document.startsWith("busy") && attempt === 1 && !request.document.endsWith("again")
    ? Effect.fail(new RateLimited({ provider: request.provider, retryAfterMillis: 1_000 }))
    : Effect.as(Effect.sleep(request.millis), `${request.provider}: ${request.document.length} characters in 3 lines`)

const embed = (request: Embed) =>
  Effect.as(Effect.sleep(request.millis), Array.from(request.text.slice(0, 4), (char) => char.charCodeAt(0) / 128))

export const poolOptions = {
  name: "runner",
  workers: 4,
  queueSize: 1_000,
  keyLimits: { claude: 2, gpt: 2, gemini: 2, mistral: 2 }
}

/** The runner on PostgreSQL at `url`, listening for other runners on `port`. */
export const runnerLayer = (
  url: string,
  port: number,
  shardingConfig: Partial<ShardingConfig.ShardingConfig["Type"]> = {}
) =>
  ClusterPool.runner({
    schema: Requests,
    handlers: {
      Summarize: (request, task) => summarize(request, task.attempt),
      Embed: embed
    },
    pool: poolOptions
  }).pipe(
    Layer.provide(NodeClusterSocket.layer({
      storage: "sql",
      shardingConfig: { runnerAddress: Option.some(RunnerAddress.make("localhost", port)), ...shardingConfig }
    })),
    Layer.provide(PgClient.layer({ url: Redacted.make(url) }))
  )

export const main = Effect.gen(function*() {
  const url = yield* Config.string("CLUSTER_DATABASE_URL").pipe(
    Config.withDefault("postgres://postgres@127.0.0.1:5432/postgres")
  )
  const port = yield* Config.port("RUNNER_PORT").pipe(Config.withDefault(34431))
  yield* Effect.log(`runner on port ${port}`)
  return yield* Layer.launch(runnerLayer(url, port))
})

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) NodeRuntime.runMain(main)

/**
 * A client process: submits requests to the runners and waits for their
 * results. A provider that answers 429 is paused cluster-wide from here, and
 * the call is submitted again.
 *
 *   CLUSTER_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx examples/cluster/client.ts
 */
import { NodeClusterSocket, NodeRuntime } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import { Config, Effect, Layer, Redacted } from "effect"
import { pathToFileURL } from "node:url"
import { Priority } from "@helixagent/concurrency"
import { ClusterPool } from "@helixagent/concurrency/cluster"
import { Embed, Summarize } from "./requests.js"

/** A client of the cluster whose storage is PostgreSQL at `url`. */
export const clientLayer = (url: string) =>
  ClusterPool.client.pipe(
    Layer.provide(NodeClusterSocket.layer({ clientOnly: true, storage: "sql" })),
    Layer.provide(PgClient.layer({ url: Redacted.make(url) }))
  )

export const program = Effect.gen(function*() {
  const cluster = yield* ClusterPool
  const run = Date.now()

  // a provider is a key: its tasks go to the runner that owns it, so its limits hold cluster-wide
  const summary = yield* cluster.run({
    id: `summary-${run}`,
    request: new Summarize({ provider: "claude", document: "quarterly report", millis: 50 }),
    key: "claude",
    priority: Priority.High,
    timeout: "10 seconds"
  })
  yield* Effect.log(summary)

  // without a key, tasks spread over the runners
  const vectors = yield* Effect.forEach(
    ["alpha", "beta", "gamma"],
    (text) => cluster.run({ id: `embed-${text}-${run}`, request: new Embed({ text, millis: 10 }) }),
    { concurrency: "unbounded" }
  )
  yield* Effect.log(`${vectors.length} embeddings`)

  // a typed failure crosses the wire as itself; pause the provider for everyone, then try again
  const busy = new Summarize({ provider: "gpt", document: "busy page", millis: 50 })
  const retried = yield* cluster.run({ id: `busy-${run}`, request: busy, key: "gpt" }).pipe(
    Effect.catchTag("RateLimited", (error) =>
      cluster.pauseKey(error.provider, error.retryAfterMillis).pipe(
        Effect.zipRight(cluster.run({
          id: `busy-${run}-again`,
          request: new Summarize({ provider: "gpt", document: "busy page again", millis: 50 }),
          key: "gpt"
        }))
      ))
  )
  yield* Effect.log(retried)

  // a result can be fetched by id later, also from another process
  const again = yield* cluster.await(`summary-${run}`)
  return { summary, vectors: vectors.length, retried, attempts: again.attempts }
})

export const main = Effect.gen(function*() {
  const url = yield* Config.string("CLUSTER_DATABASE_URL").pipe(
    Config.withDefault("postgres://postgres@127.0.0.1:5432/postgres")
  )
  return yield* Effect.provide(program, clientLayer(url))
})

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) NodeRuntime.runMain(main)

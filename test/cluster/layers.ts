/**
 * The cluster layers the PostgreSQL tests, the demo's helpers and the
 * benchmark use: a runner or a client on a database, with socket transport
 * between runners.
 */
import * as RunnerAddress from "@effect/cluster/RunnerAddress"
import * as NodeClusterSocket from "@effect/platform-node/NodeClusterSocket"
import * as PgClient from "@effect/sql-pg/PgClient"
import { Layer, Option, Redacted } from "effect"

/** Shard locks as the tests set them: a dead runner's shards move after about 3 seconds (defaults: 10 s and 35 s). */
export const quickFailover = {
  shardLockRefreshInterval: "1 second",
  shardLockExpiration: "3 seconds",
  refreshAssignmentsInterval: "500 millis"
} as const

export const database = (url: string) => PgClient.layer({ url: Redacted.make(url), maxConnections: 8 })

export const runnerTransport = (url: string, port: number, quick: boolean) =>
  NodeClusterSocket.layer({
    storage: "sql",
    shardingConfig: {
      runnerAddress: Option.some(RunnerAddress.make("localhost", port)),
      entityMessagePollInterval: "1 second",
      ...(quick ? quickFailover : {})
    }
  }).pipe(Layer.provideMerge(database(url)))

export const clientTransport = (url: string) =>
  NodeClusterSocket.layer({ clientOnly: true, storage: "sql", shardingConfig: { entityReplyPollInterval: "200 millis" } })
    .pipe(Layer.provideMerge(database(url)))

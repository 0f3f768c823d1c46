/**
 * Where runners count deliveries and keep results, so a handler knows its
 * attempt, a task delivered twice reports the result of its first
 * settlement, and `await(id)` finds results of tasks submitted by other
 * processes. With a `SqlClient` in context the store is a table shared by
 * the cluster; without one it lives in the memory of one layer.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { ClusterError } from "../../ClusterPool.js"
import * as Batcher from "./batcher.js"
import { type Settled, SettledJson } from "./protocol.js"

/** What the store knows of a task id. */
export type Lookup =
  | { readonly _tag: "Unknown" }
  | { readonly _tag: "Pending" }
  | { readonly _tag: "Settled"; readonly settled: Settled }

/** A delivery recorded: its attempt number, and the result if the task already settled. */
export interface Delivery {
  readonly attempt: number
  readonly settled: Option.Option<Settled>
}

/** The operations runners and clients need. */
export interface ResultStore {
  /** Whether other processes see what this store holds (a table), or only this layer (memory). */
  readonly shared: boolean
  /** Records that `id` was submitted, so `lookup` finds it before any runner has it. */
  readonly register: (id: string) => Effect.Effect<void, ClusterError>
  /** Counts one more delivery of `id`. */
  readonly begin: (id: string) => Effect.Effect<Delivery, ClusterError>
  /** Stores the result unless one is stored already; returns the stored one. */
  readonly settle: (id: string, settled: Settled, retention: Duration.Duration) => Effect.Effect<Settled, ClusterError>
  /** What is known of `id`. */
  readonly lookup: (id: string) => Effect.Effect<Lookup, ClusterError>
  /** Forgets results older than their retention. */
  readonly sweep: Effect.Effect<void, ClusterError>
}

const table = "cluster_pool_results"

interface Row {
  readonly id: string
  readonly attempt: number
  readonly settled: string | null
}

const encodeSettled = Schema.encodeSync(SettledJson)
const decodeSettled = Schema.decodeUnknownSync(SettledJson)

const storageError = (operation: string) => (cause: unknown) =>
  new ClusterError({ reason: "StorageError", taskId: undefined, detail: `${operation} in ${table} failed`, cause })

/** The last entry per id, so one statement never touches a row twice. */
const lastPerId = <T extends { readonly id: string }>(entries: ReadonlyArray<T>): Array<T> =>
  Array.from(new Map(entries.map((entry) => [entry.id, entry])).values())

/** Through a PostgreSQL restart, store operations wait and try again for about two minutes. */
const outlastRestarts = Schedule.exponential("100 millis").pipe(
  Schedule.either(Schedule.spaced("2 seconds")),
  Schedule.upTo("2 minutes")
)

const makeSql = (sql: SqlClient.SqlClient): Effect.Effect<ResultStore, ClusterError, Scope.Scope> =>
  Effect.gen(function*() {
    yield* sql`CREATE TABLE IF NOT EXISTS ${sql(table)} (
      id TEXT PRIMARY KEY,
      attempt INTEGER NOT NULL,
      settled TEXT,
      expires_at BIGINT
    )`.pipe(
      // two processes starting together may both try to create it; one wins
      Effect.catchAll(() => sql`SELECT 1 FROM ${sql(table)} LIMIT 1`),
      Effect.mapError(storageError("creating the table"))
    )
    const begin = yield* Batcher.make({
      maxBatch: 500,
      lanes: 2,
      runBatch: (ids: ReadonlyArray<string>) => {
        const unique = [...new Set(ids)]
        return sql<Row>`INSERT INTO ${sql(table)} ${sql.insert(unique.map((id) => ({ id, attempt: 1 })))}
          ON CONFLICT (id) DO UPDATE SET attempt = ${sql(table)}.attempt + 1
          RETURNING id, attempt, settled`.pipe(
          Effect.retry(outlastRestarts),
          Effect.mapError(storageError("counting deliveries")),
          Effect.map((rows) => {
            const byId = new Map(rows.map((row) => [row.id, row]))
            return ids.map((id): Delivery => {
              const row = byId.get(id)!
              return {
                attempt: row.attempt,
                settled: row.settled === null ? Option.none() : Option.some(decodeSettled(row.settled))
              }
            })
          })
        )
      }
    })
    const settle = yield* Batcher.make({
      maxBatch: 500,
      lanes: 2,
      runBatch: (entries: ReadonlyArray<{ readonly id: string; readonly settled: string; readonly expiresAt: number }>) => {
        const rows = lastPerId(entries).map((entry) => ({
          id: entry.id,
          attempt: 1,
          settled: entry.settled,
          expires_at: entry.expiresAt
        }))
        return sql<Row>`INSERT INTO ${sql(table)} ${sql.insert(rows)}
          ON CONFLICT (id) DO UPDATE SET
            settled = COALESCE(${sql(table)}.settled, excluded.settled),
            expires_at = COALESCE(${sql(table)}.expires_at, excluded.expires_at)
          RETURNING id, attempt, settled`.pipe(
          Effect.retry(outlastRestarts),
          Effect.mapError(storageError("storing results")),
          Effect.map((stored) => {
            const byId = new Map(stored.map((row) => [row.id, row.settled!]))
            return entries.map((entry) => decodeSettled(byId.get(entry.id)!))
          })
        )
      }
    })
    const register = yield* Batcher.make({
      maxBatch: 500,
      lanes: 2,
      runBatch: (ids: ReadonlyArray<string>) =>
        sql`INSERT INTO ${sql(table)} ${sql.insert([...new Set(ids)].map((id) => ({ id, attempt: 0 })))}
          ON CONFLICT (id) DO NOTHING`.pipe(
          Effect.retry(outlastRestarts),
          Effect.mapError(storageError("recording submissions")),
          Effect.as(ids.map(() => undefined))
        )
    })
    return {
      shared: true,
      register,
      begin,
      settle: (id, settled, retention) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          settle({ id, settled: encodeSettled(settled), expiresAt: now + Duration.toMillis(retention) })),
      lookup: (id) =>
        sql<Row>`SELECT id, attempt, settled FROM ${sql(table)} WHERE id = ${id}`.pipe(
          Effect.mapError(storageError("reading a result")),
          Effect.map((rows): Lookup => {
            const row = rows[0]
            if (row === undefined) return { _tag: "Unknown" }
            return row.settled === null ? { _tag: "Pending" } : { _tag: "Settled", settled: decodeSettled(row.settled) }
          })
        ),
      sweep: Effect.flatMap(Clock.currentTimeMillis, (now) =>
        sql`DELETE FROM ${sql(table)} WHERE expires_at < ${now}`.pipe(
          Effect.asVoid,
          Effect.mapError(storageError("removing expired results"))
        ))
    }
  })

interface MemoryEntry {
  attempt: number
  settled: Settled | undefined
  expiresAt: number
}

const makeMemory = (): ResultStore => {
  const entries = new Map<string, MemoryEntry>()
  return {
    shared: false,
    register: (id) =>
      Effect.sync(() => {
        if (!entries.has(id)) entries.set(id, { attempt: 0, settled: undefined, expiresAt: Infinity })
      }),
    begin: (id) =>
      Effect.sync(() => {
        const entry = entries.get(id) ?? { attempt: 0, settled: undefined, expiresAt: Infinity }
        entries.set(id, entry)
        entry.attempt += 1
        return { attempt: entry.attempt, settled: Option.fromNullable(entry.settled) }
      }),
    settle: (id, settled, retention) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const entry = entries.get(id) ?? { attempt: 1, settled: undefined, expiresAt: Infinity }
        if (entry.settled === undefined) {
          entry.settled = settled
          entry.expiresAt = now + Duration.toMillis(retention)
        }
        entries.set(id, entry)
        return entry.settled
      }),
    lookup: (id) =>
      Effect.sync((): Lookup => {
        const entry = entries.get(id)
        if (entry === undefined) return { _tag: "Unknown" }
        return entry.settled === undefined ? { _tag: "Pending" } : { _tag: "Settled", settled: entry.settled }
      }),
    sweep: Effect.map(Clock.currentTimeMillis, (now) => {
      for (const [id, entry] of entries) if (entry.expiresAt < now) entries.delete(id)
    })
  }
}

/** The shared table when a `SqlClient` is provided, else a store in this layer's memory. */
export const make: Effect.Effect<ResultStore, ClusterError, Scope.Scope> = Effect.flatMap(
  Effect.serviceOption(SqlClient.SqlClient),
  Option.match({ onNone: () => Effect.succeed(makeMemory()), onSome: makeSql })
)

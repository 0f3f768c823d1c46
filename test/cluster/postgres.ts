/**
 * PostgreSQL for the cluster tests: a database of their own per run,
 * created and dropped here, and runner processes started on it.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { createInterface } from "node:readline"
import * as SqlClient from "@effect/sql/SqlClient"
import * as PgClient from "@effect/sql-pg/PgClient"
import { Effect, Redacted } from "effect"

const adminUrl = "postgres://postgres@127.0.0.1:5432/postgres"

/** Runs `statement` on the database at `url` and returns its rows. */
export const query = <R extends object>(url: string, statement: string, values: ReadonlyArray<unknown> = []) =>
  Effect.runPromise(
    Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe<R>(statement, values)).pipe(
      Effect.provide(PgClient.layer({ url: Redacted.make(url), connectTimeout: "2 seconds", maxConnections: 1 })),
      Effect.scoped
    )
  )

/** Whether PostgreSQL answers on 127.0.0.1:5432. */
export const reachable = (): Promise<boolean> => query(adminUrl, "select 1").then(() => true, () => false)

/** A fresh database; returns its URL and a function that drops it. */
export const createDatabase = async (prefix: string, options: { readonly synchronousCommit?: boolean } = {}) => {
  const name = `${prefix}_${randomBytes(4).toString("hex")}`
  await query(adminUrl, `create database ${name}`)
  if (options.synchronousCommit === false) await query(adminUrl, `alter database ${name} set synchronous_commit = off`)
  return {
    name,
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    drop: () => query(adminUrl, `drop database if exists ${name} with (force)`)
  }
}

/** A line a runner process prints. */
export interface RunnerEvent {
  readonly event: "ready" | "start" | "end"
  readonly id?: string
  readonly key?: string
  readonly runner: string
  readonly at?: number
}

/** A runner process: its events so far, a promise of its readiness, and its process. */
export interface RunnerProcess {
  readonly name: string
  readonly child: ChildProcess
  readonly events: Array<RunnerEvent>
  readonly ready: Promise<void>
  readonly exited: Promise<void>
}

/** Starts `script` with `node --import tsx` as runner `name` on `port`. */
export const startRunner = (options: {
  readonly script: string
  readonly name: string
  readonly port: number
  readonly url: string
  readonly quickFailover: boolean
  readonly env?: Record<string, string>
}): RunnerProcess => {
  const child = spawn(process.execPath, ["--import", "tsx", options.script], {
    env: {
      ...process.env,
      ...options.env,
      CLUSTER_DATABASE_URL: options.url,
      RUNNER_NAME: options.name,
      RUNNER_PORT: String(options.port),
      QUICK_FAILOVER: options.quickFailover ? "1" : "0"
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  const events: Array<RunnerEvent> = []
  let markReady: () => void = () => undefined
  const ready = new Promise<void>((resolve) => (markReady = resolve))
  createInterface({ input: child.stdout! }).on("line", (line) => {
    if (!line.startsWith("{")) return
    const event = JSON.parse(line) as RunnerEvent
    if (event.event === "ready") markReady()
    else events.push(event)
  })
  let errors = ""
  child.stderr!.on("data", (chunk) => (errors += String(chunk)))
  const exited = new Promise<void>((resolve) =>
    child.on("exit", (code, signal) => {
      if (code !== 0 && code !== null && signal === null) process.stderr.write(`runner ${options.name} exited ${code}: ${errors}\n`)
      resolve()
    })
  )
  return { name: options.name, child, events, ready, exited }
}

/** The most tasks of `key` running at once, over all of `runners`. */
export const mostRunningAtOnce = (runners: ReadonlyArray<RunnerProcess>, key: string): number => {
  const changes = runners.flatMap((runner) => runner.events)
    .filter((event) => event.key === key)
    .map((event) => ({ at: event.at!, delta: event.event === "start" ? 1 : -1 }))
    // at the same instant, an end before a start
    .sort((a, b) => a.at - b.at || a.delta - b.delta)
  let running = 0
  let most = 0
  for (const change of changes) {
    running += change.delta
    most = Math.max(most, running)
  }
  return most
}

/**
 * The demo behind `npm run cluster:demo`: two runner processes and this
 * client on one machine, on a PostgreSQL database made for the run (and
 * dropped after it). The client submits a few hundred tasks: summaries keyed
 * by provider (2 at once per provider, cluster-wide) and embeddings without
 * a key (spread over both runners). Halfway, runner-2 is killed with
 * SIGKILL; its shards move to runner-1 (short shard locks: about 3 s), its
 * unfinished tasks run again there, and every task still completes, once.
 *
 * On a terminal a live view of both runners is redrawn below the log; in a
 * pipe the demo prints a status line per second.
 *
 *   npm run cluster:demo
 *   CLUSTER_DEMO_TASKS=100 npm run cluster:demo
 *   CLUSTER_ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres (the server the demo's database is made on)
 */
import { NodeRuntime } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Config, Effect, Exit, Redacted, Schedule } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import type { InvalidTaskError, PoolMetrics } from "@helixagent/concurrency"
import { type ClusterError, ClusterPool, type ClusterTaskHandle } from "@helixagent/concurrency/cluster"
import pc from "picocolors"
import * as Terminal from "../demo/terminal.js"
import * as View from "../demo/view.js"
import { clientLayer } from "./client.js"
import { Embed, Summarize } from "./requests.js"
import { poolOptions } from "./runner.js"

const providers = ["claude", "gpt", "gemini", "mistral"] as const

interface Runner {
  readonly name: string
  readonly child: ChildProcess
  snapshot: Omit<PoolMetrics, "averageTaskTime"> | undefined
  killed: boolean
}

/** A database of its own for the run, dropped when the scope closes. */
const demoDatabase = (adminUrl: string) =>
  Effect.gen(function*() {
    const name = `cluster_demo_${randomBytes(4).toString("hex")}`
    const admin = (statement: string) =>
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(statement)).pipe(
        Effect.provide(PgClient.layer({ url: Redacted.make(adminUrl), maxConnections: 1 })),
        Effect.scoped
      )
    yield* Effect.acquireRelease(admin(`create database ${name}`), () =>
      Effect.ignore(admin(`drop database if exists ${name} with (force)`)))
    return adminUrl.replace(/\/[^/]*$/, `/${name}`)
  })

/** Starts a runner process; resolves once it reports its pool. */
const startRunner = (name: string, port: number, url: string) =>
  Effect.acquireRelease(
    Effect.async<Runner>((resume) => {
      const script = fileURLToPath(new URL("./demo-runner.ts", import.meta.url))
      const child = spawn(process.execPath, ["--import", "tsx", script], {
        env: { ...process.env, CLUSTER_DATABASE_URL: url, RUNNER_PORT: String(port) },
        stdio: ["ignore", "pipe", "ignore"]
      })
      const runner: Runner = { name, child, snapshot: undefined, killed: false }
      createInterface({ input: child.stdout! }).on("line", (line) => {
        if (!line.startsWith("{")) return
        const first = runner.snapshot === undefined
        runner.snapshot = JSON.parse(line)
        if (first) resume(Effect.succeed(runner))
      })
    }),
    (runner) => Effect.sync(() => runner.child.kill("SIGKILL"))
  )

const bar = (value: number, of: number) => "█".repeat(Math.min(value, of)) + "░".repeat(Math.max(0, of - value))

/** The live view: one block per runner. */
const frame = (c: View.Colors, runners: ReadonlyArray<Runner>, done: number, total: number, elapsed: number) => {
  const lines = ["", `${c.bold("ClusterPool")}  2 runners, 1 client  ${(elapsed / 1000).toFixed(1)} s  ${done}/${total} settled`]
  for (const runner of runners) {
    const m = runner.snapshot
    if (runner.killed || m === undefined) {
      lines.push(`${c.bold(runner.name.padEnd(9))} ${c.red("killed (SIGKILL): its shards and unfinished tasks move to the other runner")}`)
      continue
    }
    lines.push(
      `${c.bold(runner.name.padEnd(9))} running ${c.green(bar(m.running, poolOptions.workers))} ${m.running}/${poolOptions.workers}` +
        `  queued ${String(m.queued).padStart(3)}  completed ${String(m.tasksCompleted).padStart(4)}  failed ${m.tasksFailed}`
    )
    const keys = Object.entries(m.keys).filter(([, k]) => k.running + k.queued > 0)
      .map(([key, k]) => `${key} ${k.running}/${k.limit ?? "-"}${k.queued > 0 ? ` +${k.queued}` : ""}`)
    lines.push(`          ${c.dim("keys owned, running/limit +queued:")} ${keys.length === 0 ? c.dim("none busy") : keys.join("  ")}`)
  }
  return lines
}

export const demo = (tasks: number, url: string, terminal: Terminal.Terminal) =>
  Effect.gen(function*() {
    const c = pc.createColors(terminal.live && pc.isColorSupported)
    const start = Date.now()
    const log = (verb: string, subject: string, details?: string) =>
      Effect.sync(() => terminal.line(View.logLine(c, Date.now() - start, verb, subject, details)))
    const port = 42_000 + Math.floor(Math.random() * 1_000) * 2
    const runners = [yield* startRunner("runner-1", port, url)]
    runners.push(yield* startRunner("runner-2", port + 1, url))
    yield* log("start", "2 runners", `on database ${url.slice(url.lastIndexOf("/") + 1)}`)

    const cluster = yield* ClusterPool
    let settled = 0
    const watcher = Effect.sync(() => {
      const elapsed = Date.now() - start
      if (terminal.live) terminal.frame(frame(c, runners, settled, tasks, elapsed))
      else if (elapsed % 1000 < 100) {
        const parts = runners.map((r) => r.killed ? `${r.name} killed` : `${r.name} running ${r.snapshot?.running ?? 0} completed ${r.snapshot?.tasksCompleted ?? 0}`)
        terminal.line(View.logLine(c, elapsed, "status", `${settled}/${tasks} settled`, parts.join("  ")))
      }
    }).pipe(Effect.repeat(Schedule.spaced("100 millis")))
    yield* Effect.forkScoped(watcher)

    const run = Date.now().toString(36)
    const handles = yield* Effect.forEach(Array.from({ length: tasks }, (_, n) => n), (n): Effect.Effect<
      ClusterTaskHandle<unknown, unknown>,
      InvalidTaskError | ClusterError
    > => {
      const provider = providers[n % providers.length]!
      return n % 2 === 0
        ? cluster.submit({
          id: `summary-${run}-${n}`,
          request: new Summarize({ provider, document: `document ${n}`, millis: 150 + (n % 5) * 30 }),
          key: provider,
          priority: n % 10 === 0 ? 3 : 1
        })
        : cluster.submit({ id: `embed-${run}-${n}`, request: new Embed({ text: `text ${n}`, millis: 80 }) })
    }, { concurrency: 32 })
    yield* log("submit", `${tasks} tasks`, "summaries keyed by provider (2 at once each), embeddings spread over the runners")

    const results = yield* Effect.forkScoped(Effect.forEach(handles, (handle) =>
      Effect.tap(handle.await, () => Effect.sync(() => settled++)), { concurrency: "unbounded" }))
    yield* Effect.sleep("100 millis").pipe(Effect.repeat({ until: () => settled >= tasks / 2 }))
    const victim = runners[1]!
    yield* log("kill", victim.name, `SIGKILL with ${victim.snapshot?.running ?? 0} tasks running on it; its shards move after the lock expires`)
    victim.killed = true
    victim.child.kill("SIGKILL")
    const killedAt = Date.now()

    const all = yield* results.await.pipe(Effect.flatten)
    terminal.close()
    const ok = all.filter((result) => Exit.isSuccess(result.exit)).length
    const again = all.filter((result) => result.attempts > 1).length
    const ids = new Set(all.map((result) => result.taskId)).size
    yield* log("final", `${ok}/${tasks} done`, `one result per id (${ids} ids), ${again} delivered a second time (to runner-1, after the kill), ${((Date.now() - killedAt) / 1000).toFixed(1)} s from kill to the last result`)
    return { tasks, succeeded: ok, ranAgain: again, ids }
  })

export const main = Effect.gen(function*() {
  const tasks = yield* Config.integer("CLUSTER_DEMO_TASKS").pipe(Config.withDefault(300))
  const adminUrl = yield* Config.string("CLUSTER_ADMIN_URL").pipe(
    Config.withDefault("postgres://postgres@127.0.0.1:5432/postgres")
  )
  const terminal = Terminal.make(process.stdout)
  // the client's layer is built once the database exists: inside the demo's scope
  return yield* Effect.scoped(Effect.gen(function*() {
    const url = yield* demoDatabase(adminUrl)
    return yield* Effect.provide(demo(tasks, url, terminal), clientLayer(url))
  }))
})

NodeRuntime.runMain(main)

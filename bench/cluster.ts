/**
 * Benchmark W6, across processes: our cluster pool (two runner processes on
 * @effect/cluster with PostgreSQL, one client) against BullMQ 6 on the local
 * Redis (two worker processes, one producer), same payload and the same
 * concurrency (8 per runner or worker process).
 *
 * - throughput of 10,000 tasks that do nothing and of 10,000 tasks that
 *   await a 1 ms timer, submitted at once (BullMQ: `addBulk` in chunks of
 *   100), from the first submission to the last result;
 * - latency from submission to result, p50 and p99, over those tasks;
 * - failover: one runner (worker) process SIGKILLed in the middle of a run
 *   of 2,000 tasks of 1 ms; the time from the kill to the last result. Ours
 *   with @effect/cluster's default shard locks (refresh 10 s, expiry 35 s)
 *   and with short ones (1 s, 3 s); BullMQ with its default stalled-job check
 *   (30 s).
 *
 * Standalone: `node --import tsx bench/cluster.ts` prints the markdown table.
 * `runClusterBenchmark()` returns the rows and the table for bench/run.ts.
 * Each round uses a PostgreSQL database and a Redis queue of its own.
 *
 * Options: --tasks N (default 10,000), --no-failover (skip the failover runs).
 */
import * as RunnerAddress from "@effect/cluster/RunnerAddress"
import { NodeClusterSocket, NodeRuntime } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Queue, QueueEvents, Worker } from "bullmq"
import { Effect, Exit, Layer, ManagedRuntime, Option, Redacted, Schema } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { ClusterPool } from "@helixagent/concurrency/cluster"

class Work extends Schema.TaggedRequest<Work>()("Work", {
  failure: Schema.Never,
  success: Schema.Number,
  payload: { n: Schema.Number, millis: Schema.Number }
}) {}

const concurrency = 8
const adminUrl = "postgres://postgres@127.0.0.1:5432/postgres"
const redis = { host: "127.0.0.1", port: 6379, maxRetriesPerRequest: null }
const self = fileURLToPath(import.meta.url)
const quickLocks = { shardLockRefreshInterval: "1 second", shardLockExpiration: "3 seconds" } as const

/** One row of the table. */
export interface ClusterBenchRow {
  readonly workload: string
  readonly contender: string
  readonly tasksPerSecond: number | undefined
  readonly p50Millis: number | undefined
  readonly p99Millis: number | undefined
  readonly failoverMillis: number | undefined
}

const admin = (statement: string) =>
  Effect.runPromise(
    Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(statement)).pipe(
      Effect.provide(PgClient.layer({ url: Redacted.make(adminUrl), maxConnections: 1 })),
      Effect.scoped
    )
  )

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!

/** Starts this file in `mode` as a child process; resolves once it prints "ready". */
const child = (args: ReadonlyArray<string>) =>
  new Promise<ChildProcess>((resolve, reject) => {
    const process_ = spawn(process.execPath, ["--import", "tsx", self, ...args], { stdio: ["ignore", "pipe", "inherit"] })
    createInterface({ input: process_.stdout! }).on("line", (line) => line === "ready" && resolve(process_))
    process_.on("exit", (code) => reject(new Error(`${args[0]} exited with ${code} before it was ready`)))
  })

const stop = async (children: ReadonlyArray<ChildProcess>) => {
  for (const one of children) one.kill("SIGKILL")
  await Promise.all(children.map((one) => one.exitCode !== null || one.signalCode !== null ? undefined : new Promise((r) => one.once("exit", r))))
}

interface Measured {
  readonly elapsedMillis: number
  readonly latencies: Array<number>
  readonly failoverMillis: number | undefined
}

/** Ours: two runners and a client on a fresh database. */
const measureOurs = async (tasks: number, millis: number, kill: "defaults" | "short" | undefined): Promise<Measured> => {
  const name = `cp_bench_${randomBytes(4).toString("hex")}`
  await admin(`create database ${name}`)
  const url = `postgres://postgres@127.0.0.1:5432/${name}`
  const client = ManagedRuntime.make(ClusterPool.client.pipe(
    Layer.provide(NodeClusterSocket.layer({ clientOnly: true, storage: "sql" })),
    Layer.provide(PgClient.layer({ url: Redacted.make(url) }))
  ))
  const port = 43_000 + Math.floor(Math.random() * 1_000) * 2
  const locks = kill === "short" ? "short" : "defaults"
  const runners: Array<ChildProcess> = []
  try {
    await client.runtime()
    for (const index of [0, 1]) runners.push(await child(["runner", url, String(port + index), locks]))
    // warm up until both runners hold their shards
    await client.runPromise(Effect.flatMap(ClusterPool, (cluster) =>
      Effect.forEach(Array.from({ length: 200 }, (_, n) => n), (n) =>
        cluster.run({ id: `warm-${n}`, request: new Work({ n, millis: 0 }) }), { concurrency: "unbounded" })))
    const latencies: Array<number> = []
    const start = performance.now()
    let done = 0
    let killedAt: number | undefined
    let last = 0
    await client.runPromise(Effect.flatMap(ClusterPool, (cluster) =>
      Effect.forEach(Array.from({ length: tasks }, (_, n) => n), (n) => {
        const submitted = performance.now()
        return Effect.map(cluster.submit({ id: `t-${n}`, request: new Work({ n, millis }) }), (handle) =>
          Effect.map(handle.await, (result) => {
            if (Exit.isFailure(result.exit)) throw new Error(`task t-${n} failed`)
            last = performance.now()
            latencies.push(last - submitted)
            if (++done === Math.floor(tasks / 2) && kill !== undefined) {
              killedAt = performance.now()
              runners[1]!.kill("SIGKILL")
            }
          }))
      }, { concurrency: 256 }).pipe(
        Effect.flatMap((awaits) => Effect.all(awaits, { concurrency: "unbounded", discard: true }))
      )))
    return { elapsedMillis: last - start, latencies, failoverMillis: killedAt === undefined ? undefined : last - killedAt }
  } finally {
    await client.dispose()
    await stop(runners)
    await admin(`drop database if exists ${name} with (force)`)
  }
}

/** BullMQ: two worker processes and a producer on a fresh queue. */
const measureBullMQ = async (tasks: number, millis: number, kill: boolean): Promise<Measured> => {
  const name = `bench-${randomBytes(4).toString("hex")}`
  const queue = new Queue(name, { connection: redis })
  const events = new QueueEvents(name, { connection: redis })
  await events.waitUntilReady()
  const workers: Array<ChildProcess> = []
  try {
    for (const _ of [0, 1]) workers.push(await child(["bullmq-worker", name, String(millis)]))
    const submittedAt = new Map<string, number>()
    const latencies: Array<number> = []
    let killedAt: number | undefined
    let last = 0
    const finished = new Promise<void>((resolve) =>
      events.on("completed", ({ jobId }) => {
        const at = submittedAt.get(jobId)
        if (at === undefined) return
        submittedAt.delete(jobId)
        last = performance.now()
        latencies.push(last - at)
        if (latencies.length === Math.floor(tasks / 2) && kill) {
          killedAt = performance.now()
          workers[1]!.kill("SIGKILL")
        }
        if (latencies.length === tasks) resolve()
      })
    )
    const start = performance.now()
    for (let from = 0; from < tasks; from += 100) {
      const chunk = Array.from({ length: Math.min(100, tasks - from) }, (_, k) => ({ name: "work", data: { n: from + k }, opts: { jobId: `t-${from + k}`, removeOnComplete: true } }))
      const now = performance.now()
      for (const job of chunk) submittedAt.set(job.opts.jobId, now)
      await queue.addBulk(chunk)
    }
    await finished
    return { elapsedMillis: last - start, latencies, failoverMillis: killedAt === undefined ? undefined : last - killedAt }
  } finally {
    await stop(workers)
    await events.close()
    await queue.obliterate({ force: true })
    await queue.close()
  }
}

const row = (workload: string, contender: string, measured: Measured, tasks: number): ClusterBenchRow => {
  const sorted = [...measured.latencies].sort((a, b) => a - b)
  return {
    workload,
    contender,
    tasksPerSecond: (tasks * 1000) / measured.elapsedMillis,
    p50Millis: percentile(sorted, 50),
    p99Millis: percentile(sorted, 99),
    failoverMillis: measured.failoverMillis
  }
}

const cell = (value: number | undefined, digits = 0) => value === undefined ? "-" : value.toFixed(digits)

/** The rows as a markdown table, with our throughput as a ratio of BullMQ's. */
export const markdown = (rows: ReadonlyArray<ClusterBenchRow>): string => {
  const lines = [
    "| workload | contender | tasks/s | vs BullMQ | p50 ms | p99 ms | failover ms |",
    "|---|---|---:|---:|---:|---:|---:|"
  ]
  for (const one of rows) {
    const peer = rows.find((other) => other.workload === one.workload && other.contender.startsWith("BullMQ"))
    const ratio = one.tasksPerSecond !== undefined && peer?.tasksPerSecond !== undefined
      ? `${(one.tasksPerSecond / peer.tasksPerSecond).toFixed(2)}x`
      : "-"
    lines.push(`| ${one.workload} | ${one.contender} | ${cell(one.tasksPerSecond)} | ${ratio} | ${cell(one.p50Millis, 1)} | ${cell(one.p99Millis, 1)} | ${cell(one.failoverMillis)} |`)
  }
  return lines.join("\n")
}

/** Runs W6 and returns its rows and table. */
export const runClusterBenchmark = async (options: { readonly tasks?: number; readonly failover?: boolean } = {}) => {
  const tasks = options.tasks ?? 10_000
  const rows: Array<ClusterBenchRow> = []
  for (const [workload, millis] of [[`W6 ${tasks} no-op`, 0], [`W6 ${tasks} x 1 ms`, 1]] as const) {
    rows.push(row(workload, "BullMQ 6 (Redis, 2 workers x 8)", await measureBullMQ(tasks, millis, false), tasks))
    rows.push(row(workload, "ClusterPool (PostgreSQL, 2 runners x 8)", await measureOurs(tasks, millis, undefined), tasks))
  }
  if (options.failover !== false) {
    const workload = "W6 failover, 2,000 x 1 ms, SIGKILL at half"
    rows.push(row(workload, "BullMQ 6 (stalled check 30 s)", await measureBullMQ(2_000, 1, true), 2_000))
    rows.push(row(workload, "ClusterPool (shard locks 10 s / 35 s, defaults)", await measureOurs(2_000, 1, "defaults"), 2_000))
    rows.push(row(workload, "ClusterPool (shard locks 1 s / 3 s)", await measureOurs(2_000, 1, "short"), 2_000))
  }
  return { rows, markdown: markdown(rows) }
}

const runRunner = (url: string, port: number, locks: string) =>
  ClusterPool.runner({
    schema: Work,
    handlers: { Work: (request) => request.millis === 0 ? Effect.succeed(request.n) : Effect.as(Effect.sleep(request.millis), request.n) },
    pool: { workers: concurrency, queueSize: 20_000, enableMetrics: false }
  }).pipe(
    Layer.provide(NodeClusterSocket.layer({
      storage: "sql",
      shardingConfig: { runnerAddress: Option.some(RunnerAddress.make("localhost", port)), ...(locks === "short" ? quickLocks : {}) }
    })),
    Layer.provide(PgClient.layer({ url: Redacted.make(url) })),
    (runner) => Layer.provide(Layer.effectDiscard(Effect.sync(() => console.log("ready"))), runner),
    Layer.launch,
    NodeRuntime.runMain
  )

const runBullMQWorker = (name: string, millis: number) => {
  const worker = new Worker(name, async (job) => {
    if (millis > 0) await new Promise((resolve) => setTimeout(resolve, millis))
    return job.data.n
  }, { connection: redis, concurrency })
  void worker.waitUntilReady().then(() => console.log("ready"))
}

if (process.argv[1] === self) {
  const [mode, ...args] = process.argv.slice(2)
  if (mode === "runner") runRunner(args[0]!, Number(args[1]), args[2]!)
  else if (mode === "bullmq-worker") runBullMQWorker(args[0]!, Number(args[1]))
  else {
    const at = process.argv.indexOf("--tasks")
    const tasks = at === -1 ? 10_000 : Number(process.argv[at + 1])
    const { markdown: table } = await runClusterBenchmark({ tasks, failover: !process.argv.includes("--no-failover") })
    console.log(table)
    process.exit(0)
  }
}

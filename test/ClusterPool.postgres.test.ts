/**
 * The cluster pool on a real PostgreSQL with real runner processes: two
 * runners (test/cluster/runner.ts) and clients in this process, on a
 * database created for the run and dropped after it. Runners use short
 * shard locks (expiry 3 s) so a killed runner's shards move quickly.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect, Exit, Layer, ManagedRuntime } from "effect"
import { ClusterPool } from "@helixagent/concurrency/cluster"
import { InvalidTaskError } from "@helixagent/concurrency"
import { clientTransport } from "./cluster/layers.js"
import { createDatabase, mostRunningAtOnce, query, reachable, type RunnerProcess, startRunner } from "./cluster/postgres.js"
import { Boom, Sleep, Square } from "./cluster/requests.js"

const available = await reachable()
if (!available && process.env["CI"] === undefined) {
  console.log("ClusterPool PostgreSQL tests SKIPPED: no PostgreSQL on 127.0.0.1:5432 (they run whenever CI is set)")
}

const script = new URL("./cluster/runner.ts", import.meta.url).pathname
const basePort = 41_000 + Math.floor(Math.random() * 2_000) * 2

const makeClient = (url: string) => ManagedRuntime.make(ClusterPool.client.pipe(Layer.provide(clientTransport(url))))

describe.runIf(available || process.env["CI"] !== undefined)("ClusterPool on PostgreSQL with two runner processes", () => {
  let database: Awaited<ReturnType<typeof createDatabase>>
  let runners: Array<RunnerProcess> = []
  let client: ReturnType<typeof makeClient>

  const run = <A, E>(effect: Effect.Effect<A, E, ClusterPool>) => client.runPromise(effect)

  beforeAll(async () => {
    database = await createDatabase("cp_test")
    // one after the other, so the second finds the cluster's tables made
    for (const [index, name] of ["runner-a", "runner-b"].entries()) {
      runners.push(startRunner({ script, name, port: basePort + index, url: database.url, quickFailover: true }))
      await runners[index]!.ready
    }
    client = makeClient(database.url)
    // until the shards are shared between both runners, each has run some of 64 tasks without a key
    while (!runners.every((runner) => runner.events.some((event) => event.id?.startsWith("warm-up-")))) {
      await run(Effect.flatMap(ClusterPool, (cluster) =>
        Effect.forEach(Array.from({ length: 64 }, (_, n) => n), (n) =>
          cluster.run({ id: `warm-up-${Date.now()}-${n}`, request: new Sleep({ millis: 1 }) }), { concurrency: "unbounded" })))
    }
  }, 60_000)

  afterAll(async () => {
    await client?.dispose()
    for (const runner of runners) runner.child.kill("SIGKILL")
    await Promise.all(runners.map((runner) => runner.exited))
    await database?.drop()
  }, 30_000)

  it("returns values, and a typed failure of the request's schema crosses the wire as that failure", async () => {
    expect(await run(ClusterPool.pipe(Effect.flatMap((cluster) => cluster.run({ id: "square-7", request: new Square({ n: 7 }) }))))).toBe(49)
    const exit = await run(
      Effect.exit(Effect.flatMap(ClusterPool, (cluster) => cluster.run({ id: "square-13", request: new Square({ n: 13 }) })))
    )
    expect(exit).toStrictEqual(Exit.fail(new Boom({ reason: "unlucky" })))
  }, 30_000)

  it("a request that fails its schema is an InvalidTaskError at submit, and nothing is sent", async () => {
    const invalid = new Square({ n: -1 }, true)
    const exit = await run(Effect.exit(Effect.flatMap(ClusterPool, (cluster) => cluster.submit({ id: "bad-request", request: invalid }))))
    expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error).toBeInstanceOf(InvalidTaskError)
    expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && (exit.cause.error as InvalidTaskError).field).toBe("request")
    const sent = await query<{ count: string }>(database.url, "select count(*) from cluster_messages where message_id like '%/bad-request'")
    expect(Number(sent[0]!.count)).toBe(0)
  }, 30_000)

  it("a per-key limit of 2 holds across both runners", async () => {
    await run(Effect.flatMap(ClusterPool, (cluster) =>
      Effect.forEach(
        Array.from({ length: 12 }, (_, n) => n),
        (n) => cluster.run({ id: `limited-${n}`, request: new Sleep({ millis: 100 }), key: "limited" }),
        { concurrency: "unbounded" }
      )))
    expect(runners.flatMap((runner) => runner.events).filter((event) => event.key === "limited" && event.event === "start")).toHaveLength(12)
    expect(mostRunningAtOnce(runners, "limited")).toBe(2)
  }, 30_000)

  it("pauseKey from the client stops the key's starts on the runner that owns it, resumeKey lets them start", async () => {
    const started = () => runners.flatMap((runner) => runner.events).filter((event) => event.key === "paused" && event.event === "start")
    const values = await run(Effect.gen(function*() {
      const cluster = yield* ClusterPool
      yield* cluster.pauseKey("paused", "1 hour")
      const handles = yield* Effect.forEach([1, 2, 3], (n) => cluster.submit({ id: `paused-${n}`, request: new Sleep({ millis: 1 }), key: "paused" }))
      yield* Effect.sleep("1500 millis")
      expect(started()).toHaveLength(0)
      yield* cluster.resumeKey("paused")
      return yield* Effect.forEach(handles, (handle) => handle.join)
    }))
    expect(values).toHaveLength(3)
    expect(started()).toHaveLength(3)
  }, 30_000)

  it("a client that goes away leaves its task running; a later client awaits its result by id, and a second submission of the id returns it without running again", async () => {
    const leaving = makeClient(database.url)
    await leaving.runPromise(Effect.flatMap(ClusterPool, (cluster) => cluster.submit({ id: "left-behind", request: new Sleep({ millis: 300 }) })))
    await leaving.dispose()
    const later = makeClient(database.url)
    try {
      const result = await later.runPromise(Effect.flatMap(ClusterPool, (cluster) => cluster.await("left-behind")))
      expect(Exit.isSuccess(result.exit) && result.exit.value).toMatchObject({ attempt: 1 })
      const again = await later.runPromise(Effect.flatMap(ClusterPool, (cluster) =>
        cluster.run({ id: "left-behind", request: new Sleep({ millis: 300 }) })))
      expect(again).toStrictEqual(Exit.isSuccess(result.exit) ? result.exit.value : undefined)
      expect(runners.flatMap((runner) => runner.events).filter((event) => event.id === "left-behind" && event.event === "start")).toHaveLength(1)
      const unknown = await later.runPromise(Effect.flip(Effect.flatMap(ClusterPool, (cluster) => cluster.await("never-submitted"))))
      expect(unknown.reason).toBe("UnknownTask")
    } finally {
      await later.dispose()
    }
  }, 30_000)

  it("1,000 tasks with a runner SIGKILLed mid-run: exactly one result per id, none lost, the dead runner's tasks run again elsewhere", async () => {
    // 20 tasks of 2 s are surely mid-run when the kill comes; the other 980 take 20 ms
    const ids = Array.from({ length: 1_000 }, (_, n) => `bulk-${n}`)
    const millis = (n: number) => n % 50 === 0 ? 2_000 : 20
    const [victim, survivor] = runners as [RunnerProcess, RunnerProcess]
    const bulkOn = (runner: RunnerProcess) => runner.events.filter((event) => event.id?.startsWith("bulk-")).length
    const results = run(Effect.flatMap(ClusterPool, (cluster) =>
      Effect.forEach(ids, (id, n) => cluster.submit({ id, request: new Sleep({ millis: millis(n) }) }), { concurrency: 64 }).pipe(
        Effect.flatMap((handles) => Effect.forEach(handles, (handle) => handle.await, { concurrency: "unbounded" }))
      )))
    while (bulkOn(victim) < 200 || bulkOn(survivor) < 200) await new Promise((r) => setTimeout(r, 20))
    const interrupted = new Set(victim.events.filter((event) => event.event === "start").map((event) => event.id))
    for (const event of victim.events) if (event.event === "end") interrupted.delete(event.id)
    const killedAt = Date.now()
    victim.child.kill("SIGKILL")
    const settled = await results
    const failover = Math.min(
      ...survivor.events.filter((event) => event.event === "start" && event.at! >= killedAt && interrupted.has(event.id!))
        .map((event) => event.at!)
    ) - killedAt
    console.log(`failover after SIGKILL with 3 s shard locks: ${failover} ms until the survivor restarted the dead runner's first task`)

    expect(settled.map((result) => result.taskId)).toStrictEqual(ids)
    expect(new Set(settled.map((result) => result.taskId)).size).toBe(1_000)
    expect(settled.filter((result) => Exit.isSuccess(result.exit))).toHaveLength(1_000)
    // tasks the victim had started and not finished as far as its output showed; some of them may
    // have finished and stored their result just before the kill
    expect(interrupted.size).toBeGreaterThan(0)
    const values = settled.flatMap((result) => Exit.isSuccess(result.exit) ? [{ id: result.taskId, ...result.exit.value }] : [])
    const rerun = values.filter((value) => interrupted.has(value.id) && value.runner === survivor.name)
    expect(rerun.length).toBeGreaterThan(0)
    expect(rerun.every((value) => value.attempt >= 2)).toBe(true)
    // a second delivery only comes from the killed runner's shards moving, so it runs on the survivor
    expect(values.filter((value) => value.attempt > 1).every((value) => value.runner === survivor.name)).toBe(true)
    const stored = await query<{ count: string }>(database.url, "select count(*) from cluster_pool_results where id like 'bulk-%' and settled is not null")
    expect(Number(stored[0]!.count)).toBe(1_000)
  }, 60_000)
})

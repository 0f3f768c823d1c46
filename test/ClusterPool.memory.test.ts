/**
 * The cluster pool in one process, on @effect/cluster's `TestRunner` (no
 * database): a runner and its client, results kept in memory.
 */
import * as TestRunner from "@effect/cluster/TestRunner"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Layer } from "effect"
import { InvalidTaskError, PoolConfigError, Priority, TaskTimeoutError, WorkerPool } from "@helixagent/concurrency"
import { ClusterError, ClusterPool } from "@helixagent/concurrency/cluster"
import { Boom, Requests, Sleep, Square } from "./cluster/requests.js"

const runner = ClusterPool.runner({
  schema: Requests,
  handlers: {
    Square: (request) => request.n === 13 ? Effect.fail(new Boom({ reason: "unlucky" })) : Effect.succeed(request.n * request.n),
    Sleep: (request, task) => Effect.as(Effect.sleep(request.millis), { runner: "memory", attempt: task.attempt })
  },
  pool: { workers: 4, keyLimits: { limited: 1 } }
}).pipe(Layer.provide(TestRunner.layer))

const failure = <A, E>(exit: Exit.Exit<A, E>) => Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined

describe("ClusterPool in one process", () => {
  it.live("runs a request and returns its value", () =>
    Effect.gen(function*() {
      const cluster = yield* ClusterPool
      expect(yield* cluster.run({ id: "a", request: new Square({ n: 7 }) })).toBe(49)
    }).pipe(Effect.provide(runner)))

  it.live("a typed failure of the schema is the task's failure", () =>
    Effect.gen(function*() {
      const cluster = yield* ClusterPool
      const exit = yield* Effect.exit(cluster.run({ id: "b", request: new Square({ n: 13 }) }))
      expect(exit).toStrictEqual(Exit.fail(new Boom({ reason: "unlucky" })))
    }).pipe(Effect.provide(runner)))

  it.live("the handler sees its task's id, key and attempt 1 on the first delivery", () =>
    Effect.gen(function*() {
      const cluster = yield* ClusterPool
      const value = yield* cluster.run({ id: "c", request: new Sleep({ millis: 1 }), key: "k" })
      expect(value).toStrictEqual({ runner: "memory", attempt: 1 })
      const result = yield* cluster.await("c")
      expect(result.attempts).toBe(1)
    }).pipe(Effect.provide(runner)))

  it.live("a request that fails its schema is an InvalidTaskError naming the request, and nothing runs", () =>
    Effect.gen(function*() {
      const cluster = yield* ClusterPool
      const exit = yield* Effect.exit(cluster.submit({ id: "bad", request: new Square({ n: -1 }, true) }))
      const error = failure(exit)
      expect(error).toBeInstanceOf(InvalidTaskError)
      expect(error).toMatchObject({ taskId: "bad", field: "request" })
      const unknown = yield* Effect.flip(cluster.await("bad"))
      expect(unknown).toBeInstanceOf(ClusterError)
      expect(unknown.reason).toBe("UnknownTask")
    }).pipe(Effect.provide(runner)))

  it.live("bad options are InvalidTaskErrors naming the field", () =>
    Effect.gen(function*() {
      const cluster = yield* ClusterPool
      const request = new Square({ n: 1 })
      const field = (task: unknown) =>
        Effect.map(Effect.flip(cluster.submit(task as never)), (error) => (error as InvalidTaskError).field)
      expect(yield* field({ id: "", request })).toBe("id")
      expect(yield* field({ id: "x", request: { _tag: "Square", n: 1 } })).toBe("request")
      expect(yield* field({ id: "x", request, priority: 7 })).toBe("priority")
      expect(yield* field({ id: "x", request, key: "" })).toBe("key")
      expect(yield* field({ id: "x", request, timeout: -5 })).toBe("timeout")
      expect(yield* field({ id: "x", request, queueTimeout: "soon" })).toBe("queueTimeout")
      expect(yield* field({ id: "x", request, retries: 3 })).toBe("retries")
      expect(((yield* Effect.flip(cluster.pauseKey("", "1 second"))) as InvalidTaskError).field).toBe("key")
      expect(((yield* Effect.flip(cluster.pauseKey("k", -1))) as InvalidTaskError).field).toBe("duration")
    }).pipe(Effect.provide(runner)))

  it.live("a running-time timeout is a TaskTimeoutError of the task", () =>
    Effect.gen(function*() {
      const cluster = yield* ClusterPool
      const exit = yield* Effect.exit(cluster.run({ id: "slow", request: new Sleep({ millis: 5_000 }), timeout: "50 millis" }))
      expect(failure(exit)).toBeInstanceOf(TaskTimeoutError)
      expect(failure(exit)).toMatchObject({ taskId: "slow", phase: "running" })
    }).pipe(Effect.provide(runner)))

  it.live("pauseKey holds a key's tasks back on the runner that owns it; resumeKey lets them start", () =>
    Effect.gen(function*() {
      const cluster = yield* ClusterPool
      const pool = yield* WorkerPool
      yield* cluster.pauseKey("paused", "1 hour")
      const handle = yield* cluster.submit({ id: "held", request: new Sleep({ millis: 1 }), key: "paused" })
      yield* Effect.sleep("200 millis")
      expect((yield* pool.metrics).keys["paused"]).toMatchObject({ paused: true, queued: 1, running: 0 })
      yield* cluster.resumeKey("paused")
      expect(yield* handle.join).toMatchObject({ attempt: 1 })
    }).pipe(Effect.provide(runner)))

  it.live("priorities hold within the runner: with one slot for a key, the Critical task queued last starts first", () =>
    Effect.gen(function*() {
      const cluster = yield* ClusterPool
      const blocker = yield* cluster.submit({ id: "blocker", request: new Sleep({ millis: 300 }), key: "limited" })
      yield* Effect.sleep("100 millis")
      const low = yield* cluster.submit({ id: "low", request: new Sleep({ millis: 1 }), key: "limited", priority: Priority.Low })
      yield* Effect.sleep("50 millis")
      const critical = yield* cluster.submit({ id: "critical", request: new Sleep({ millis: 1 }), key: "limited", priority: Priority.Critical })
      yield* blocker.join
      const [lowResult, criticalResult] = yield* Effect.all([low.await, critical.await], { concurrency: 2 })
      expect(Exit.isSuccess(criticalResult.exit) && Exit.isSuccess(lowResult.exit)).toBe(true)
      expect(criticalResult.priority).toBe(Priority.Critical)
      expect(Duration.toMillis(criticalResult.waitTime)).toBeLessThan(Duration.toMillis(lowResult.waitTime))
    }).pipe(Effect.provide(runner)))

  it.live("cancel interrupts a running task; its result is interrupted", () =>
    Effect.gen(function*() {
      const cluster = yield* ClusterPool
      const pool = yield* WorkerPool
      const handle = yield* cluster.submit({ id: "cancelled", request: new Sleep({ millis: 10_000 }) })
      yield* Effect.sleep("100 millis")
      yield* handle.cancel
      const result = yield* handle.await
      expect(Exit.isInterrupted(result.exit)).toBe(true)
      yield* Effect.sleep("100 millis")
      expect((yield* pool.metrics).running).toBe(0)
    }).pipe(Effect.provide(runner)))

  it.live("submitting an id again while it runs returns the same task", () =>
    Effect.gen(function*() {
      const cluster = yield* ClusterPool
      const first = yield* cluster.submit({ id: "twice", request: new Sleep({ millis: 50 }) })
      const second = yield* cluster.submit({ id: "twice", request: new Sleep({ millis: 50 }) })
      expect(second).toBe(first)
      expect(yield* second.join).toMatchObject({ attempt: 1 })
    }).pipe(Effect.provide(runner)))

  it.live("an invalid resultRetention fails the runner layer with PoolConfigError", () =>
    Effect.gen(function*() {
      const layer = ClusterPool.runner({
        schema: Requests,
        handlers: { Square: () => Effect.succeed(1), Sleep: () => Effect.succeed({ runner: "x", attempt: 1 }) },
        resultRetention: "-1 hours"
      }).pipe(Layer.provide(TestRunner.layer))
      const error = yield* Effect.flip(Effect.provide(ClusterPool, layer))
      expect(error).toBeInstanceOf(PoolConfigError)
      expect(error).toMatchObject({ field: "resultRetention" })
    }))
})

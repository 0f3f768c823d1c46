import * as TestRunner from "@effect/cluster/TestRunner"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer } from "effect"
import { ClusterPool } from "@helixagent/concurrency/cluster"
import { Boom, Requests, Sleep, Square } from "./cluster/requests.js"

const runner = ClusterPool.runner({
  schema: Requests,
  handlers: {
    Square: (request) => request.n === 13 ? Effect.fail(new Boom({ reason: "unlucky" })) : Effect.succeed(request.n * request.n),
    Sleep: (request, task) => Effect.as(Effect.sleep(request.millis), { runner: "memory", attempt: task.attempt })
  },
  pool: { workers: 4 }
}).pipe(Layer.provide(TestRunner.layer))

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

  it.live("the handler sees attempt 1 on the first delivery", () =>
    Effect.gen(function*() {
      const cluster = yield* ClusterPool
      const value = yield* cluster.run({ id: "c", request: new Sleep({ millis: 1 }), key: "k" })
      expect(value).toStrictEqual({ runner: "memory", attempt: 1 })
    }).pipe(Effect.provide(runner)))
})

import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { Priority, WorkerPool } from "../src/index.js"

describe("Priority", () => {
  it("has four levels from Low (0) to Critical (3)", () => {
    expect(Priority.Low).toBe(0)
    expect(Priority.Normal).toBe(1)
    expect(Priority.High).toBe(2)
    expect(Priority.Critical).toBe(3)
    expect(Object.keys(Priority).sort()).toStrictEqual(["Critical", "High", "Low", "Normal"])
  })

  it.scoped("Normal is the priority of a task that names none, as TaskResult.priority shows", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const handle = yield* pool.submit({ id: "no-priority", execute: Effect.void })
      expect((yield* handle.await).priority).toBe(Priority.Normal)
    }))

  it.scoped("every level is accepted and reported back in the result", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const levels = [Priority.Low, Priority.Normal, Priority.High, Priority.Critical]
      const results = yield* pool.runAll(levels.map((priority) => ({ id: `p${priority}`, priority, execute: Effect.void })))
      expect(results.map((r) => r.priority)).toStrictEqual(levels)
    }))
})

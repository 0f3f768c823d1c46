import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import {
  InvalidTaskError,
  PoolConfigError,
  PoolShutdownError,
  QueueFullError,
  TaskTimeoutError
} from "../src/index.js"

const errors = [
  ["PoolConfigError", new PoolConfigError({ field: "workers", value: 0, rule: "expected an integer >= 1" })],
  ["PoolShutdownError", new PoolShutdownError({ pool: "p", taskId: "t" })],
  ["QueueFullError", new QueueFullError({ pool: "p", taskId: "t", queueSize: 3 })],
  ["TaskTimeoutError", new TaskTimeoutError({ taskId: "t", timeout: Duration.seconds(2) })],
  [
    "InvalidTaskError",
    new InvalidTaskError({ taskId: "t", field: "priority", value: 9, reason: "expected an integer from 0 to 3" })
  ]
] as const

describe("pool errors", () => {
  for (const [name, error] of errors) {
    it.effect(`${name} is a tagged error whose _tag is its class name`, () =>
      Effect.gen(function*() {
        expect(error._tag).toBe(name)
        expect(error.constructor.name).toBe(name)
        expect(error).toBeInstanceOf(Error)
        expect(typeof error.message).toBe("string")
        expect(error.message.length).toBeGreaterThan(0)
        // yieldable and catchable by tag
        const caught = yield* Effect.catchTag(
          Effect.fail(error) as Effect.Effect<never, typeof error>,
          name as any,
          (e: unknown) => Effect.succeed(e)
        )
        expect(caught).toBe(error)
        const yielded = yield* Effect.flip(Effect.gen(function*() {
          return yield* error
        }))
        expect(yielded).toBe(error)
      }))
  }

  it("PoolConfigError names the field, the value and the rule", () => {
    const error = new PoolConfigError({ field: "workers", value: 1.5, rule: "expected an integer >= 1" })
    expect(error.field).toBe("workers")
    expect(error.value).toBe(1.5)
    expect(error.rule).toBe("expected an integer >= 1")
    expect(error.message).toContain("workers")
    expect(error.message).toContain("1.5")
    expect(error.message).toContain("expected an integer >= 1")
  })

  it("PoolConfigError shows a string value quoted", () => {
    const error = new PoolConfigError({ field: "workers", value: "3", rule: "expected an integer >= 1" })
    expect(error.message).toContain(`"3"`)
  })

  it("TaskTimeoutError carries the task id and the timeout", () => {
    const error = new TaskTimeoutError({ taskId: "slow", timeout: Duration.millis(1500) })
    expect(error.taskId).toBe("slow")
    expect(Duration.toMillis(error.timeout)).toBe(1500)
    expect(error.message).toContain("slow")
    expect(error.message).toContain("1s 500ms")
  })

  it("InvalidTaskError carries the field and the reason", () => {
    const error = new InvalidTaskError({ taskId: undefined, field: "id", value: "", reason: "expected a non-empty string" })
    expect(error.field).toBe("id")
    expect(error.reason).toBe("expected a non-empty string")
    expect(error.message).toContain("id")
    expect(error.message).toContain(`""`)
    expect(error.message).toContain("expected a non-empty string")
  })

  it("QueueFullError names the pool, the task and the queue size", () => {
    const error = new QueueFullError({ pool: "tiny", taskId: "t9", queueSize: 3 })
    expect(error.message).toContain("tiny")
    expect(error.message).toContain("t9")
    expect(error.message).toContain("3")
  })

  it("PoolShutdownError names the pool and the task", () => {
    const error = new PoolShutdownError({ pool: "closing", taskId: "late" })
    expect(error.pool).toBe("closing")
    expect(error.taskId).toBe("late")
    expect(error.message).toContain("closing")
    expect(error.message).toContain("late")
  })
})

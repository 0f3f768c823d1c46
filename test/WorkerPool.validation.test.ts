import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { InvalidTaskError, type Task, WorkerPool, type WorkerPoolService } from "../src/index.js"

interface BadTask {
  readonly title: string
  readonly task: unknown
  readonly field: string
  /** How the value must appear in the message. */
  readonly shown: string
}

const ok = Effect.succeed(1)

/** What a JavaScript caller may pass where a task is expected. */
const asTask = (u: unknown): Task<number> => u as Task<number>

const badTasks: ReadonlyArray<BadTask> = [
  { title: "an empty id", task: { id: "", execute: ok }, field: "id", shown: `""` },
  { title: "a missing id", task: { execute: ok }, field: "id", shown: "undefined" },
  { title: "a numeric id", task: { id: 7, execute: ok }, field: "id", shown: "7" },
  { title: "a priority above 3", task: { id: "t", execute: ok, priority: 4 }, field: "priority", shown: "4" },
  { title: "a negative priority", task: { id: "t", execute: ok, priority: -1 }, field: "priority", shown: "-1" },
  { title: "a fractional priority", task: { id: "t", execute: ok, priority: 1.5 }, field: "priority", shown: "1.5" },
  { title: "a NaN priority", task: { id: "t", execute: ok, priority: NaN }, field: "priority", shown: "NaN" },
  { title: "a string priority", task: { id: "t", execute: ok, priority: "2" }, field: "priority", shown: `"2"` },
  { title: "a negative timeout", task: { id: "t", execute: ok, timeout: -5 }, field: "timeout", shown: "-5" },
  { title: "a NaN timeout", task: { id: "t", execute: ok, timeout: NaN }, field: "timeout", shown: "NaN" },
  { title: "an unreadable timeout", task: { id: "t", execute: ok, timeout: "abc" }, field: "timeout", shown: "abc" },
  {
    title: "a negative timeout string",
    task: { id: "t", execute: ok, timeout: "-5 seconds" },
    field: "timeout",
    shown: "-5 seconds"
  },
  { title: "a missing execute", task: { id: "t" }, field: "execute", shown: "undefined" },
  { title: "a non-Effect execute", task: { id: "t", execute: 42 }, field: "execute", shown: "42" },
  {
    title: "a function as execute",
    task: { id: "t", execute: () => Effect.succeed(1) },
    field: "execute",
    shown: "function"
  },
  { title: "a non-function callback", task: { id: "t", execute: ok, callback: "nope" }, field: "callback", shown: "nope" },
  { title: "null as the task", task: null, field: "task", shown: "null" },
  { title: "undefined as the task", task: undefined, field: "task", shown: "undefined" },
  { title: "a number as the task", task: 42, field: "task", shown: "42" }
]

const entryPoints: ReadonlyArray<
  readonly [string, (pool: WorkerPoolService, task: Task<number>) => Effect.Effect<unknown, unknown>]
> = [
  ["submit", (pool, task) => pool.submit(task)],
  ["trySubmit", (pool, task) => pool.trySubmit(task)],
  ["run", (pool, task) => pool.run(task)]
]

/** The typed failure of an exit, asserting it is a failure and not a defect. */
const typedFailure = (exit: Exit.Exit<unknown, unknown>): unknown => {
  expect(Exit.isFailure(exit)).toBe(true)
  if (Exit.isSuccess(exit)) return undefined
  expect(Cause.isDie(exit.cause)).toBe(false)
  return Option.getOrUndefined(Cause.failureOption(exit.cause))
}

describe("malformed tasks fail with InvalidTaskError, never a crash", () => {
  for (const [entry, call] of entryPoints) {
    describe(entry, () => {
      for (const bad of badTasks) {
        it.scoped(`${bad.title}: field "${bad.field}"`, () =>
          Effect.gen(function*() {
            const pool = yield* WorkerPool.make({ workers: 1 })
            const exit = yield* Effect.exit(call(pool, asTask(bad.task)))
            const error = typedFailure(exit)
            expect(error).toBeInstanceOf(InvalidTaskError)
            const invalid = error as InvalidTaskError
            expect(invalid._tag).toBe("InvalidTaskError")
            expect(invalid.field).toBe(bad.field)
            expect(invalid.message).toContain(bad.field)
            expect(invalid.message).toContain(bad.shown)
            expect(typeof invalid.reason).toBe("string")
            expect(invalid.reason.length).toBeGreaterThan(0)
            const metrics = yield* pool.metrics
            expect(metrics.tasksSubmitted).toBe(0)
            expect(yield* pool.run({ id: "still-works", execute: Effect.succeed("fine") })).toBe("fine")
          }))
      }
    })
  }

  it.scoped("the error names the task when its id is known", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const error = yield* Effect.flip(pool.submit(asTask({ id: "named", execute: ok, priority: 9 })))
      expect(error).toBeInstanceOf(InvalidTaskError)
      expect((error as InvalidTaskError).message).toContain("named")
    }))

  it.scoped("runAll fails with InvalidTaskError for a malformed task", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const exit = yield* Effect.exit(pool.runAll([{ id: "ok", execute: ok }, asTask(null)]))
      const error = typedFailure(exit)
      expect(error).toBeInstanceOf(InvalidTaskError)
      expect((error as InvalidTaskError).field).toBe("task")
      expect((yield* pool.metrics).tasksSubmitted).toBe(0)
    }))

  it.scoped("submitBatch fails with InvalidTaskError for a malformed task", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const exit = yield* Effect.exit(
        Stream.runCollect(pool.submitBatch([asTask({ id: "t", execute: ok, timeout: "abc" })]))
      )
      const error = typedFailure(exit)
      expect(error).toBeInstanceOf(InvalidTaskError)
      expect((error as InvalidTaskError).field).toBe("timeout")
    }))

  it.scoped("valid optional fields are accepted", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const results = yield* pool.runAll([
        { id: "numeric-timeout", execute: ok, timeout: 1000 },
        { id: "string-timeout", execute: ok, timeout: "5 seconds" },
        { id: "zero-priority", execute: ok, priority: 0 },
        { id: "undefined-fields", execute: ok, priority: undefined, timeout: undefined },
        asTask({ id: "undefined-callback", execute: ok, callback: undefined })
      ])
      expect(results.map((r) => r.exit)).toStrictEqual(results.map(() => Exit.succeed(1)))
    }))
})

/**
 * Type-level tests of the public API. `expectTypeOf` does nothing at run
 * time: these assertions are checked by `tsc` (the `typecheck` step of
 * `npm test`); a wrong type is a compile error there. The values they look
 * at are real, so the file also runs under vitest.
 */
import type * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"
import { describe, expectTypeOf, it } from "vitest"
import {
  type InvalidTaskError,
  type PoolShutdownError,
  Priority,
  type QueueFullError,
  type Task,
  type TaskHandle,
  TaskResult,
  type TaskTimeoutError,
  type WorkerPoolService
} from "../src/index.js"

class Boom extends Data.TaggedError("Boom")<{ readonly reason: string }> {}

/** What the exit of a `TaskResult<A, Boom>` can fail with. */
type Errors = Boom | TaskTimeoutError | PoolShutdownError | QueueFullError

const result = <A>(taskId: string, exit: Exit.Exit<A, Errors>): TaskResult<A, Boom> => ({
  taskId,
  priority: Priority.Normal,
  exit,
  duration: Duration.millis(5),
  waitTime: Duration.zero,
  attempts: 1
})

const results: ReadonlyArray<TaskResult<number, Boom>> = [
  result("a", Exit.succeed(1)),
  result("b", Exit.fail(new Boom({ reason: "no" })))
]

describe("TaskResult narrowing (types)", () => {
  it("the narrowed results have named types whose exit is Exit.Success or Exit.Failure", () => {
    expectTypeOf<TaskResult.Success<number, Boom>["exit"]>().toEqualTypeOf<Exit.Success<number, Errors>>()
    expectTypeOf<TaskResult.Failure<number, Boom>["exit"]>().toEqualTypeOf<Exit.Failure<number, Errors>>()
    expectTypeOf<TaskResult.Success<number, Boom>>().toMatchTypeOf<TaskResult<number, Boom>>()
    expectTypeOf<TaskResult.Failure<number, Boom>>().toMatchTypeOf<TaskResult<number, Boom>>()
    // `E` defaults to never, as it does for TaskResult
    expectTypeOf<TaskResult.Success<string>>().toEqualTypeOf<TaskResult.Success<string, never>>()
    expectTypeOf<TaskResult<string>["exit"]>().toEqualTypeOf<
      Exit.Exit<string, TaskTimeoutError | PoolShutdownError | QueueFullError>
    >()
  })

  it("isSuccess and isFailure are type predicates", () => {
    expectTypeOf(TaskResult.isSuccess<number, Boom>).guards.toEqualTypeOf<TaskResult.Success<number, Boom>>()
    expectTypeOf(TaskResult.isFailure<number, Boom>).guards.toEqualTypeOf<TaskResult.Failure<number, Boom>>()
  })

  it("Array.filter(TaskResult.isSuccess) keeps Exit.Success", () => {
    const succeeded = results.filter(TaskResult.isSuccess)
    expectTypeOf(succeeded).toEqualTypeOf<Array<TaskResult.Success<number, Boom>>>()
    expectTypeOf(succeeded[0]!.exit).toEqualTypeOf<Exit.Success<number, Errors>>()
    expectTypeOf(succeeded.map((r) => r.exit.value)).toEqualTypeOf<Array<number>>()
  })

  it("Array.filter(TaskResult.isFailure) keeps Exit.Failure", () => {
    const failed = results.filter(TaskResult.isFailure)
    expectTypeOf(failed).toEqualTypeOf<Array<TaskResult.Failure<number, Boom>>>()
    expectTypeOf(failed[0]!.exit).toEqualTypeOf<Exit.Failure<number, Errors>>()
    expectTypeOf(failed.map((r) => r.exit.cause)).toEqualTypeOf<Array<Cause.Cause<Errors>>>()
  })

  it("Stream.filter(TaskResult.isSuccess) and isFailure narrow, piped and data-first", () => {
    const stream = Stream.fromIterable(results)
    expectTypeOf(stream.pipe(Stream.filter(TaskResult.isSuccess))).toEqualTypeOf<
      Stream.Stream<TaskResult.Success<number, Boom>>
    >()
    expectTypeOf(stream.pipe(Stream.filter(TaskResult.isFailure))).toEqualTypeOf<
      Stream.Stream<TaskResult.Failure<number, Boom>>
    >()
    expectTypeOf(Stream.filter(stream, TaskResult.isSuccess)).toEqualTypeOf<
      Stream.Stream<TaskResult.Success<number, Boom>>
    >()
    expectTypeOf(Stream.filter(stream, TaskResult.isFailure)).toEqualTypeOf<
      Stream.Stream<TaskResult.Failure<number, Boom>>
    >()
  })

  it("narrows the results of submitBatch and runAll, with tasks of different types", () => {
    interface Db {
      readonly query: Effect.Effect<string>
    }
    const tasks: Array<Task<number, Boom> | Task<string, never, Db>> = []
    const batch = (pool: WorkerPoolService) => pool.submitBatch(tasks).pipe(Stream.filter(TaskResult.isSuccess))
    expectTypeOf(batch).returns.toEqualTypeOf<
      Stream.Stream<TaskResult.Success<number | string, Boom>, InvalidTaskError, Db>
    >()
    const values = (pool: WorkerPoolService) =>
      pool.runAll(tasks).pipe(
        Effect.map((all) => all.filter(TaskResult.isSuccess).map((r) => r.exit.value))
      )
    expectTypeOf(values).returns.toEqualTypeOf<
      Effect.Effect<Array<number | string>, InvalidTaskError, Db>
    >()
  })

  it("an if narrows both ways", () => {
    for (const r of results) {
      if (TaskResult.isSuccess(r)) {
        expectTypeOf(r.exit.value).toEqualTypeOf<number>()
      } else {
        expectTypeOf(r.exit).toEqualTypeOf<Exit.Exit<number, Errors>>()
      }
      if (TaskResult.isFailure(r)) {
        expectTypeOf(r.exit.cause).toEqualTypeOf<Cause.Cause<Errors>>()
      }
    }
  })

  it("a handle's await and join carry every error a task can settle with", () => {
    expectTypeOf<TaskHandle<number, Boom>["await"]>().toEqualTypeOf<Effect.Effect<TaskResult<number, Boom>>>()
    expectTypeOf<TaskHandle<number, Boom>["join"]>().toEqualTypeOf<Effect.Effect<number, Errors>>()
  })

  it("Priority members are their literal levels", () => {
    expectTypeOf(Priority.Low).toEqualTypeOf<0>()
    expectTypeOf(Priority.Normal).toEqualTypeOf<1>()
    expectTypeOf(Priority.High).toEqualTypeOf<2>()
    expectTypeOf(Priority.Critical).toEqualTypeOf<3>()
    expectTypeOf<Priority>().toEqualTypeOf<0 | 1 | 2 | 3>()
  })
})

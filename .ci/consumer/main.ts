// A program written as a user of the published package would write it: it
// imports the package by name and calls every public function of its main
// entry, and fails (exit code 1) if anything behaves unexpectedly.
import {
  InvalidTaskError,
  PoolConfig,
  PoolConfigError,
  PoolShutdownError,
  Priority,
  QueueFullError,
  type Task,
  TaskResult,
  TaskTimeoutError,
  WorkerPool
} from "@helixagent/concurrency"
import { Chunk, ConfigProvider, Effect, Exit, Stream } from "effect"

const check = (condition: boolean, what: string): Effect.Effect<void> =>
  condition ? Effect.void : Effect.die(new Error(`consumer check failed: ${what}`))

const program = Effect.gen(function*() {
  const pool = yield* WorkerPool
  yield* check(pool.config.workers === 2 && pool.config.name === "consumer", "pool.config")

  const handle = yield* pool.submit({ id: "a", execute: Effect.succeed(1), priority: Priority.High })
  yield* check((yield* handle.join) === 1, "submit + join")
  const awaited = yield* handle.await
  yield* check(TaskResult.isSuccess(awaited) && awaited.exit.value === 1, "await + TaskResult.isSuccess")

  const optioned = yield* pool.submit({ id: "b", execute: Effect.succeed("b") }, { overflow: "reject" })
  yield* check((yield* optioned.join) === "b", "submit with options")
  const tried = yield* pool.trySubmit({ id: "c", execute: Effect.succeed(3) })
  yield* check((yield* tried.join) === 3, "trySubmit")
  yield* check((yield* pool.run({ id: "d", execute: Effect.succeed(4), timeout: "1 second" })) === 4, "run")

  const slow = yield* pool.submit({ id: "slow", execute: Effect.never })
  yield* slow.cancel
  yield* check(TaskResult.isFailure(yield* slow.await), "cancel")

  const timedOut = yield* pool.run({ id: "late", execute: Effect.never, timeout: "10 millis" }).pipe(Effect.flip)
  yield* check(timedOut instanceof TaskTimeoutError, "TaskTimeoutError")

  const tasks: Array<Task<number, string>> = [1, 2, 3].map((n) => ({
    id: `all-${n}`,
    execute: n === 2 ? Effect.fail("two") : Effect.succeed(n)
  }))
  const results = yield* pool.runAll(tasks)
  yield* check(results.filter(TaskResult.isSuccess).map((r) => r.exit.value).join() === "1,3", "runAll")
  const streamed = yield* Stream.runCollect(
    pool.submitBatch(tasks.map((task) => ({ ...task, id: `batch-${task.id}` }))).pipe(Stream.filter(TaskResult.isFailure))
  )
  yield* check(Chunk.size(streamed) === 1, "submitBatch")

  yield* pool.pauseKey("provider", "1 second")
  yield* pool.resumeKey("provider")
  yield* check((yield* pool.run({ id: "keyed", execute: Effect.succeed(5), key: "provider" })) === 5, "keys")

  const invalid = yield* pool.submit({ id: "", execute: Effect.void }).pipe(Effect.flip)
  yield* check(invalid instanceof InvalidTaskError && invalid.field === "id", "InvalidTaskError")

  const metrics = yield* pool.metrics
  yield* check(metrics.tasksSubmitted >= 10 && metrics.tasksTimedOut === 1, "metrics")

  yield* pool.shutdown
  const refused = yield* pool.submit({ id: "after", execute: Effect.void }).pipe(Effect.flip)
  yield* check(refused instanceof PoolShutdownError, "PoolShutdownError")
  return metrics
})

const configured = Effect.gen(function*() {
  const resolved = yield* PoolConfig.resolve({ workers: 2 })
  yield* check(resolved.queueSize === PoolConfig.defaults.queueSize, "PoolConfig.resolve + defaults")
  const bad = yield* Effect.flip(PoolConfig.resolve({ workers: 0 }))
  yield* check(bad instanceof PoolConfigError && bad.field === "workers", "PoolConfigError")
  const fromEnv = yield* PoolConfig.resolveFromEnv.pipe(
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["WORKER_POOL_WORKERS", "3"]])))
  )
  yield* check(fromEnv.workers === 3, "PoolConfig.resolveFromEnv")
  yield* check(new QueueFullError({ pool: "p", taskId: "t", queueSize: 1 })._tag === "QueueFullError", "QueueFullError")
  const layered = yield* Effect.scoped(
    Effect.flatMap(WorkerPool.make({ workers: 1 }), (pool) => pool.run({ id: "made", execute: Effect.succeed(6) }))
  )
  yield* check(layered === 6, "WorkerPool.make")
  const fromConfig = yield* Effect.flatMap(WorkerPool, (pool) => Effect.succeed(pool.config.workers)).pipe(
    Effect.provide(WorkerPool.layerConfig()),
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["WORKER_POOL_WORKERS", "4"]])))
  )
  yield* check(fromConfig === 4, "WorkerPool.layerConfig")
})

const main = Effect.zipRight(configured, program.pipe(Effect.provide(WorkerPool.layer({ workers: 2, name: "consumer" }))))

Effect.runPromiseExit(main).then((exit) => {
  if (Exit.isSuccess(exit)) {
    console.log(`consumer program passed: ${exit.value.tasksSubmitted} tasks submitted`)
  } else {
    console.error(String(exit.cause))
    process.exitCode = 1
  }
})

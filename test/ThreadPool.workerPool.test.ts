/**
 * `threads.execute(request)` as the `execute` of WorkerPool tasks: the pool's
 * priorities, keys and timeouts apply to it as to any task, with real threads.
 */
import { expect, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Priority, TaskTimeoutError, WorkerPool } from "@helixagent/concurrency"
import { ThreadPool } from "@helixagent/concurrency/threads"
import { Requests, SpanInfo, Spin, Square } from "./fixtures/threads/requests.js"

const script = new URL("./fixtures/threads/thread.ts", import.meta.url)

// A CPU pool: as many workers as threads.
const CpuPool = WorkerPool.layer({ workers: 2, keyLimits: { solo: 1 } }).pipe(
  Layer.provideMerge(ThreadPool.layer({ script, schema: Requests, size: 2, startupTimeout: "60 seconds" }))
)

layer(CpuPool, { timeout: 120_000, excludeTestServices: true })("WorkerPool tasks that run on threads", (it) => {
  it.effect("queued tasks start by priority, whatever their order of submission", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool
      const threads = yield* ThreadPool
      const started: Array<string> = []
      const hash = (id: string, priority: Priority) =>
        pool.submit({
          id,
          priority,
          execute: Effect.suspend(() => {
            started.push(id)
            return threads.execute(new Spin({ millis: 30 }))
          })
        })
      // both workers busy, so the next three wait in the queue
      const blockers = [yield* hash("block-1", Priority.Normal), yield* hash("block-2", Priority.Normal)]
      const queued = [
        yield* hash("low", Priority.Low),
        yield* hash("normal", Priority.Normal),
        yield* hash("critical", Priority.Critical)
      ]
      for (const handle of [...blockers, ...queued]) expect(yield* handle.join).toBe(30)
      expect(started.slice(2)).toEqual(["critical", "normal", "low"])
    }))

  it.effect("a key's limit holds for tasks on threads: tasks of key solo never overlap", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool
      const threads = yield* ThreadPool
      const spans: Array<readonly [number, number]> = []
      const results = yield* pool.runAll(Array.from({ length: 3 }, (_, n) => ({
        id: `solo-${n}`,
        key: "solo",
        execute: Effect.gen(function*() {
          const start = Date.now()
          yield* threads.execute(new Spin({ millis: 60 }))
          spans.push([start, Date.now()])
        })
      })))
      expect(results.every((result) => result.exit._tag === "Success")).toBe(true)
      const sorted = [...spans].sort((a, b) => a[0] - b[0])
      for (let i = 1; i < sorted.length; i++) expect(sorted[i]![0]).toBeGreaterThanOrEqual(sorted[i - 1]![1])
    }))

  it.effect("the task's span is the parent of the handler's span in the thread", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool
      const threads = yield* ThreadPool
      const [task, handler] = yield* pool.run({
        id: "traced",
        execute: Effect.zip(Effect.orDie(Effect.currentSpan), threads.execute(new SpanInfo()))
      }).pipe(Effect.withSpan("request"))
      expect(task.name).toBe("WorkerPool.task")
      expect(handler.parentSpanId).toBe(task.spanId)
      expect(handler.traceId).toBe(task.traceId)
    }))

  it.effect("a synchronous loop cut by its task's timeout gives TaskTimeoutError, and the next request runs promptly", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool
      const threads = yield* ThreadPool
      const started = Date.now()
      const error = yield* Effect.flip(pool.run({
        id: "runaway",
        execute: threads.execute(new Spin({ millis: 20_000 })),
        timeout: "200 millis"
      }))
      expect(error).toBeInstanceOf(TaskTimeoutError)
      expect(error).toMatchObject({ taskId: "runaway", phase: "running" })
      expect(Date.now() - started).toBeLessThan(5_000) // not held by the 20 s loop
      const next = Date.now()
      expect(yield* pool.run({ id: "next", execute: threads.execute(new Square({ n: 9 })) })).toBe(81)
      expect(Date.now() - next).toBeLessThan(5_000)
      // the looping thread is terminated and replaced: both threads serve again, long before 20 s
      const deadline = Date.now() + 60_000
      while (Date.now() < deadline) {
        const metrics = yield* threads.metrics
        if (metrics.terminatedOnInterrupt === 1 && metrics.threads === 2) break
        yield* Effect.sleep("20 millis")
      }
      expect(yield* threads.metrics).toMatchObject({ terminatedOnInterrupt: 1, threads: 2 })
      const both = yield* pool.runAll([
        { id: "a", execute: threads.execute(new Spin({ millis: 20 })) },
        { id: "b", execute: threads.execute(new Spin({ millis: 20 })) }
      ])
      expect(both.map((result) => result.exit._tag)).toEqual(["Success", "Success"])
      expect(Date.now() - started).toBeLessThan(15_000)
    }), 90_000)
})

/**
 * ThreadPool with real threads running test/fixtures/threads/thread.ts, a
 * thread module written in TypeScript with `WorkerRunner.layerSerialized`.
 */
import { describe, expect, it, layer } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, Metric, MetricState, Option } from "effect"
import { type ThreadCrashedError, ThreadPool } from "@helixagent/concurrency/threads"
import { Bytes, Crash, Explode, NegativeInput, Requests, Sleep, SpanInfo, Spin, Square } from "./fixtures/threads/requests.js"
import { liveThreads } from "./fixtures/threads/live.js"

const script = new URL("./fixtures/threads/thread.ts", import.meta.url)

/**
 * Threads load the TypeScript module through tsx: on a loaded machine that
 * takes seconds, so start-up gets room here (speed is the benchmark's business).
 */
const startupTimeout = "60 seconds"

/** Polls `condition` on the real clock until it holds (threads start and end in real time). */
const eventually = (condition: Effect.Effect<boolean>, within = 60_000) =>
  Effect.gen(function*() {
    const deadline = Date.now() + within
    while (!(yield* condition)) {
      if (Date.now() > deadline) return yield* Effect.dieMessage("condition not reached in time")
      yield* Effect.sleep("20 millis")
    }
  })

layer(ThreadPool.layer({ script, schema: Requests, size: 2, name: "spec", startupTimeout }), {
  timeout: 120_000,
  excludeTestServices: true
})(
  "ThreadPool with two threads",
  (it) => {
    it.effect("returns the handler's typed success", () =>
      Effect.gen(function*() {
        const threads = yield* ThreadPool
        expect(yield* threads.execute(new Square({ n: 7 }))).toBe(49)
      }))

    it.effect("returns the handler's typed failure, decoded as its class", () =>
      Effect.gen(function*() {
        const threads = yield* ThreadPool
        const error = yield* Effect.flip(threads.execute(new Square({ n: -3 })))
        expect(error).toBeInstanceOf(NegativeInput)
        expect(error).toMatchObject({ _tag: "NegativeInput", value: -3 })
      }))

    it.effect("a defect in the handler is a defect of execute, with its message", () =>
      Effect.gen(function*() {
        const threads = yield* ThreadPool
        const exit = yield* Effect.exit(threads.execute(new Explode({ message: "kaboom" })))
        expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
        expect(Exit.isFailure(exit) && Cause.pretty(exit.cause)).toContain("kaboom")
      }))

    it.effect("moves transferable fields instead of copying them", () =>
      Effect.gen(function*() {
        const threads = yield* ThreadPool
        const data = new Uint8Array(4096)
        const seen = yield* threads.execute(new Bytes({ data }))
        expect(seen.length).toBe(4096)
        expect(data.byteLength).toBe(0) // detached: the buffer now belongs to the thread
      }))

    it.effect("the caller's span is the parent of the handler's span in the thread", () =>
      Effect.gen(function*() {
        const threads = yield* ThreadPool
        const [caller, handler] = yield* Effect.zip(Effect.orDie(Effect.currentSpan), threads.execute(new SpanInfo())).pipe(
          Effect.withSpan("caller")
        )
        expect(handler.parentSpanId).toBe(caller.spanId)
        expect(handler.traceId).toBe(caller.traceId)
        expect(handler.spanId).not.toBe(caller.spanId)
      }))

    it.effect("an interrupted async handler confirms in time: its thread is kept", () =>
      Effect.gen(function*() {
        const threads = yield* ThreadPool
        const before = yield* threads.metrics
        const exit = yield* Effect.exit(Effect.timeout(threads.execute(new Sleep({ millis: 10_000 })), "100 millis"))
        expect(Exit.isFailure(exit)).toBe(true)
        yield* Effect.sleep("300 millis") // past interruptGrace
        const after = yield* threads.metrics
        expect(after.terminatedOnInterrupt).toBe(before.terminatedOnInterrupt)
        expect(after.restarts).toBe(before.restarts)
        expect(yield* threads.execute(new Square({ n: 2 }))).toBe(4)
      }))

    it.effect("a thread that exits mid-request fails that request only, and a new thread replaces it", () =>
      Effect.gen(function*() {
        const threads = yield* ThreadPool
        const before = yield* threads.metrics
        const other = yield* Effect.fork(threads.execute(new Sleep({ millis: 400 })))
        yield* Effect.sleep("50 millis") // the sleeper is on one thread; the crash goes to the other
        const error: ThreadCrashedError = yield* Effect.flip(threads.execute(new Crash({ code: 3 })))
        expect(error).toMatchObject({ _tag: "ThreadCrashedError", request: "Crash", reason: "exit", exitCode: 3 })
        expect(error.threadId).toBeGreaterThan(0)
        expect(yield* Fiber.join(other)).toBe(400) // unaffected
        yield* eventually(Effect.map(threads.metrics, (metrics) => metrics.threads === 2))
        const after = yield* threads.metrics
        expect(after.crashes).toBe(before.crashes + 1)
        expect(after.restarts).toBe(before.restarts + 1)
        expect(yield* threads.execute(new Square({ n: 5 }))).toBe(25)
        const crashes = yield* Metric.value(
          Metric.counter("workerpool_thread_crashes", { incremental: true }).pipe(Metric.tagged("pool", "spec"))
        )
        expect(crashes.count).toBe(after.crashes)
      }), 90_000)

    it.effect("a synchronous loop that does not confirm its interruption is terminated; the next request runs at once", () =>
      Effect.gen(function*() {
        const threads = yield* ThreadPool
        const before = yield* threads.metrics
        const started = Date.now()
        const exit = yield* Effect.exit(Effect.timeout(threads.execute(new Spin({ millis: 10_000 })), "200 millis"))
        expect(Exit.isFailure(exit)).toBe(true)
        expect(Date.now() - started).toBeLessThan(2_000) // the caller is not held by the loop
        expect(yield* threads.execute(new Square({ n: 6 }))).toBe(36)
        yield* eventually(Effect.map(threads.metrics, (metrics) => metrics.terminatedOnInterrupt === before.terminatedOnInterrupt + 1))
        yield* eventually(Effect.map(threads.metrics, (metrics) => metrics.threads === 2))
        // two loops at once: both threads are free again, long before a 10 s loop could have ended
        const both = yield* Effect.all([threads.execute(new Spin({ millis: 50 })), threads.execute(new Spin({ millis: 50 }))], {
          concurrency: 2
        })
        expect(both).toEqual([50, 50])
        expect(Date.now() - started).toBeLessThan(9_000)
      }), 90_000)

    it.effect("updates the busy gauge and the request histogram tagged with the request's tag", () =>
      Effect.gen(function*() {
        const threads = yield* ThreadPool
        const busy = Metric.gauge("workerpool_thread_busy").pipe(Metric.tagged("pool", "spec"))
        const fiber = yield* Effect.fork(threads.execute(new Sleep({ millis: 300 })))
        yield* eventually(Effect.map(Metric.value(busy), (state) => state.value === 1))
        expect((yield* threads.metrics).busy).toBe(1)
        yield* Fiber.join(fiber)
        expect((yield* Metric.value(busy)).value).toBe(0)
        const snapshot = yield* Metric.snapshot
        const squares = snapshot.find((pair) =>
          pair.metricKey.name === "workerpool_thread_request_seconds" &&
          pair.metricKey.tags.some((tag) => tag.key === "request" && tag.value === "Square") &&
          pair.metricKey.tags.some((tag) => tag.key === "pool" && tag.value === "spec")
        )
        expect(squares !== undefined && MetricState.isHistogramState(squares.metricState)).toBe(true)
        expect((squares!.metricState as MetricState.MetricState.Histogram).count).toBeGreaterThan(0)
      }))
  }
)

describe("ThreadPool start-up and close", () => {
  it.live("a module that throws while loading fails the layer with ThreadStartError, within startupTimeout", () =>
    Effect.gen(function*() {
      const started = Date.now()
      const error = yield* Effect.flip(
        Effect.scoped(ThreadPool.make({
          script: new URL("./fixtures/threads/broken.ts", import.meta.url),
          schema: Requests,
          size: 2,
          startupTimeout
        }))
      )
      expect(error._tag).toBe("ThreadStartError")
      expect(error).toMatchObject({ reason: "error" })
      expect(error.message).toContain("the module is broken")
      expect(Date.now() - started).toBeLessThan(60_000)
      yield* eventually(Effect.sync(() => liveThreads() === 0))
    }), 90_000)

  it.live("a module that never reports ready fails with ThreadStartError at startupTimeout, and its thread is ended", () =>
    Effect.gen(function*() {
      const started = Date.now()
      const error = yield* Effect.flip(
        Effect.scoped(ThreadPool.make({
          script: new URL("./fixtures/threads/silent.mjs", import.meta.url),
          schema: Requests,
          size: 1,
          startupTimeout: "1 second"
        }))
      )
      expect(error).toMatchObject({ _tag: "ThreadStartError", reason: "timeout" })
      const elapsed = Date.now() - started
      expect(elapsed).toBeGreaterThanOrEqual(990)
      expect(elapsed).toBeLessThan(5_000)
      yield* eventually(Effect.sync(() => liveThreads() === 0))
    }))

  it.live("closing the pool leaves no thread behind and fails what was still running with ThreadCrashedError", () =>
    Effect.gen(function*() {
      const running = yield* Effect.scoped(
        Effect.gen(function*() {
          const threads = yield* ThreadPool.make({ script, schema: Requests, size: 1, maxRequestsPerThread: 2, startupTimeout })
          expect(liveThreads()).toBe(1)
          for (let n = 0; n < 3; n++) expect(yield* threads.execute(new Square({ n }))).toBe(n * n)
          const metrics = yield* threads.metrics
          expect(metrics.requests).toBe(3)
          expect(metrics.restarts).toBe(1) // recycled after two requests
          return yield* Effect.fork(threads.execute(new Spin({ millis: 5_000 })))
        })
      )
      expect(liveThreads()).toBe(0)
      const exit = yield* Fiber.await(running)
      expect(Exit.isFailure(exit) && Option.getOrUndefined(Cause.failureOption(exit.cause))).toMatchObject({
        _tag: "ThreadCrashedError",
        reason: "closed"
      })
    }), 90_000)

  it.effect("an invalid option fails with PoolConfigError naming it", () =>
    Effect.gen(function*() {
      const size = yield* Effect.flip(Effect.scoped(ThreadPool.make({ script, schema: Requests, size: 0 })))
      expect(size).toMatchObject({ _tag: "PoolConfigError", field: "size", value: 0 })
      const grace = yield* Effect.flip(Effect.scoped(ThreadPool.make({ script, schema: Requests, interruptGrace: -1 })))
      expect(grace).toMatchObject({ _tag: "PoolConfigError", field: "interruptGrace", value: -1 })
      const unknown = yield* Effect.flip(
        Effect.scoped(ThreadPool.make({ script, schema: Requests, threads: 2 } as unknown as Parameters<typeof ThreadPool.make>[0]))
      )
      expect(unknown).toMatchObject({ _tag: "PoolConfigError", field: "threads" })
      const noScript = yield* Effect.flip(Effect.scoped(ThreadPool.make({ script: "", schema: Requests })))
      expect(noScript).toMatchObject({ _tag: "PoolConfigError", field: "script" })
    }))
})

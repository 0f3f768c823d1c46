/**
 * Task spans as an OpenTelemetry backend receives them, through an
 * in-memory span exporter.
 */
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import { describe, expect, it } from "@effect/vitest"
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { SpanStatusCode } from "@opentelemetry/api"
import { Deferred, Effect, Fiber, TestClock } from "effect"
import { Priority, WorkerPool } from "../src/index.js"

const tracing = (exporter: InMemorySpanExporter) =>
  NodeSdk.layer(() => ({
    resource: { serviceName: "workerpool-test" },
    spanProcessor: new SimpleSpanProcessor(exporter)
  }))

const spanNamed = (exporter: InMemorySpanExporter, name: string, taskId?: string) => {
  const span = exporter.getFinishedSpans().find((span) =>
    span.name === name && (taskId === undefined || span.attributes["task.id"] === taskId)
  )
  expect(span, `span ${name} ${taskId ?? ""}`).toBeDefined()
  return span!
}

describe("WorkerPool task spans", () => {
  it.effect("are children of the submitter's span, with the task's attributes and outcome", () => {
    const exporter = new InMemorySpanExporter()
    return Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1, name: "traced" })
      const blocker = yield* pool.submit({ id: "blocker", execute: Effect.sleep("2 seconds") })
      const fiber = yield* Effect.fork(
        pool.run({ id: "answer", execute: Effect.succeed(42), priority: Priority.High }).pipe(
          Effect.withSpan("request")
        )
      )
      yield* TestClock.adjust("2 seconds")
      expect(yield* Fiber.join(fiber)).toBe(42)
      yield* blocker.await

      const parent = spanNamed(exporter, "request")
      const task = spanNamed(exporter, "WorkerPool.task", "answer")
      expect(task.parentSpanContext?.spanId).toBe(parent.spanContext().spanId)
      expect(task.spanContext().traceId).toBe(parent.spanContext().traceId)
      expect(task.attributes).toMatchObject({
        "task.id": "answer",
        "task.priority": Priority.High,
        "pool.name": "traced",
        "task.wait_ms": 2000,
        "task.outcome": "success"
      })
      expect(task.status.code).toBe(SpanStatusCode.OK)
      // the submit is visible on the submitter's span
      expect(parent.events.map((event) => event.name)).toContain("WorkerPool.submit")
      expect(parent.events.find((event) => event.name === "WorkerPool.submit")?.attributes).toMatchObject({
        "task.id": "answer",
        "pool.name": "traced"
      })
    }).pipe(Effect.scoped, Effect.provide(tracing(exporter)))
  })

  it.effect("mark a timed-out task as an error with outcome timeout", () => {
    const exporter = new InMemorySpanExporter()
    return Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 2, name: "traced-timeout" })
      const fiber = yield* Effect.fork(
        pool.run({ id: "slow", execute: Effect.never, timeout: "5 seconds" }).pipe(
          Effect.either,
          Effect.withSpan("request")
        )
      )
      yield* TestClock.adjust("5 seconds")
      const outcome = yield* Fiber.join(fiber)
      expect(outcome._tag).toBe("Left")

      const task = spanNamed(exporter, "WorkerPool.task", "slow")
      expect(task.parentSpanContext?.spanId).toBe(spanNamed(exporter, "request").spanContext().spanId)
      expect(task.status.code).toBe(SpanStatusCode.ERROR)
      expect(task.attributes["task.outcome"]).toBe("timeout")
    }).pipe(Effect.scoped, Effect.provide(tracing(exporter)))
  })

  it.effect("mark a defect as an error with outcome defect, and a typed failure with outcome failure", () => {
    const exporter = new InMemorySpanExporter()
    return Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 2, name: "traced-defect" })
      yield* pool.runAll([
        { id: "dies", execute: Effect.die(new Error("bug")) },
        { id: "fails", execute: Effect.fail("nope") }
      ])
      const dies = spanNamed(exporter, "WorkerPool.task", "dies")
      expect(dies.status.code).toBe(SpanStatusCode.ERROR)
      expect(dies.attributes["task.outcome"]).toBe("defect")
      expect(spanNamed(exporter, "WorkerPool.task", "fails").attributes["task.outcome"]).toBe("failure")
    }).pipe(Effect.scoped, Effect.provide(tracing(exporter)))
  })

  it.effect("are made for a root submission once a tracer is installed", () => {
    const exporter = new InMemorySpanExporter()
    return Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1, name: "traced-root" })
      yield* pool.run({ id: "root", execute: Effect.void })
      const task = spanNamed(exporter, "WorkerPool.task", "root")
      expect(task.parentSpanContext).toBeUndefined()
    }).pipe(Effect.scoped, Effect.provide(tracing(exporter)))
  })

  it.effect("are not made when no tracer is installed and the submitter is in no span", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1, name: "untraced" })
      const span = yield* pool.run({ id: "bare", execute: Effect.option(Effect.currentSpan) })
      expect(span._tag).toBe("None")
    }).pipe(Effect.scoped))

  it.effect("are made with Effect's built-in tracer when the submitter is in a span", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1, name: "native" })
      const span = yield* pool.run({ id: "inner", execute: Effect.currentSpan }).pipe(Effect.withSpan("outer"))
      expect(span.name).toBe("WorkerPool.task")
      expect(span.attributes.get("task.id")).toBe("inner")
      expect(span.parent._tag === "Some" && span.parent.value._tag === "Span" && span.parent.value.name).toBe("outer")
    }).pipe(Effect.scoped))

  it.effect("are the parent of the spans a task makes, carry the submitter's span annotations, and end after its children", () => {
    const exporter = new InMemorySpanExporter()
    return Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1, name: "nested" })
      yield* pool.run({
        id: "outer-task",
        execute: Effect.gen(function*() {
          yield* Effect.void.pipe(Effect.withSpan("inside"))
          // a child the task leaves running: interrupted when the task's fiber ends
          const started = yield* Deferred.make<void>()
          yield* Effect.fork(
            Deferred.succeed(started, undefined).pipe(
              Effect.zipRight(Effect.never),
              Effect.onInterrupt(() => Effect.sleep("1 second"))
            )
          )
          yield* Deferred.await(started)
        })
      }).pipe(Effect.annotateSpans("tenant", "acme"), Effect.withSpan("request"), Effect.fork, Effect.flatMap((fiber) =>
        Effect.zipRight(TestClock.adjust("1 second"), Fiber.join(fiber))
      ))
      const task = spanNamed(exporter, "WorkerPool.task", "outer-task")
      const inside = spanNamed(exporter, "inside")
      expect(inside.parentSpanContext?.spanId).toBe(task.spanContext().spanId)
      expect(task.attributes).toMatchObject({ tenant: "acme", "task.outcome": "success" })
      // the span ends once the fiber has ended, its interrupted child's finalizer (1 second) included
      const durationMillis = task.duration[0] * 1000 + task.duration[1] / 1e6
      expect(durationMillis).toBe(1000)
    }).pipe(Effect.scoped, Effect.provide(tracing(exporter)))
  })

  it.effect("are not made when the submitter turned tracing off", () => {
    const exporter = new InMemorySpanExporter()
    return Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1, name: "tracing-off" })
      yield* pool.run({ id: "quiet", execute: Effect.void }).pipe(Effect.withTracerEnabled(false))
      yield* pool.run({ id: "loud", execute: Effect.void })
      const names = exporter.getFinishedSpans().map((span) => span.attributes["task.id"])
      expect(names).toEqual(["loud"])
    }).pipe(Effect.scoped, Effect.provide(tracing(exporter)))
  })
})

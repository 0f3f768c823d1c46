import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import * as Tracer from "effect/Tracer"
import { Priority, type TaskHandle, WorkerPool } from "../src/index.js"
import { defectOf, failureOf, isDone, isInterruption, makeGate, makeGates, yieldMany } from "./helpers.js"

class Boom extends Error {}

describe("WorkerPool service", () => {
  it.effect("is provided by WorkerPool.layer and reached with `yield* WorkerPool`", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool
      expect(pool.config.workers).toBe(2)
      expect(pool.config.name).toBe("from-layer")
      const value = yield* pool.run({ id: "a", execute: Effect.succeed(21).pipe(Effect.map((n) => n * 2)) })
      expect(value).toBe(42)
    }).pipe(Effect.provide(WorkerPool.layer({ workers: 2, name: "from-layer" }))))

  it.scoped("WorkerPool.make returns a pool in the current scope", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      expect(yield* pool.run({ id: "a", execute: Effect.succeed("ok") })).toBe("ok")
    }))
})

describe("concurrency", () => {
  it.scoped("never runs more than `workers` tasks at once under load", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 3, queueSize: 100 })
      let running = 0
      let maxRunning = 0
      let finished = 0
      const task = (i: number) => ({
        id: `t${i}`,
        execute: Effect.gen(function*() {
          running++
          maxRunning = Math.max(maxRunning, running)
          yield* Effect.sleep("1 second")
          running--
          finished++
        })
      })
      const handles: Array<TaskHandle<void>> = []
      for (let i = 0; i < 50; i++) handles.push(yield* pool.submit(task(i)))
      yield* TestClock.adjust("16 seconds")
      expect(finished).toBe(48)
      expect(maxRunning).toBe(3)
      yield* TestClock.adjust("1 second")
      for (const handle of handles) expect(Exit.isSuccess((yield* handle.await).exit)).toBe(true)
      expect(finished).toBe(50)
      expect(maxRunning).toBe(3)
      const metrics = yield* pool.metrics
      expect(metrics.tasksCompleted).toBe(50)
      expect(metrics.running).toBe(0)
      expect(metrics.queued).toBe(0)
    }))

  it.scoped("uses every worker when there is enough work", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 3 })
      const gates = yield* makeGates(4)
      for (const [i, gate] of gates.entries()) yield* pool.submit({ id: `g${i}`, execute: gate.execute })
      yield* Effect.forEach(gates.slice(0, 3), (gate) => gate.awaitStarted)
      yield* yieldMany()
      expect(yield* gates[3]!.hasStarted).toBe(false)
      const metrics = yield* pool.metrics
      expect(metrics.running).toBe(3)
      expect(metrics.queued).toBe(1)
      yield* Effect.forEach(gates, (gate) => gate.open)
    }))

  it.scoped("starts a queued task as soon as a worker is free", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      let startedAt = -1
      yield* pool.submit({ id: "first", execute: Effect.sleep("1 second") })
      const second = yield* pool.submit({
        id: "second",
        execute: Effect.flatMap(Effect.clockWith((clock) => clock.currentTimeMillis), (now) =>
          Effect.sync(() => {
            startedAt = now
          }))
      })
      yield* TestClock.adjust("1 second")
      const result = yield* second.await
      expect(Exit.isSuccess(result.exit)).toBe(true)
      expect(startedAt).toBe(1000)
      expect(Duration.toMillis(result.waitTime)).toBe(1000)
    }))
})

describe("run", () => {
  it.scoped("submits a task and returns its value", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const fiber = yield* Effect.fork(pool.run({ id: "slow", execute: Effect.as(Effect.sleep("2 seconds"), "done") }))
      yield* TestClock.adjust("2 seconds")
      expect(yield* Fiber.join(fiber)).toBe("done")
    }))

  it.scoped("fails with the task's typed error", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const error = yield* Effect.flip(pool.run({ id: "bad", execute: Effect.fail("nope" as const) }))
      expect(error).toBe("nope")
    }))

  it.scoped("interrupting the caller cancels the task: its finalizer runs and it counts as cancelled", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const gate = yield* makeGate
      let finalized = false
      const fiber = yield* Effect.fork(
        pool.run({
          id: "long",
          execute: Effect.zipRight(gate.execute, Effect.never).pipe(Effect.ensuring(Effect.sync(() => {
            finalized = true
          })))
        })
      )
      yield* gate.awaitStarted
      yield* Fiber.interrupt(fiber)
      expect(finalized).toBe(true)
      const metrics = yield* pool.metrics
      expect(metrics.tasksCancelled).toBe(1)
      expect(metrics.tasksCompleted).toBe(0)
      expect(metrics.running).toBe(0)
      expect(yield* pool.run({ id: "after", execute: Effect.succeed(1) })).toBe(1)
    }))

  it.scoped("interrupting the caller while its task is queued removes the task", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const gate = yield* makeGate
      let ran = false
      yield* pool.submit({ id: "blocker", execute: gate.execute })
      yield* gate.awaitStarted
      const fiber = yield* Effect.fork(pool.run({ id: "queued", execute: Effect.sync(() => (ran = true)) }))
      yield* yieldMany()
      expect((yield* pool.metrics).queued).toBe(1)
      yield* Fiber.interrupt(fiber)
      expect((yield* pool.metrics).queued).toBe(0)
      yield* gate.open
      yield* yieldMany()
      expect(ran).toBe(false)
      const metrics = yield* pool.metrics
      expect(metrics.tasksCancelled).toBe(1)
      expect(metrics.tasksCompleted).toBe(1)
    }))
})

describe("TaskHandle", () => {
  it.scoped("carries the task id", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const handle = yield* pool.submit({ id: "my-task", execute: Effect.void })
      expect(handle.taskId).toBe("my-task")
      yield* handle.await
    }))

  it.scoped("await gives the result: id, priority, exit, running time and queued time", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      yield* pool.submit({ id: "first", execute: Effect.sleep("2 seconds") })
      const handle = yield* pool.submit({
        id: "second",
        priority: Priority.High,
        execute: Effect.as(Effect.sleep("3 seconds"), "value")
      })
      const awaiting = yield* Effect.fork(handle.await)
      yield* TestClock.adjust("2 seconds")
      expect(yield* isDone(awaiting)).toBe(false)
      yield* TestClock.adjust("3 seconds")
      const result = yield* Fiber.join(awaiting)
      expect(result.taskId).toBe("second")
      expect(result.priority).toBe(Priority.High)
      expect(result.exit).toStrictEqual(Exit.succeed("value"))
      expect(Duration.toMillis(result.duration)).toBe(3000)
      expect(Duration.toMillis(result.waitTime)).toBe(2000)
    }))

  it.scoped("await resolves with the same result for every caller, also after settlement", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const handle = yield* pool.submit({ id: "a", execute: Effect.as(Effect.sleep("1 second"), 7) })
      const first = yield* Effect.fork(handle.await)
      const second = yield* Effect.fork(handle.await)
      yield* TestClock.adjust("1 second")
      const a = yield* Fiber.join(first)
      const b = yield* Fiber.join(second)
      const c = yield* handle.await
      expect(a.exit).toStrictEqual(Exit.succeed(7))
      expect(b).toBe(a)
      expect(c).toBe(a)
    }))

  it.scoped("join returns the task's value", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const handle = yield* pool.submit({ id: "a", execute: Effect.succeed({ answer: 42 }) })
      expect(yield* handle.join).toStrictEqual({ answer: 42 })
    }))

  it.scoped("join fails with the task's failure", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const handle = yield* pool.submit({ id: "a", execute: Effect.fail({ reason: "bad" }) })
      expect(yield* Effect.flip(handle.join)).toStrictEqual({ reason: "bad" })
    }))

  it.scoped("cancel removes a queued task: it leaves the queue, never runs and settles as interrupted", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const gate = yield* makeGate
      let ran = false
      yield* pool.submit({ id: "blocker", execute: gate.execute })
      yield* gate.awaitStarted
      const queued = yield* pool.submit({ id: "queued", execute: Effect.sync(() => (ran = true)) })
      expect((yield* pool.metrics).queued).toBe(1)
      yield* queued.cancel
      expect((yield* pool.metrics).queued).toBe(0)
      const result = yield* queued.await
      expect(result.taskId).toBe("queued")
      expect(isInterruption(result.exit)).toBe(true)
      expect(Duration.toMillis(result.duration)).toBe(0)
      yield* gate.open
      yield* yieldMany()
      expect(ran).toBe(false)
      expect((yield* pool.metrics).tasksCancelled).toBe(1)
    }))

  it.scoped("cancel interrupts a running task and returns once it has settled", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const gate = yield* makeGate
      let finalized = false
      const handle = yield* pool.submit({
        id: "running",
        execute: Effect.zipRight(gate.execute, Effect.never).pipe(
          Effect.ensuring(Effect.zipRight(Effect.sleep("1 second"), Effect.sync(() => (finalized = true))))
        )
      })
      yield* gate.awaitStarted
      const cancelling = yield* Effect.fork(handle.cancel)
      yield* TestClock.adjust("500 millis")
      expect(yield* isDone(cancelling)).toBe(false)
      expect(finalized).toBe(false)
      yield* TestClock.adjust("500 millis")
      yield* Fiber.join(cancelling)
      expect(finalized).toBe(true)
      const result = yield* handle.await
      expect(isInterruption(result.exit)).toBe(true)
      const metrics = yield* pool.metrics
      expect(metrics.tasksCancelled).toBe(1)
      expect(metrics.running).toBe(0)
    }))

  it.scoped("cancel right after submit, before the task got to run, settles it as interrupted", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      let ran = false
      const handle = yield* pool.submit({ id: "instant", execute: Effect.sync(() => (ran = true)) })
      yield* handle.cancel
      const result = yield* handle.await
      expect(isInterruption(result.exit)).toBe(true)
      yield* yieldMany()
      expect(ran).toBe(false)
      const metrics = yield* pool.metrics
      expect(metrics.tasksCancelled).toBe(1)
      expect(metrics.running).toBe(0)
      expect(yield* pool.run({ id: "next", execute: Effect.succeed("next") })).toBe("next")
    }))

  it.scoped("a task cancelled while queued reports how long it waited", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      yield* pool.submit({ id: "hog", execute: Effect.sleep("10 seconds") })
      const queued = yield* pool.submit({ id: "queued", execute: Effect.void })
      yield* TestClock.adjust("2 seconds")
      yield* queued.cancel
      const result = yield* queued.await
      expect(Duration.toMillis(result.waitTime)).toBe(2000)
      expect(Duration.toMillis(result.duration)).toBe(0)
      yield* TestClock.adjust("8 seconds")
    }))

  it.scoped("cancelling a settled task does nothing", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const handle = yield* pool.submit({ id: "done", execute: Effect.succeed(3) })
      const before = yield* handle.await
      yield* handle.cancel
      const after = yield* handle.await
      expect(after.exit).toStrictEqual(Exit.succeed(3))
      expect(after).toBe(before)
      const metrics = yield* pool.metrics
      expect(metrics.tasksCompleted).toBe(1)
      expect(metrics.tasksCancelled).toBe(0)
    }))

  it.scoped("cancelling one running task leaves the other running tasks alone", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 3 })
      const gates = yield* makeGates(3)
      const handles: Array<TaskHandle<string>> = []
      for (const [i, gate] of gates.entries()) {
        handles.push(yield* pool.submit({ id: `t${i}`, execute: Effect.as(gate.execute, `v${i}`) }))
      }
      yield* Effect.forEach(gates, (gate) => gate.awaitStarted)
      yield* handles[1]!.cancel
      expect(isInterruption((yield* handles[1]!.await).exit)).toBe(true)
      expect((yield* pool.metrics).running).toBe(2)
      yield* gates[0]!.open
      yield* gates[2]!.open
      expect(yield* handles[0]!.join).toBe("v0")
      expect(yield* handles[2]!.join).toBe("v2")
    }))

  it.scoped("cancelling a running task does not reach the next task the pool runs", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const gate = yield* makeGate
      const first = yield* pool.submit({ id: "first", execute: Effect.zipRight(gate.execute, Effect.never) })
      const second = yield* pool.submit({ id: "second", execute: Effect.as(Effect.sleep("1 second"), "second ok") })
      const third = yield* pool.submit({ id: "third", execute: Effect.succeed("third ok") })
      yield* gate.awaitStarted
      yield* first.cancel
      yield* TestClock.adjust("1 second")
      expect(yield* second.join).toBe("second ok")
      expect(yield* third.join).toBe("third ok")
      const metrics = yield* pool.metrics
      expect(metrics.tasksCancelled).toBe(1)
      expect(metrics.tasksCompleted).toBe(2)
    }))
})

describe("task failures", () => {
  it.scoped("a typed failure becomes the task's failed result", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const handle = yield* pool.submit({ id: "fails", execute: Effect.fail(new Boom("typed")) })
      const result = yield* handle.await
      const error = failureOf(result.exit)
      expect(error).toBeInstanceOf(Boom)
      expect((error as Boom).message).toBe("typed")
    }))

  it.scoped("an exception thrown inside the task becomes a defect of its result", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const handle = yield* pool.submit({
        id: "throws",
        execute: Effect.sync((): number => {
          throw new Boom("thrown")
        })
      })
      const result = yield* handle.await
      expect(Exit.isFailure(result.exit)).toBe(true)
      const defect = defectOf(result.exit)
      expect(defect).toBeInstanceOf(Boom)
      expect((defect as Boom).message).toBe("thrown")
    }))

  it.scoped("Effect.die inside the task becomes a defect of its result", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const handle = yield* pool.submit({ id: "dies", execute: Effect.die("fatal") })
      const result = yield* handle.await
      expect(defectOf(result.exit)).toBe("fatal")
    }))

  it.scoped("the worker goes on after failures and other tasks are untouched", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 2 })
      const gate = yield* makeGate
      const bystander = yield* pool.submit({ id: "bystander", execute: Effect.as(gate.execute, "still fine") })
      yield* gate.awaitStarted
      const failing = [
        yield* pool.submit({ id: "typed", execute: Effect.fail("typed") }),
        yield* pool.submit({
          id: "thrown",
          execute: Effect.sync(() => {
            throw new Boom("thrown")
          })
        }),
        yield* pool.submit({ id: "die", execute: Effect.die("die") })
      ]
      const after = yield* pool.submit({ id: "after", execute: Effect.succeed("after ok") })
      for (const handle of failing) expect(Exit.isFailure((yield* handle.await).exit)).toBe(true)
      expect(yield* after.join).toBe("after ok")
      expect(yield* isDone(yield* Effect.fork(bystander.await))).toBe(false)
      yield* gate.open
      expect(yield* bystander.join).toBe("still fine")
      const metrics = yield* pool.metrics
      expect(metrics.tasksFailed).toBe(3)
      expect(metrics.tasksCompleted).toBe(2)
    }))
})

class Greeting extends Context.Tag("test/Greeting")<Greeting, { readonly hello: string }>() {}

describe("the submitter's context", () => {
  it.scoped("a task runs with the services provided to its submitter only", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 2 })
      const value = yield* pool.run({ id: "needs-service", execute: Effect.map(Greeting, (g) => g.hello) }).pipe(
        Effect.provideService(Greeting, { hello: "from the submitter" })
      )
      expect(value).toBe("from the submitter")
      const other = yield* pool.run({ id: "other", execute: Effect.map(Greeting, (g) => g.hello) }).pipe(
        Effect.provideService(Greeting, { hello: "another submitter" })
      )
      expect(other).toBe("another submitter")
    }))

  it.scoped("a task sees the log annotations around its submit", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const readAnnotation = Effect.map(
        FiberRef.get(FiberRef.currentLogAnnotations),
        (annotations) => HashMap.get(annotations, "requestId")
      )
      const annotated = yield* pool.run({ id: "annotated", execute: readAnnotation }).pipe(
        Effect.annotateLogs("requestId", "req-1")
      )
      expect(annotated).toStrictEqual(Option.some("req-1"))
      const plain = yield* pool.run({ id: "plain", execute: readAnnotation })
      expect(plain).toStrictEqual(Option.none())
    }))

  it.scoped("a task's span `WorkerPool.task` is a child of the submitter's span", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1, name: "traced-pool" })
      const [parent, taskSpan] = yield* Effect.gen(function*() {
        const parent = yield* Effect.currentSpan
        const taskSpan = yield* pool.run({ id: "traced", priority: Priority.High, execute: Effect.currentSpan })
        return [parent, taskSpan] as const
      }).pipe(Effect.withSpan("parent"))
      expect(taskSpan.name).toBe("WorkerPool.task")
      expect(taskSpan.attributes.get("task.id")).toBe("traced")
      expect(taskSpan.attributes.get("task.priority")).toBe(Priority.High)
      expect(taskSpan.attributes.get("pool.name")).toBe("traced-pool")
      expect(taskSpan.traceId).toBe(parent.traceId)
      const taskParent = Option.getOrThrow(taskSpan.parent)
      expect(taskParent.spanId).toBe(parent.spanId)
      expect(taskParent._tag === "Span" ? taskParent.name : undefined).toBe("parent")
    }))

  it.scoped("a task runs with the submitter's tracer", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const spans: Array<string> = []
      const native = yield* Effect.tracer
      const recording = Tracer.make({
        span: (name, parent, context, links, startTime, kind, options) => {
          spans.push(name)
          return native.span(name, parent, context, links, startTime, kind, options)
        },
        context: native.context
      })
      const name = yield* pool.run({
        id: "uses-tracer",
        execute: Effect.map(Effect.tracer, (tracer) => (tracer === recording ? "recording" : "other"))
      }).pipe(Effect.withTracer(recording))
      expect(name).toBe("recording")
      expect(spans).toContain("WorkerPool.task")
    }))

  it.scoped("a task submitted from an uninterruptible region can still be cancelled and time out", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 2 })
      const gate = yield* makeGate
      const [cancellable, timed] = yield* Effect.uninterruptible(Effect.all([
        pool.submit({ id: "cancellable", execute: Effect.zipRight(gate.execute, Effect.never) }),
        pool.submit({ id: "timed", timeout: "1 second", execute: Effect.never })
      ]))
      yield* gate.awaitStarted
      yield* cancellable.cancel
      expect(isInterruption((yield* cancellable.await).exit)).toBe(true)
      yield* TestClock.adjust("1 second")
      expect(failureOf((yield* timed.await).exit)?._tag).toBe("TaskTimeoutError")
    }))

  it.scoped("a FiberRef set by one task does not leak into the next task of the same submitter", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const ref = FiberRef.unsafeMake(0)
      const gate = yield* makeGate
      const first = yield* pool.submit({
        id: "sets",
        execute: Effect.gen(function*() {
          yield* FiberRef.set(ref, 42)
          yield* FiberRef.update(FiberRef.currentLogAnnotations, (annotations) => HashMap.set(annotations, "leaked", "yes"))
          yield* gate.execute
          return yield* FiberRef.get(ref)
        })
      })
      const second = yield* pool.submit({
        id: "reads",
        execute: Effect.all([
          FiberRef.get(ref),
          Effect.map(FiberRef.get(FiberRef.currentLogAnnotations), (annotations) => HashMap.has(annotations, "leaked"))
        ])
      })
      yield* gate.awaitStarted
      yield* gate.open
      expect(yield* first.join).toBe(42)
      expect(yield* second.join).toStrictEqual([0, false])
      expect(yield* FiberRef.get(ref)).toBe(0)
    }))

  it.scoped("fibers a task forked are interrupted when the task ends, as a task's own fiber would do", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const started = yield* Deferred.make<void>()
      const interrupted = yield* Deferred.make<void>()
      const heartbeat = Deferred.succeed(started, undefined).pipe(
        Effect.zipRight(Effect.never),
        Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined))
      )
      yield* pool.run({ id: "forks", execute: Effect.zipRight(Effect.fork(heartbeat), Deferred.await(started)) })
      yield* Deferred.await(interrupted)
      expect(yield* Deferred.isDone(interrupted)).toBe(true)
      // the worker goes on with the next task
      expect(yield* pool.run({ id: "next", execute: Effect.succeed("next") })).toBe("next")
    }))

  it.scoped("a task's own FiberRef changes are not seen by its callback, which runs with the submitter's refs", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 1 })
      const ref = FiberRef.unsafeMake("submitter")
      const seen = yield* Deferred.make<string>()
      yield* pool.run({
        id: "sets-then-callback",
        execute: FiberRef.set(ref, "task"),
        callback: () => Effect.flatMap(FiberRef.get(ref), (value) => Deferred.succeed(seen, value))
      })
      expect(yield* Deferred.await(seen)).toBe("submitter")
    }))
})


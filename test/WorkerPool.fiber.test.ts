/**
 * A task is a fiber: whatever a task can observe of the fiber it runs on
 * (its id, its children, its runtime flags, its fiber refs, a handle on it)
 * is what the same effect would observe on a fiber of its own, forked by the
 * submitter at the moment it submitted. Each test shows the reference first,
 * the effect run with `Effect.fork` (awaited with `Fiber.await`), then the
 * pool doing the same.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as FiberRef from "effect/FiberRef"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"
import * as RuntimeFlags from "effect/RuntimeFlags"
import * as RuntimeFlagsPatch from "effect/RuntimeFlagsPatch"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import type * as Tracer from "effect/Tracer"
import { type TaskResult, WorkerPool, type WorkerPoolService } from "../src/index.js"
import { failureOf, isDone, isInterruption, makeGate, makePool, yieldMany } from "./helpers.js"

type AnyFiber = Fiber.RuntimeFiber<unknown, unknown>

/** The fiber the current effect runs on. */
const ownFiber: Effect.Effect<AnyFiber> = Effect.withFiberRuntime((fiber) => Effect.succeed(fiber as AnyFiber))

/** The fibers the current fiber has forked and that are still alive. */
const ownChildren: Effect.Effect<Array<AnyFiber>> = Effect.withFiberRuntime((fiber) => fiber.children)

const threadName = (fiber: AnyFiber): string => FiberId.threadName(fiber.id())

/**
 * An effect that hands out the fiber it runs on through a Deferred, then
 * goes on with `then`.
 */
const selfReporting = <A>(then: Effect.Effect<A>) =>
  Effect.map(Deferred.make<AnyFiber>(), (fiber) => ({
    fiber,
    execute: Effect.zipRight(Effect.flatMap(ownFiber, (own) => Deferred.succeed(fiber, own)), then)
  }))

class Greeting extends Context.Tag("test/fiber/Greeting")<Greeting, { readonly hello: string }>() {}

describe("a task runs on a fiber of its own", () => {
  it.scoped("its fiber id is its own: consecutive tasks on one worker differ, and differ from the submitter", () =>
    Effect.gen(function*() {
      const submitter = FiberId.threadName(yield* Effect.fiberId)

      // Reference: two forks, one after the other.
      const forkA = FiberId.threadName(yield* Fiber.join(yield* Effect.fork(Effect.fiberId)))
      const forkB = FiberId.threadName(yield* Fiber.join(yield* Effect.fork(Effect.fiberId)))
      expect(new Set([submitter, forkA, forkB]).size).toBe(3)

      // The pool: two tasks submitted together run one after the other on its only worker.
      const pool = yield* makePool({ workers: 1 })
      const a = yield* pool.submit({ id: "a", execute: Effect.fiberId })
      const b = yield* pool.submit({ id: "b", execute: Effect.fiberId })
      const taskA = FiberId.threadName(yield* a.join)
      const taskB = FiberId.threadName(yield* b.join)
      expect(taskA, "task a's fiber is not the submitter's").not.toBe(submitter)
      expect(taskB, "task b's fiber is not the submitter's").not.toBe(submitter)
      expect(taskB, "task b runs on a fiber of its own, not on task a's").not.toBe(taskA)
    }))
})

describe("when a task ends, the fibers it forked are interrupted and awaited", () => {
  /**
   * Forks a child that runs until interrupted and then takes a second (on
   * the clock) to finalize, and returns as soon as the child is running.
   */
  const forksSlowToStopChild = (events: Array<string>) =>
    Effect.gen(function*() {
      const started = yield* Deferred.make<void>()
      yield* Effect.fork(
        Deferred.succeed(started, undefined).pipe(
          Effect.zipRight(Effect.never),
          // an interruption finalizer: uninterruptible, as every finalizer is
          Effect.onInterrupt(() =>
            Effect.sleep("1 second").pipe(Effect.zipRight(Effect.sync(() => events.push("child finalized"))))
          )
        )
      )
      yield* Deferred.await(started)
      events.push("task returned")
      return "value"
    })

  it.scoped("a child's interruption finalizer has ended before handle.await returns and before the callback runs", () =>
    Effect.gen(function*() {
      // Reference: the forked fiber ends only once its child's finalizer has run.
      const reference: Array<string> = []
      const forked = yield* Effect.fork(forksSlowToStopChild(reference))
      expect(yield* isDone(forked)).toBe(false)
      expect(reference).toStrictEqual(["task returned"])
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.await(forked)).toStrictEqual(Exit.succeed("value"))
      reference.push("awaited")
      expect(reference).toStrictEqual(["task returned", "child finalized", "awaited"])

      // The pool: the task settles (callback, then handle) only after its child's finalizer.
      const pool = yield* makePool({ workers: 1 })
      const events: Array<string> = []
      const handle = yield* pool.submit({
        id: "forks",
        execute: forksSlowToStopChild(events),
        callback: () => Effect.sync(() => events.push("callback"))
      })
      const awaiting = yield* Effect.fork(handle.await)
      expect(yield* isDone(awaiting), "handle.await returned while the task's child was still finalizing").toBe(false)
      expect(events, "the callback ran while the task's child was still finalizing").toStrictEqual(["task returned"])
      yield* TestClock.adjust("1 second")
      const result = yield* Fiber.join(awaiting)
      events.push("awaited")
      expect(result.exit).toStrictEqual(Exit.succeed("value"))
      expect(events).toStrictEqual(["task returned", "child finalized", "callback", "awaited"])
    }))

  it.scoped("an uninterruptible child of task 1 has ended before task 2 starts; task 2's fiber has only its own children", () =>
    Effect.gen(function*() {
      const task1 = (events: Array<string>) =>
        Effect.gen(function*() {
          const started = yield* Deferred.make<void>()
          yield* Effect.fork(Effect.uninterruptible(
            Deferred.succeed(started, undefined).pipe(
              Effect.zipRight(Effect.sleep("1 second")),
              Effect.zipRight(Effect.sync(() => events.push("child of task 1 ended")))
            )
          ))
          yield* Deferred.await(started)
          events.push("task 1 returned")
        })
      const task2 = (events: Array<string>) =>
        Effect.gen(function*() {
          events.push("task 2 started")
          const own = yield* Effect.fork(Effect.never)
          const children = yield* ownChildren
          return { own: threadName(own), children: children.map(threadName) }
        })

      // Reference: a fiber for task 1, awaited, then a fiber for task 2.
      const reference: Array<string> = []
      const fork1 = yield* Effect.fork(task1(reference))
      expect(yield* isDone(fork1)).toBe(false)
      yield* TestClock.adjust("1 second")
      yield* Fiber.await(fork1)
      const referenceSeen = yield* Fiber.join(yield* Effect.fork(task2(reference)))
      expect(referenceSeen.children).toStrictEqual([referenceSeen.own])
      expect(reference).toStrictEqual(["task 1 returned", "child of task 1 ended", "task 2 started"])

      // The pool, one worker: task 2 waits for task 1's fiber, child included.
      const pool = yield* makePool({ workers: 1 })
      const events: Array<string> = []
      yield* pool.submit({ id: "task-1", execute: task1(events) })
      const second = yield* pool.submit({ id: "task-2", execute: task2(events) })
      yield* yieldMany()
      expect(events, "task 2 started while task 1's uninterruptible child was still running").toStrictEqual([
        "task 1 returned"
      ])
      yield* TestClock.adjust("1 second")
      const seen = yield* second.join
      expect(seen.children, "task 2's fiber has children it did not fork").toStrictEqual([seen.own])
      expect(events).toStrictEqual(["task 1 returned", "child of task 1 ended", "task 2 started"])
    }))
})

describe("a handle on a task's own fiber", () => {
  it.scoped("Fiber.await on it gives the task's own exit as soon as the task settled, while the pool runs other tasks", () =>
    Effect.gen(function*() {
      // Reference: the fiber taken inside the effect is the forked fiber itself.
      const ref = yield* selfReporting(Effect.succeed("a"))
      const forked = yield* Effect.fork(ref.execute)
      const inside = yield* Deferred.await(ref.fiber)
      expect(inside).toBe(forked)
      const refGate = yield* makeGate
      const other = yield* Effect.fork(refGate.execute)
      yield* refGate.awaitStarted
      expect(yield* Fiber.await(inside)).toStrictEqual(Exit.succeed("a"))
      yield* refGate.open
      yield* Fiber.join(other)

      // The pool, one worker: task a settles, task b runs next and blocks.
      const pool = yield* makePool({ workers: 1 })
      const a = yield* selfReporting(Effect.succeed("a"))
      const gate = yield* makeGate
      const handleA = yield* pool.submit({ id: "a", execute: a.execute })
      const handleB = yield* pool.submit({ id: "b", execute: Effect.as(gate.execute, "b") })
      expect((yield* handleA.await).exit).toStrictEqual(Exit.succeed("a"))
      const fiberA = yield* Deferred.await(a.fiber)
      expect(yield* Fiber.poll(fiberA), "task a's fiber is done once task a has settled").toStrictEqual(
        Option.some(Exit.succeed("a"))
      )
      yield* gate.awaitStarted
      const awaiting = yield* Effect.fork(Fiber.await(fiberA))
      expect(yield* isDone(awaiting), "Fiber.await on task a's fiber waits for task b").toBe(true)
      expect(yield* Fiber.join(awaiting)).toStrictEqual(Exit.succeed("a"))
      yield* gate.open
      expect(yield* handleB.join).toBe("b")
    }))

  it.scoped("Fiber.interrupt on a finished task's fiber does not affect the task that runs next", () =>
    Effect.gen(function*() {
      // Reference: interrupting a finished fiber returns its exit and touches nothing else.
      const ref = yield* selfReporting(Effect.succeed("a"))
      const refGate = yield* makeGate
      yield* Fiber.await(yield* Effect.fork(ref.execute))
      const refNext = yield* Effect.fork(Effect.as(refGate.execute, "b"))
      yield* refGate.awaitStarted
      expect(yield* Fiber.interrupt(yield* Deferred.await(ref.fiber))).toStrictEqual(Exit.succeed("a"))
      expect(yield* isDone(refNext)).toBe(false)
      yield* refGate.open
      expect(yield* Fiber.await(refNext)).toStrictEqual(Exit.succeed("b"))

      // The pool, one worker: task a settles, task b runs next on the pool.
      const pool = yield* makePool({ workers: 1 })
      const a = yield* selfReporting(Effect.succeed("a"))
      const gate = yield* makeGate
      const handleA = yield* pool.submit({ id: "a", execute: a.execute })
      const handleB = yield* pool.submit({ id: "b", execute: Effect.as(gate.execute, "b") })
      yield* handleA.await
      yield* gate.awaitStarted
      const interrupting = yield* Effect.fork(Fiber.interrupt(yield* Deferred.await(a.fiber)))
      expect(yield* isDone(interrupting), "interrupting task a's finished fiber waits for task b").toBe(true)
      expect(yield* Fiber.join(interrupting), "interrupting task a's finished fiber gives task a's exit").toStrictEqual(
        Exit.succeed("a")
      )
      expect(yield* isDone(yield* Effect.fork(handleB.await)), "task b was cut short").toBe(false)
      yield* gate.open
      expect((yield* handleB.await).exit).toStrictEqual(Exit.succeed("b"))
      expect(yield* pool.run({ id: "after", execute: Effect.succeed("after") })).toBe("after")
    }))

  it.scoped("Fiber.interrupt on a running task's fiber (a watchdog) interrupts that task only; the pool goes on", () =>
    Effect.gen(function*() {
      // Reference: interrupting one fiber leaves the others, and later ones, alone.
      const ref = yield* selfReporting(Effect.never)
      const refGate = yield* makeGate
      const refStuck = yield* Effect.fork(ref.execute)
      const refOther = yield* Effect.fork(Effect.as(refGate.execute, "b"))
      yield* refGate.awaitStarted
      expect(isInterruption(yield* Fiber.interrupt(yield* Deferred.await(ref.fiber)))).toBe(true)
      expect(isInterruption(yield* Fiber.await(refStuck))).toBe(true)
      expect(yield* Fiber.join(yield* Effect.fork(Effect.succeed("c")))).toBe("c")
      expect(yield* isDone(refOther)).toBe(false)
      yield* refGate.open
      expect(yield* Fiber.join(refOther)).toBe("b")

      // The pool, two workers: a (stuck) and b (gated) run, c is queued.
      const pool = yield* makePool({ workers: 2 })
      const a = yield* selfReporting(Effect.never)
      const gate = yield* makeGate
      const handleA = yield* pool.submit({ id: "a", execute: a.execute })
      const handleB = yield* pool.submit({ id: "b", execute: Effect.as(gate.execute, "b") })
      const handleC = yield* pool.submit({ id: "c", execute: Effect.succeed("c") })
      const fiberA = yield* Deferred.await(a.fiber)
      yield* gate.awaitStarted
      expect((yield* pool.metrics).queued).toBe(1)
      const watchdog = yield* Effect.fork(Fiber.interrupt(fiberA))
      expect(isInterruption((yield* handleA.await).exit), "task a ends interrupted").toBe(true)
      expect((yield* handleC.await).exit, "task c, queued when a was interrupted, is not").toStrictEqual(
        Exit.succeed("c")
      )
      expect(isInterruption(yield* Fiber.join(watchdog)), "the watchdog sees task a's fiber end interrupted").toBe(true)
      expect(yield* isDone(yield* Effect.fork(handleB.await)), "task b is still running").toBe(false)
      yield* gate.open
      expect((yield* handleB.await).exit).toStrictEqual(Exit.succeed("b"))
      expect(yield* pool.run({ id: "d", execute: Effect.succeed("d") })).toBe("d")
      expect((yield* pool.metrics).running).toBe(0)
    }))
})

describe("runtime flags", () => {
  const disablesCooperativeYielding = Effect.zipRight(
    Effect.patchRuntimeFlags(RuntimeFlagsPatch.disable(RuntimeFlags.CooperativeYielding)),
    Effect.getRuntimeFlags
  )

  it.scoped("flags a task patches do not leak into the next task on the same worker", () =>
    Effect.gen(function*() {
      const submitter = yield* Effect.getRuntimeFlags

      // Reference: each fork starts from the flags of the fiber that forks it.
      // (`Fiber.await`, like a task's handle: `Fiber.join` would copy the
      // child's flags into the joining fiber.)
      const flagsOfFork = <E>(effect: Effect.Effect<RuntimeFlags.RuntimeFlags, E>) =>
        Effect.flatMap(Effect.flatMap(Effect.fork(effect), Fiber.await), (exit) => exit)
      const refBefore = yield* flagsOfFork(Effect.getRuntimeFlags)
      const refPatched = yield* flagsOfFork(disablesCooperativeYielding)
      const refAfter = yield* flagsOfFork(Effect.getRuntimeFlags)
      expect(RuntimeFlags.cooperativeYielding(refPatched)).toBe(false)
      expect(RuntimeFlags.cooperativeYielding(refAfter)).toBe(true)
      expect(refAfter).toBe(refBefore)

      // The pool, one worker: three tasks one after the other.
      const pool = yield* makePool({ workers: 1 })
      const before = yield* pool.submit({ id: "before", execute: Effect.getRuntimeFlags })
      const patching = yield* pool.submit({ id: "patches", execute: disablesCooperativeYielding })
      const after = yield* pool.submit({ id: "after", execute: Effect.getRuntimeFlags })
      const flagsBefore = yield* before.join
      expect(flagsBefore, "a task runs with the flags a fork would have").toBe(refBefore)
      expect(RuntimeFlags.cooperativeYielding(yield* patching.join)).toBe(false)
      const flagsAfter = yield* after.join
      expect(RuntimeFlags.cooperativeYielding(flagsAfter), "the patch of the previous task leaked").toBe(true)
      expect(RuntimeFlags.toSet(flagsAfter)).toStrictEqual(RuntimeFlags.toSet(flagsBefore))
      expect(yield* Effect.getRuntimeFlags).toBe(submitter)
    }))
})

describe("fiber refs", () => {
  /** Mutable per-fiber scratch space: its fork gives each fiber a copy of its own. */
  interface Scratch {
    readonly depth: number
    readonly notes: Array<string>
  }

  it.scoped("a FiberRef's fork runs once per task, as Effect.fork runs it; a set in one task is seen by no one else", () =>
    Effect.gen(function*() {
      const counter = FiberRef.unsafeMake(0, { fork: (n) => n + 1 })
      const scratch = FiberRef.unsafeMake<Scratch>({ depth: 0, notes: [] }, {
        fork: (parent) => ({ depth: parent.depth + 1, notes: [...parent.notes] })
      })
      yield* FiberRef.set(counter, 10)
      const submitterScratch: Scratch = { depth: 10, notes: ["submitter"] }
      yield* FiberRef.set(scratch, submitterScratch)
      const body = (id: string) =>
        Effect.gen(function*() {
          const n = yield* FiberRef.get(counter)
          const own = yield* FiberRef.get(scratch)
          own.notes.push(id)
          yield* FiberRef.set(counter, 100)
          yield* FiberRef.set(scratch, { depth: 100, notes: ["set by " + id] })
          return { n, depth: own.depth, notes: [...own.notes] }
        })
      const expected = (id: string) => ({ n: 11, depth: 11, notes: ["submitter", id] })

      // Reference: each fork sees the submitter's values forked once. `Fiber.await`,
      // like a task's handle, does not join the child's refs into the submitter.
      for (const id of ["r1", "r2", "r3"]) {
        expect(yield* Fiber.await(yield* Effect.fork(body(id)))).toStrictEqual(Exit.succeed(expected(id)))
      }
      expect(yield* FiberRef.get(counter)).toBe(10)
      expect(yield* FiberRef.get(scratch)).toBe(submitterScratch)
      expect(submitterScratch.notes).toStrictEqual(["submitter"])

      // The pool, one worker: three tasks one after the other.
      const pool = yield* makePool({ workers: 1 })
      const handles = []
      for (const id of ["t1", "t2", "t3"]) handles.push(yield* pool.submit({ id, execute: body(id) }))
      for (const [i, handle] of handles.entries()) {
        const id = handle.taskId
        expect((yield* handle.await).exit, `task ${i + 1} sees the submitter's refs forked once`).toStrictEqual(
          Exit.succeed(expected(id))
        )
      }
      expect(yield* FiberRef.get(counter)).toBe(10)
      expect(yield* FiberRef.get(scratch)).toBe(submitterScratch)
      expect(submitterScratch.notes).toStrictEqual(["submitter"])
    }))

  it.scoped("fiber refs are captured at submit, as a fork at that moment would capture them", () =>
    Effect.gen(function*() {
      // Reference: a fork made while the ref is 1 sees 1, whatever the forker does next.
      const refRef = FiberRef.unsafeMake(0)
      yield* FiberRef.set(refRef, 1)
      const refGate = yield* makeGate
      const forked = yield* Effect.fork(Effect.zipRight(Deferred.await(refGate.release), FiberRef.get(refRef)))
      yield* FiberRef.set(refRef, 2)
      yield* refGate.open
      expect(yield* Fiber.await(forked)).toStrictEqual(Exit.succeed(1))

      // The pool, busy: the task is queued while the ref is 1 and runs once it is 2.
      const ref = FiberRef.unsafeMake(0)
      const pool = yield* makePool({ workers: 1 })
      const blocker = yield* makeGate
      yield* pool.submit({ id: "blocker", execute: blocker.execute })
      yield* blocker.awaitStarted
      yield* FiberRef.set(ref, 1)
      const queued = yield* pool.submit({ id: "reads", execute: FiberRef.get(ref) })
      yield* FiberRef.set(ref, 2)
      yield* yieldMany()
      expect((yield* pool.metrics).queued).toBe(1)
      yield* blocker.open
      expect(yield* queued.join).toBe(1)
      expect(yield* FiberRef.get(ref)).toBe(2)
    }))

  it.scoped("services, log annotations and the current span of the submitter are seen by the task", () =>
    Effect.gen(function*() {
      const observe = Effect.all({
        hello: Effect.map(Greeting, (greeting) => greeting.hello),
        requestId: Effect.map(FiberRef.get(FiberRef.currentLogAnnotations), HashMap.get("requestId")),
        span: Effect.orDie(Effect.currentSpan)
      })
      const inSubmitterContext = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
        Effect.all({ parent: Effect.orDie(Effect.currentSpan), value: effect }).pipe(
          Effect.provideService(Greeting, { hello: "submitter" }),
          Effect.annotateLogs("requestId", "req-7"),
          Effect.withSpan("submitter")
        )
      const parentOf = (span: Tracer.Span) => Option.getOrUndefined(span.parent)?.spanId

      // Reference: forked inside the submitter's context, awaited outside it.
      const reference = yield* inSubmitterContext(Effect.fork(observe))
      const referenceSeen = yield* Fiber.join(reference.value)
      expect(referenceSeen.hello).toBe("submitter")
      expect(referenceSeen.requestId).toStrictEqual(Option.some("req-7"))
      expect(referenceSeen.span.spanId).toBe(reference.parent.spanId)

      // The pool, busy: submitted inside the context, run after the context has ended.
      const pool = yield* makePool({ workers: 1 })
      const blocker = yield* makeGate
      yield* pool.submit({ id: "blocker", execute: blocker.execute })
      yield* blocker.awaitStarted
      const submitted = yield* inSubmitterContext(pool.submit({ id: "observes", execute: observe }))
      yield* blocker.open
      const seen = yield* submitted.value.join
      expect(seen.hello).toBe("submitter")
      expect(seen.requestId).toStrictEqual(Option.some("req-7"))
      expect(seen.span.name).toBe("WorkerPool.task")
      expect(seen.span.traceId).toBe(submitted.parent.traceId)
      expect(parentOf(seen.span), "the task's span is a child of the submitter's").toBe(submitted.parent.spanId)
    }))
})

describe("interruption of a task submitted from an uninterruptible region", () => {
  it.scoped("the task can still be cancelled and time out (the pool enables interruption on purpose)", () =>
    Effect.gen(function*() {
      const interruptible = Effect.map(Effect.getRuntimeFlags, RuntimeFlags.interruption)

      // Reference: a plain fork from an uninterruptible region inherits it...
      const plain = yield* Effect.uninterruptible(Effect.fork(interruptible))
      expect(yield* Fiber.join(plain)).toBe(false)
      // ... which the pool does not copy: a task behaves as a fork of an interruptible effect.
      const refStarted = yield* Deferred.make<void>()
      const refFork = yield* Effect.uninterruptible(
        Effect.fork(Effect.interruptible(Effect.zipRight(Deferred.succeed(refStarted, undefined), Effect.never)))
      )
      yield* Deferred.await(refStarted)
      expect(isInterruption(yield* Fiber.interrupt(refFork))).toBe(true)

      // The pool.
      const pool = yield* makePool({ workers: 2 })
      const gate = yield* makeGate
      const [reads, cancellable, timed] = yield* Effect.uninterruptible(Effect.all([
        pool.submit({ id: "reads-flags", execute: interruptible }),
        pool.submit({ id: "cancellable", execute: Effect.zipRight(gate.execute, Effect.never) }),
        pool.submit({ id: "timed", timeout: "1 second", execute: Effect.never })
      ]))
      expect(yield* reads.join).toBe(true)
      yield* gate.awaitStarted
      yield* cancellable.cancel
      expect(isInterruption((yield* cancellable.await).exit)).toBe(true)
      yield* yieldMany()
      yield* TestClock.adjust("1 second")
      expect(failureOf((yield* timed.await).exit)?._tag).toBe("TaskTimeoutError")
    }))
})

describe("nothing of a submitter stays reachable", () => {
  const exposedGc = (globalThis as { gc?: () => void }).gc

  /** Several turns of the event loop, each ending with a full collection. */
  const collectGarbage = Effect.promise(async () => {
    for (let round = 0; round < 6; round++) {
      await new Promise<void>((resolve) => setImmediate(resolve))
      exposedGc!()
    }
  })

  /**
   * Runs `use` with a Greeting service made for it alone, and returns a weak
   * reference to that service: nothing else keeps the service.
   */
  const withSubmitterOnlyService = <E>(use: Effect.Effect<unknown, E, Greeting>) =>
    Effect.suspend(() => {
      const service = { hello: "submitter only" }
      const weak = new WeakRef(service)
      return use.pipe(Effect.provideService(Greeting, service), Effect.as(weak))
    })

  const greet = Effect.map(Greeting, (greeting) => greeting.hello)

  it.live("a service provided only to the submitter is collected once its tasks settled and its pool closed", () =>
    Effect.gen(function*() {
      expect(exposedGc, "vitest.config.ts passes --expose-gc to the test processes").toBeTypeOf("function")

      // Reference: forked fibers, awaited, then dropped.
      const reference = yield* withSubmitterOnlyService(
        Effect.gen(function*() {
          const fibers = [yield* Effect.fork(greet), yield* Effect.fork(Effect.zipRight(greet, Effect.fail("no")))]
          for (const fiber of fibers) yield* Fiber.await(fiber)
        })
      )
      yield* collectGarbage
      expect(reference.deref(), "reference: the service is collected").toBeUndefined()

      // The pool: made outside the submitter's context; its scope closes after the tasks settled.
      const submitter = (pool: WorkerPoolService) =>
        Effect.gen(function*() {
          const gate = yield* makeGate
          const blocker = yield* pool.submit({ id: "blocker", execute: Effect.zipRight(gate.execute, greet) })
          const queued = yield* pool.submit({
            id: "queued",
            execute: greet,
            callback: (result: TaskResult<string>) => Effect.sync(() => void result.taskId)
          })
          const failing = yield* pool.submit({ id: "failing", execute: Effect.zipRight(greet, Effect.fail("no")) })
          const cancelled = yield* pool.submit({ id: "cancelled", execute: greet })
          yield* cancelled.cancel
          yield* gate.open
          yield* Effect.all([blocker.await, queued.await, failing.await])
          yield* pool.run({ id: "run", execute: greet })
          yield* pool.runAll([{ id: "all-1", execute: greet }, { id: "all-2", execute: greet }])
          yield* Stream.runDrain(pool.submitBatch([{ id: "batch-1", execute: greet }, { id: "batch-2", execute: greet }]))
        })
      const weak = yield* Effect.scoped(
        Effect.flatMap(WorkerPool.make({ workers: 1 }), (pool) => withSubmitterOnlyService(submitter(pool)))
      )
      yield* collectGarbage
      expect(weak.deref(), "the pool keeps the submitter's service reachable").toBeUndefined()
    }))

  it.live("an idle pool that is still open keeps nothing of a submitter whose tasks have settled", () =>
    Effect.gen(function*() {
      const pool = yield* WorkerPool.make({ workers: 2 })
      const weak = yield* withSubmitterOnlyService(
        Effect.gen(function*() {
          yield* pool.run({ id: "one", execute: greet })
          yield* pool.runAll([{ id: "two", execute: greet }, { id: "three", execute: greet }])
        })
      )
      yield* collectGarbage
      expect(weak.deref(), "the open pool keeps the settled submitter's service reachable").toBeUndefined()
      // the pool still works afterwards
      expect(yield* pool.run({ id: "four", execute: Effect.succeed(4) })).toBe(4)
    }).pipe(Effect.scoped))
})

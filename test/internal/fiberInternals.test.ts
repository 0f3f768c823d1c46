/**
 * The pool reads and swaps a fiber's refs through members of effect's
 * `FiberRuntime` that are not public API. These tests fail if an effect
 * release changes them.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as FiberRefs from "effect/FiberRefs"
import * as Option from "effect/Option"
import { currentFiberRefs, interruptChildren, replaceFiberRefs, sameFiberRefs } from "../../src/internal/fiberInternals.js"

const ref = FiberRef.unsafeMake(0)

const readRefs = Effect.withFiberRuntime<FiberRefs.FiberRefs>((fiber) => Effect.succeed(currentFiberRefs(fiber)))

class Service extends Context.Tag("test/Service")<Service, { readonly name: string }>() {}

describe("fiberInternals", () => {
  it.effect("currentFiberRefs returns the same object across reads when no ref changed", () =>
    Effect.withFiberRuntime((fiber) => {
      const first = currentFiberRefs(fiber)
      const second = currentFiberRefs(fiber)
      expect(first).toBeDefined()
      expect(second).toBe(first)
      return Effect.void
    }))

  it.effect("currentFiberRefs returns a different object after a FiberRef.set", () =>
    Effect.gen(function*() {
      const before = yield* readRefs
      const unchanged = yield* readRefs
      expect(unchanged).toBe(before)
      yield* FiberRef.set(ref, 1)
      const after = yield* readRefs
      expect(after).not.toBe(before)
      expect(Option.getOrUndefined(FiberRefs.get(after, ref))).toBe(1)
      expect(FiberRefs.getOrDefault(before, ref)).toBe(0)
    }))

  it.effect("currentFiberRefs is the refs the fiber reads its values from", () =>
    Effect.gen(function*() {
      yield* FiberRef.set(ref, 7)
      const refs = yield* readRefs
      expect(FiberRefs.getOrDefault(refs, ref)).toBe(7)
    }))

  it.effect("replaceFiberRefs swaps all of a fiber's refs at once", () =>
    Effect.gen(function*() {
      const other = FiberRef.unsafeMake("initial")
      yield* FiberRef.set(ref, 1)
      const saved = yield* readRefs
      yield* FiberRef.set(ref, 2)
      yield* FiberRef.set(other, "changed")
      expect(yield* FiberRef.get(ref)).toBe(2)
      yield* Effect.withFiberRuntime((fiber) => {
        replaceFiberRefs(fiber, saved)
        expect(currentFiberRefs(fiber)).toBe(saved)
        return Effect.void
      })
      expect(yield* FiberRef.get(ref)).toBe(1)
      expect(yield* FiberRef.get(other)).toBe("initial")
    }))

  it.effect("replaceFiberRefs refreshes what the fiber caches from its refs, such as its services", () =>
    Effect.gen(function*() {
      const saved = yield* readRefs
      const [inside, afterSwap] = yield* Effect.provideService(
        Effect.gen(function*() {
          const inside = yield* Effect.serviceOption(Service)
          const afterSwap = yield* Effect.withFiberRuntime<Option.Option<{ readonly name: string }>>((fiber) => {
            replaceFiberRefs(fiber, saved)
            return Effect.serviceOption(Service)
          })
          return [inside, afterSwap] as const
        }),
        Service,
        { name: "provided" }
      )
      expect(Option.isSome(inside)).toBe(true)
      expect(Option.isNone(afterSwap)).toBe(true)
    }))

  it.effect("interruptChildren interrupts the running fibers a fiber forked, and only those", () =>
    Effect.gen(function*() {
      const child = yield* Effect.fork(Effect.never)
      const daemon = yield* Effect.forkDaemon(Effect.never)
      yield* Effect.yieldNow()
      yield* Effect.withFiberRuntime((fiber) => Effect.sync(() => interruptChildren(fiber)))
      const exit = yield* Fiber.await(child)
      expect(Exit.isInterrupted(exit)).toBe(true)
      expect(yield* Fiber.poll(daemon)).toEqual(Option.none())
      yield* Fiber.interrupt(daemon)
    }))

  it.effect("sameFiberRefs holds for an equal copy of a fiber's refs and fails once a ref changed", () =>
    Effect.gen(function*() {
      const before = yield* Effect.withFiberRuntime<FiberRefs.FiberRefs>((fiber) => Effect.succeed(fiber.getFiberRefs()))
      // getFiberRefs returns a fresh copy each time: different object, same values
      const copy = yield* Effect.withFiberRuntime<FiberRefs.FiberRefs>((fiber) => Effect.succeed(fiber.getFiberRefs()))
      expect(copy).not.toBe(before)
      expect(sameFiberRefs(before, copy)).toBe(true)
      yield* FiberRef.set(ref, 7)
      const changed = yield* Effect.withFiberRuntime<FiberRefs.FiberRefs>((fiber) => Effect.succeed(fiber.getFiberRefs()))
      expect(sameFiberRefs(before, changed)).toBe(false)
    }))
})


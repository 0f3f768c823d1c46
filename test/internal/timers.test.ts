import { describe, expect, it } from "@effect/vitest"
import type * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import { Timers } from "../../src/internal/timers.js"
import { yieldMany } from "../helpers.js"

/** The timers count milliseconds on the pool's stopwatch. */
const ms = (n: number): number => n

/** Timers on the test's clock, recording when each named timer fires. */
const makeTimers = Effect.gen(function*() {
  const runtime = yield* Effect.runtime<never>()
  const clock = yield* Effect.clock
  const timers = new Timers(runtime, clock, () => clock.unsafeCurrentTimeMillis())
  const fired: Array<{ readonly name: string; readonly at: number }> = []
  const schedule = (name: string, atMs: number, then?: () => void) =>
    timers.schedule(ms(atMs), () => {
      fired.push({ name, at: clock.unsafeCurrentTimeMillis() })
      then?.()
    })
  return { timers, fired, schedule }
})

describe("Timers", () => {
  it.effect("a timer fires exactly at its instant, not 1 ms before", () =>
    Effect.gen(function*() {
      const { fired, schedule } = yield* makeTimers
      schedule("t", 1000)
      yield* TestClock.adjust("999 millis")
      expect(fired).toStrictEqual([])
      yield* TestClock.adjust("1 millis")
      expect(fired).toStrictEqual([{ name: "t", at: 1000 }])
    }))

  it.effect("timers fire in order of their instants, each at its own time, whatever order they were scheduled in", () =>
    Effect.gen(function*() {
      const { fired, schedule } = yield* makeTimers
      schedule("3s", 3000)
      schedule("1s", 1000)
      schedule("2s", 2000)
      yield* TestClock.adjust("5 seconds")
      expect(fired).toStrictEqual([{ name: "1s", at: 1000 }, { name: "2s", at: 2000 }, { name: "3s", at: 3000 }])
    }))

  it.effect("an earlier timer scheduled after a later one re-arms the sleeper for the earlier instant", () =>
    Effect.gen(function*() {
      const { fired, schedule } = yield* makeTimers
      schedule("late", 5000)
      yield* yieldMany()
      schedule("early", 1000)
      yield* TestClock.adjust("1 second")
      expect(fired).toStrictEqual([{ name: "early", at: 1000 }])
      yield* TestClock.adjust("3999 millis")
      expect(fired).toHaveLength(1)
      yield* TestClock.adjust("1 millis")
      expect(fired).toStrictEqual([{ name: "early", at: 1000 }, { name: "late", at: 5000 }])
    }))

  it.effect("a cancelled timer never fires; the others still do at their times", () =>
    Effect.gen(function*() {
      const { fired, schedule, timers } = yield* makeTimers
      const first = schedule("first", 1000)
      schedule("second", 2000)
      const third = schedule("third", 3000)
      timers.cancel(first)
      timers.cancel(third)
      yield* TestClock.adjust("10 seconds")
      expect(fired).toStrictEqual([{ name: "second", at: 2000 }])
    }))

  it.effect("timers due at the same instant all fire then", () =>
    Effect.gen(function*() {
      const { fired, schedule } = yield* makeTimers
      schedule("a", 1000)
      schedule("b", 1000)
      schedule("c", 1000)
      yield* TestClock.adjust("1 second")
      expect(fired.map((f) => f.at)).toStrictEqual([1000, 1000, 1000])
      expect(fired.map((f) => f.name).sort()).toStrictEqual(["a", "b", "c"])
    }))

  it.effect("a timer already due fires without the clock moving", () =>
    Effect.gen(function*() {
      const { fired, schedule } = yield* makeTimers
      yield* TestClock.adjust("2 seconds")
      schedule("past", 1000)
      schedule("now", 2000)
      yield* yieldMany()
      expect(fired).toStrictEqual([{ name: "past", at: 2000 }, { name: "now", at: 2000 }])
    }))

  it.effect("a timer scheduled while timers fire is honoured: at once when due, at its instant otherwise", () =>
    Effect.gen(function*() {
      const { fired, schedule } = yield* makeTimers
      schedule("outer", 1000, () => {
        schedule("due-now", 1000)
        schedule("later", 1500)
      })
      yield* TestClock.adjust("1 second")
      expect(fired).toStrictEqual([{ name: "outer", at: 1000 }, { name: "due-now", at: 1000 }])
      yield* TestClock.adjust("499 millis")
      expect(fired).toHaveLength(2)
      yield* TestClock.adjust("1 millis")
      expect(fired[2]).toStrictEqual({ name: "later", at: 1500 })
    }))

  it.effect("close stops every pending timer and any scheduled afterwards", () =>
    Effect.gen(function*() {
      const { fired, schedule, timers } = yield* makeTimers
      schedule("pending", 1000)
      yield* yieldMany()
      yield* timers.close
      schedule("after-close", 500)
      yield* TestClock.adjust("10 seconds")
      expect(fired).toStrictEqual([])
    }))
})

/**
 * A clock moved by hand whose sleeps never end: the sleeper never fires, so
 * only `runDue` can fire timers.
 */
const manualClock = () => {
  let millis = 0
  const clock = {
    unsafeCurrentTimeMillis: () => millis,
    unsafeCurrentTimeNanos: () => BigInt(millis) * 1_000_000n,
    currentTimeMillis: Effect.sync(() => millis),
    currentTimeNanos: Effect.sync(() => BigInt(millis) * 1_000_000n),
    sleep: () => Effect.never
  } as unknown as Clock.Clock
  return { clock, set: (to: number) => void (millis = to) }
}

describe("Timers.runDue", () => {
  it.effect("fires the timers due at the given instant at once, and only those, without the sleeper", () =>
    Effect.gen(function*() {
      const runtime = yield* Effect.runtime<never>()
      const manual = manualClock()
      const timers = new Timers(runtime, manual.clock, () => manual.clock.unsafeCurrentTimeMillis())
      const fired: Array<string> = []
      timers.schedule(ms(1000), () => void fired.push("1000"))
      timers.schedule(ms(1000), () => void fired.push("1000-bis"))
      timers.schedule(ms(1500), () => void fired.push("1500"))
      manual.set(999)
      timers.runDue(ms(999))
      expect(fired).toStrictEqual([])
      manual.set(1000)
      timers.runDue(ms(1000))
      expect(fired.sort()).toStrictEqual(["1000", "1000-bis"])
      manual.set(2000)
      timers.runDue(ms(2000))
      expect(fired).toHaveLength(3)
      expect(fired[2]).toBe("1500")
      yield* timers.close
    }))

  it.effect("does nothing when called from a timer that is firing; a timer it schedules then still fires in that round", () =>
    Effect.gen(function*() {
      const runtime = yield* Effect.runtime<never>()
      const manual = manualClock()
      const timers = new Timers(runtime, manual.clock, () => manual.clock.unsafeCurrentTimeMillis())
      const fired: Array<string> = []
      timers.schedule(ms(100), () => {
        fired.push("outer")
        timers.schedule(ms(100), () => void fired.push("inner"))
        timers.runDue(ms(100))
        fired.push("outer-end")
      })
      manual.set(100)
      timers.runDue(ms(100))
      expect(fired).toStrictEqual(["outer", "outer-end", "inner"])
      yield* timers.close
    }))

  it.effect("a cancelled timer is not fired by runDue", () =>
    Effect.gen(function*() {
      const runtime = yield* Effect.runtime<never>()
      const manual = manualClock()
      const timers = new Timers(runtime, manual.clock, () => manual.clock.unsafeCurrentTimeMillis())
      const fired: Array<string> = []
      const cancelled = timers.schedule(ms(10), () => void fired.push("cancelled"))
      timers.schedule(ms(20), () => void fired.push("kept"))
      timers.cancel(cancelled)
      manual.set(20)
      timers.runDue(ms(20))
      expect(fired).toStrictEqual(["kept"])
      yield* timers.close
    }))
})

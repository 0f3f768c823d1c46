/**
 * Chaos: 1,000 random schedules on the TestClock, each checked against the
 * invariants in `test/chaos/schedule.ts`. A failing schedule is reported by
 * fast-check with its seed and a shrunk counterexample; replay it with
 * `npm run chaos -- --seed <seed> --path <path>`.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { runSchedule, scheduleArbitrary } from "./chaos/schedule.js"

describe("WorkerPool under chaos", () => {
  it.effect.prop(
    "every accepted task settles exactly once, metrics add up, limits and priorities hold, shutdown leaves nothing",
    [scheduleArbitrary],
    ([schedule]) =>
      Effect.gen(function*() {
        const violations = yield* runSchedule(schedule)
        expect(violations).toEqual([])
      }),
    { timeout: 180_000, fastCheck: { numRuns: 1000 } }
  )
})

/**
 * `npm run chaos -- --runs 100000 [--seed N] [--path P]`: the chaos
 * property for as many schedules as asked. A failure prints fast-check's
 * report: the seed, the path and the shrunk counterexample, which
 * `--seed` and `--path` replay.
 */
import { Effect, FastCheck, TestContext } from "effect"
import { runSchedule, type Schedule, scheduleArbitrary } from "./schedule.js"

const option = (name: string): string | undefined => {
  const index = process.argv.indexOf(`--${name}`)
  return index >= 0 ? process.argv[index + 1] : undefined
}

const runs = Number(option("runs") ?? 10_000)
const seed = option("seed")
const path = option("path")

/** One schedule on a fresh TestClock, failing after 5 real seconds in case it hangs. */
const check = (schedule: Schedule): Promise<ReadonlyArray<string>> =>
  Effect.runPromise(
    runSchedule(schedule).pipe(
      Effect.provide(TestContext.TestContext),
      Effect.disconnect,
      Effect.timeoutFail({ duration: "5 seconds", onTimeout: () => ["the schedule hung for 5 real seconds"] }),
      Effect.merge
    )
  )

const started = performance.now()
let done = 0
await FastCheck.assert(
  FastCheck.asyncProperty(scheduleArbitrary, async (schedule) => {
    const violations = await check(schedule)
    if (++done % 1000 === 0) console.log(`${done} schedules, ${((performance.now() - started) / 1000).toFixed(0)} s`)
    if (violations.length > 0) throw new Error(violations.join("\n"))
  }),
  { numRuns: runs, ...(seed === undefined ? {} : { seed: Number(seed) }), ...(path === undefined ? {} : { path }) }
).then(
  () => console.log(`${runs} schedules passed in ${((performance.now() - started) / 1000).toFixed(1)} s`),
  (error: unknown) => {
    console.error(String(error instanceof Error ? error.message : error))
    process.exitCode = 1
  }
)

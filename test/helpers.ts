/**
 * Small helpers shared by the pool's tests. Nothing here sleeps on the real
 * clock: time only moves through `TestClock.adjust` in the tests themselves.
 */
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Metric from "effect/Metric"
import * as Logger from "effect/Logger"
import * as MetricState from "effect/MetricState"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import { type PoolConfig, WorkerPool } from "../src/index.js"

let nameCounter = 0

/**
 * A pool name no other test uses: Effect's metric registry is global, so
 * tests that read the pool's metrics must not share a `pool` tag.
 */
export const uniqueName = (prefix: string): string => `${prefix}-${++nameCounter}-${Date.now().toString(36)}`

/**
 * Lets every fiber that is ready to run (workers forked by the pool,
 * submitters, callbacks) make progress, without moving the clock.
 */
export const yieldMany = (times = 50): Effect.Effect<void> => Effect.repeatN(Effect.yieldNow(), times - 1)

/** Whether a fiber has finished (after letting ready fibers run). */
export const isDone = <A, E>(fiber: Fiber.Fiber<A, E>): Effect.Effect<boolean> =>
  Effect.zipRight(yieldMany(), Effect.map(Fiber.poll(fiber), Option.isSome))

/**
 * A task body that signals when it starts and then blocks until released.
 */
export interface Gate {
  readonly started: Deferred.Deferred<void>
  readonly release: Deferred.Deferred<void>
  /** Signals `started`, then waits for `release`. */
  readonly execute: Effect.Effect<void>
  readonly awaitStarted: Effect.Effect<void>
  readonly open: Effect.Effect<void>
  readonly hasStarted: Effect.Effect<boolean>
}

export const makeGate: Effect.Effect<Gate> = Effect.gen(function*() {
  const started = yield* Deferred.make<void>()
  const release = yield* Deferred.make<void>()
  return {
    started,
    release,
    execute: Effect.zipRight(Deferred.succeed(started, undefined), Deferred.await(release)),
    awaitStarted: Deferred.await(started),
    open: Effect.asVoid(Deferred.succeed(release, undefined)),
    hasStarted: Deferred.isDone(started)
  }
})

export const makeGates = (n: number): Effect.Effect<Array<Gate>> => Effect.all(Array.from({ length: n }, () => makeGate))

/** The typed error of a failed exit, or undefined. */
export const failureOf = <A, E>(exit: Exit.Exit<A, E>): E | undefined =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined

/** The defect of a died exit, or undefined. */
export const defectOf = <A, E>(exit: Exit.Exit<A, E>): unknown =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Cause.dieOption(exit.cause)) : undefined

/** Whether an exit is an interruption and nothing else. */
export const isInterruption = <A, E>(exit: Exit.Exit<A, E>): boolean =>
  Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause)

/**
 * The value of the incremental counter `name` tagged with exactly
 * `pool = <pool>` and nothing else, read the way the specification shows.
 */
export const counterValueExact = (name: string, pool: string): Effect.Effect<number> =>
  Effect.map(
    Metric.value(Metric.counter(name, { incremental: true }).pipe(Metric.tagged("pool", pool))),
    (state) => state.count
  )

const hasPoolTag = (tags: ReadonlyArray<{ readonly key: string; readonly value: string }>, pool: string) =>
  tags.some((tag) => tag.key === "pool" && tag.value === pool)

/**
 * The total of the counter `name` over every series tagged `pool = <pool>`
 * (a series may carry more tags, such as a priority).
 */
export const counterValue = (name: string, pool: string): Effect.Effect<number> =>
  Effect.map(Metric.snapshot, (pairs) => {
    let total = 0
    for (const pair of pairs) {
      if (pair.metricKey.name !== name || !hasPoolTag(pair.metricKey.tags, pool)) continue
      const state = pair.metricState
      if (MetricState.isCounterState(state)) total += Number(state.count)
    }
    return total
  })

export interface HistogramReading {
  readonly count: number
  readonly sum: number
  readonly min: number
  readonly max: number
}

/**
 * The histogram `name` of a pool, read from `Metric.snapshot` and merged over
 * every series tagged `pool = <pool>` (a series may carry more tags).
 * `undefined` when no such series exists.
 */
export const histogramValue = (name: string, pool: string): Effect.Effect<HistogramReading | undefined> =>
  Effect.map(Metric.snapshot, (pairs) => {
    let reading: HistogramReading | undefined
    for (const pair of pairs) {
      if (pair.metricKey.name !== name || !hasPoolTag(pair.metricKey.tags, pool)) continue
      const state = pair.metricState
      if (!MetricState.isHistogramState(state) || state.count === 0) continue
      reading = reading === undefined
        ? { count: state.count, sum: state.sum, min: state.min, max: state.max }
        : {
          count: reading.count + state.count,
          sum: reading.sum + state.sum,
          min: Math.min(reading.min, state.min),
          max: Math.max(reading.max, state.max)
        }
    }
    return reading
  })

/** Every metric of the registry tagged with this pool. */
export const metricsTaggedWith = (pool: string): Effect.Effect<Array<string>> =>
  Effect.map(
    Metric.snapshot,
    (pairs) =>
      pairs
        .filter((pair) => hasPoolTag(pair.metricKey.tags, pool))
        .map((pair) => pair.metricKey.name)
  )

/**
 * A pool in the test's scope. Its shutdown is forced on the test clock when
 * the scope closes, so a failing test ends instead of waiting for a task
 * that is held by a gate or by the clock.
 */
export const makePool = (options: PoolConfig) =>
  Effect.gen(function*() {
    const pool = yield* WorkerPool.make(options)
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        const shutdown = yield* Effect.fork(pool.shutdown)
        yield* TestClock.adjust("1 hour")
        yield* Fiber.join(shutdown)
      })
    )
    return pool
  })

/** Runs an example with its log lines collected (and kept off the test output). */
export const withLogs = <A, E>(program: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    const logger = Logger.make(({ logLevel, message }) => {
      const parts = Array.isArray(message) ? message : [message]
      lines.push(`${logLevel.label} ${parts.map(String).join(" ")}`)
    })
    const result = yield* program.pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
    return { result, lines }
  })

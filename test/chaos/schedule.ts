/**
 * Chaos schedules: random pools driven through random steps (submissions of
 * tasks that succeed, fail, die, throw, hang or refuse interruption; failing
 * callbacks; keys, priorities, queue deadlines and overflow policies;
 * cancellations; interrupted submitters and `run` callers; pauses; and a
 * graceful shutdown at a random moment) on the `TestClock`, then checked
 * against the invariants every run must keep. Shared by the test suite and
 * `npm run chaos`.
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Supervisor from "effect/Supervisor"
import * as TestClock from "effect/TestClock"
import {
  type PoolConfig,
  PoolShutdownError,
  type Priority,
  QueueFullError,
  type Task,
  type TaskHandle,
  type TaskResult,
  TaskTimeoutError,
  WorkerPool
} from "../../src/index.js"

// ---- the model ----

export type Behaviour = "succeed" | "fail" | "die" | "throw" | "hang" | "uninterruptible"
export type CallbackKind = "none" | "ok" | "fail" | "throw" | "slow"
export type Via = "submit" | "trySubmit" | "run" | "reject" | "evict-lowest"

export interface TaskSpec {
  readonly behaviour: Behaviour
  readonly millis: number
  readonly timeout: number | undefined
  readonly queueTimeout: number | undefined
  readonly priority: Priority
  readonly key: "a" | "b" | undefined
  readonly callback: CallbackKind
}

export type Step =
  | { readonly _tag: "Submit"; readonly task: TaskSpec; readonly via: Via }
  | { readonly _tag: "Cancel"; readonly target: number }
  | { readonly _tag: "Interrupt"; readonly target: number }
  | { readonly _tag: "Advance"; readonly millis: number }
  | { readonly _tag: "Pause"; readonly key: "a" | "b"; readonly millis: number }
  | { readonly _tag: "Resume"; readonly key: "a" | "b" }
  | { readonly _tag: "Shutdown" }

export interface Schedule {
  readonly workers: number
  readonly queueSize: number
  readonly shutdownTimeout: number
  readonly agingInterval: number | undefined
  readonly keyLimit: number | undefined
  readonly queueTimeout: number | undefined
  readonly steps: ReadonlyArray<Step>
}

const fc = FastCheck

/** No task body takes longer than this. */
const longestTask = 12

const taskArbitrary: FastCheck.Arbitrary<TaskSpec> = fc.record({
  behaviour: fc.constantFrom<Behaviour>("succeed", "succeed", "fail", "die", "throw", "hang", "uninterruptible"),
  millis: fc.integer({ min: 0, max: longestTask }),
  timeout: fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
  queueTimeout: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined, freq: 4 }),
  priority: fc.constantFrom<Priority>(0, 1, 2, 3),
  key: fc.constantFrom<"a" | "b" | undefined>(undefined, "a", "b"),
  callback: fc.constantFrom<CallbackKind>("none", "none", "ok", "fail", "throw", "slow")
})

const stepArbitrary: FastCheck.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ _tag: fc.constant("Submit" as const), task: taskArbitrary, via: fc.constantFrom<Via>("submit", "submit", "trySubmit", "run", "reject", "evict-lowest") }) },
  { weight: 2, arbitrary: fc.record({ _tag: fc.constant("Cancel" as const), target: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("Interrupt" as const), target: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ _tag: fc.constant("Advance" as const), millis: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("Pause" as const), key: fc.constantFrom<"a" | "b">("a", "b"), millis: fc.integer({ min: 1, max: 10 }) }) },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("Resume" as const), key: fc.constantFrom<"a" | "b">("a", "b") }) },
  { weight: 1, arbitrary: fc.constant({ _tag: "Shutdown" as const }) }
)

export const scheduleArbitrary: FastCheck.Arbitrary<Schedule> = fc.record({
  workers: fc.integer({ min: 1, max: 3 }),
  queueSize: fc.integer({ min: 0, max: 5 }),
  shutdownTimeout: fc.integer({ min: 0, max: 20 }),
  agingInterval: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
  keyLimit: fc.option(fc.integer({ min: 1, max: 2 }), { nil: undefined }),
  queueTimeout: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined, freq: 4 }),
  steps: fc.array(stepArbitrary, { minLength: 1, maxLength: 24 })
})

// ---- what a run records ----

class TaskFailure {
  constructor(readonly id: string) {}
}

interface Record {
  readonly id: string
  readonly spec: TaskSpec
  readonly via: Via
  readonly fiber: Fiber.RuntimeFiber<unknown, unknown>
  handle: TaskHandle<unknown, unknown> | undefined
  acceptedAt: number | undefined
  startedAt: number | undefined
  endedAt: number | undefined
  callbacks: Array<TaskResult<unknown, unknown>>
  cancelRequested: boolean
  callerInterrupted: boolean
}

const now = Clock.currentTimeMillis

const poolName = (() => {
  let runs = 0
  return () => `chaos-${++runs}`
})()

/** Runs one schedule and returns the violations of the invariants it found (none when all hold). */
export const runSchedule = (schedule: Schedule): Effect.Effect<ReadonlyArray<string>> =>
  Effect.gen(function*() {
    const supervisor = yield* Supervisor.track
    const violations = yield* Effect.supervised(drive(schedule), supervisor).pipe(
      Logger.withMinimumLogLevel(LogLevel.None)
    )
    // (4) no fiber of the pool is left
    const alive = (yield* supervisor.value).filter((fiber) => fiber.unsafePoll() === null)
    if (alive.length > 0) {
      violations.push(`${alive.length} fibers still alive after shutdown: ${alive.map((fiber) => fiber.id().id).join(", ")}`)
    }
    return violations
  })

const drive = (schedule: Schedule) =>
  Effect.gen(function*() {
    const name = poolName()
    const options: PoolConfig = {
      name,
      workers: schedule.workers,
      queueSize: schedule.queueSize,
      shutdownTimeout: schedule.shutdownTimeout,
      agingInterval: schedule.agingInterval,
      defaultKeyLimit: schedule.keyLimit,
      queueTimeout: schedule.queueTimeout
    }
    const scope = yield* Scope.make()
    const pool = yield* Scope.extend(WorkerPool.make(options), scope).pipe(Effect.orDie)
    const records: Array<Record> = []
    const pauses: Array<{ readonly key: string; readonly from: number; until: number }> = []
    let shutdownStartedAt: number | undefined
    let shutdownFiber: Fiber.RuntimeFiber<number> | undefined

    const makeTask = (record: () => Record, spec: TaskSpec, id: string): Task<unknown, unknown> => {
      const work = Effect.sleep(`${spec.millis} millis`)
      const body: Effect.Effect<unknown, unknown> = spec.behaviour === "succeed"
        ? Effect.as(work, id)
        : spec.behaviour === "fail"
        ? Effect.zipRight(work, Effect.fail(new TaskFailure(id)))
        : spec.behaviour === "die"
        ? Effect.zipRight(work, Effect.die(new TaskFailure(id)))
        : spec.behaviour === "throw"
        ? Effect.zipRight(work, Effect.sync(() => { throw new TaskFailure(id) }))
        : spec.behaviour === "hang"
        ? Effect.never
        : Effect.uninterruptible(Effect.as(work, id))
      const execute = Effect.gen(function*() {
        record().startedAt = yield* now
        return yield* body
      }).pipe(Effect.ensuring(Effect.flatMap(now, (at) => Effect.sync(() => { record().endedAt = at }))))
      const callback = spec.callback === "none" ? undefined : (result: TaskResult<unknown, unknown>) => {
        record().callbacks.push(result)
        switch (spec.callback) {
          case "fail":
            return Effect.fail("callback failed")
          case "throw":
            throw new Error("callback threw")
          case "slow":
            return Effect.sleep("3 millis")
          default:
            return Effect.void
        }
      }
      return {
        id,
        execute,
        callback,
        priority: spec.priority,
        key: spec.key,
        timeout: spec.timeout,
        queueTimeout: spec.queueTimeout
      }
    }

    for (const step of schedule.steps) {
      switch (step._tag) {
        case "Submit": {
          const id = `t${records.length}`
          let record: Record
          const task = makeTask(() => record, step.task, id)
          const accepted = (handle: TaskHandle<unknown, unknown>) =>
            Effect.flatMap(now, (at) =>
              Effect.sync(() => {
                record.handle = handle
                record.acceptedAt = at
              }))
          const submission: Effect.Effect<unknown, unknown> = step.via === "run"
            ? pool.run(task)
            : step.via === "trySubmit"
            ? Effect.tap(pool.trySubmit(task), accepted)
            : step.via === "submit"
            ? Effect.tap(pool.submit(task), accepted)
            : Effect.tap(pool.submit(task, { overflow: step.via }), accepted)
          const fiber = yield* Effect.fork(submission)
          record = {
            id,
            spec: step.task,
            via: step.via,
            fiber,
            handle: undefined,
            acceptedAt: undefined,
            startedAt: undefined,
            endedAt: undefined,
            callbacks: [],
            cancelRequested: false,
            callerInterrupted: false
          }
          records.push(record)
          yield* Effect.yieldNow()
          break
        }
        case "Cancel": {
          const target = records.filter((r) => r.handle !== undefined)[step.target % Math.max(1, records.length)]
          if (target?.handle !== undefined) {
            target.cancelRequested = true
            yield* Effect.fork(target.handle.cancel)
          }
          break
        }
        case "Interrupt": {
          const target = records[step.target % Math.max(1, records.length)]
          if (target !== undefined && target.fiber.unsafePoll() === null) {
            target.callerInterrupted = true
            yield* Effect.fork(Fiber.interrupt(target.fiber))
          }
          break
        }
        case "Advance":
          yield* TestClock.adjust(`${step.millis} millis`)
          break
        case "Pause": {
          const at = yield* now
          const pause = { key: step.key, from: at, until: at + step.millis }
          yield* pool.pauseKey(step.key, `${step.millis} millis`).pipe(Effect.orDie)
          for (const earlier of pauses) {
            if (earlier.key === step.key && earlier.until > pause.until) pause.until = earlier.until
          }
          pauses.push(pause)
          break
        }
        case "Resume": {
          const at = yield* now
          yield* pool.resumeKey(step.key).pipe(Effect.orDie)
          for (const pause of pauses) if (pause.key === step.key && pause.until > at) pause.until = at
          break
        }
        case "Shutdown":
          if (shutdownFiber === undefined) {
            shutdownStartedAt = yield* now
            shutdownFiber = yield* Effect.fork(Effect.zipRight(pool.shutdown, now))
            yield* Effect.yieldNow()
          }
          break
      }
    }
    if (shutdownFiber === undefined) {
      shutdownStartedAt = yield* now
      shutdownFiber = yield* Effect.fork(Effect.zipRight(pool.shutdown, now))
    }
    // Tasks that refuse interruption may hold shutdown past its deadline:
    // move the clock on until it is over.
    // (Each TestClock.adjust costs milliseconds of real time: skip the needless ones.)
    yield* Effect.yieldNow()
    if (shutdownFiber.unsafePoll() === null) yield* TestClock.adjust(`${schedule.shutdownTimeout} millis`)
    if (shutdownFiber.unsafePoll() === null) yield* TestClock.adjust(`${longestTask} millis`)
    const shutdownEndedAt = yield* Fiber.join(shutdownFiber)
    for (const record of records) yield* Fiber.await(record.fiber)
    const metrics = yield* pool.metrics
    yield* Scope.close(scope, Exit.void)

    return yield* check({
      schedule,
      name,
      records,
      pauses,
      metrics,
      shutdownStartedAt: shutdownStartedAt!,
      shutdownEndedAt
    })
  })

// ---- the invariants ----

interface Observed {
  readonly schedule: Schedule
  readonly name: string
  readonly records: ReadonlyArray<Record>
  readonly pauses: ReadonlyArray<{ readonly key: string; readonly from: number; readonly until: number }>
  readonly metrics: Effect.Effect.Success<WorkerPool["Type"]["metrics"]>
  readonly shutdownStartedAt: number
  readonly shutdownEndedAt: number
}

/** A counter's value summed over its priority series (or its one series when it has none). */
const counter = (metric: string, pool: string, perPriority: boolean) => {
  const base = Metric.counter(metric, { incremental: true }).pipe(Metric.tagged("pool", pool))
  const series = perPriority
    ? ["low", "normal", "high", "critical"].map((priority) => base.pipe(Metric.tagged("priority", priority)))
    : [base]
  return Effect.map(Effect.forEach(series, Metric.value), (states) => states.reduce((sum, state) => sum + state.count, 0))
}

const failureOf = (exit: Exit.Exit<unknown, unknown>) =>
  Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()

const check = (observed: Observed): Effect.Effect<Array<string>> =>
  Effect.gen(function*() {
    const { metrics, name, records, schedule } = observed
    const violations: Array<string> = []
    const fail = (message: string) => violations.push(message)
    const results = new Map<Record, TaskResult<unknown, unknown>>()

    // (1) every accepted task settled exactly once, with the outcome its behaviour implies;
    //     every refused submission got a typed error
    for (const record of records) {
      const exit = record.fiber.unsafePoll()
      if (exit === null) {
        fail(`${record.id}: its submitter never finished`)
        continue
      }
      const accepted = record.handle !== undefined || record.via === "run" && record.callbacks.length > 0
      if (record.via !== "run" && record.handle === undefined) {
        if (Exit.isSuccess(exit)) fail(`${record.id}: submit succeeded without a handle`)
        else if (!Cause.isInterruptedOnly(exit.cause)) {
          const error = Option.getOrUndefined(failureOf(exit))
          const typed = error instanceof PoolShutdownError || (error instanceof QueueFullError && !error.evicted)
          if (!typed) fail(`${record.id}: refused with ${Cause.pretty(exit.cause)}`)
          if (error instanceof QueueFullError && record.via === "submit") fail(`${record.id}: backpressure submit got QueueFullError`)
        } else if (!record.callerInterrupted) fail(`${record.id}: submitter interrupted though nobody interrupted it`)
      }
      if (record.spec.callback !== "none") {
        if (accepted && record.callbacks.length !== 1) fail(`${record.id}: callback ran ${record.callbacks.length} times`)
        if (!accepted && record.callbacks.length > 1) fail(`${record.id}: callback ran ${record.callbacks.length} times`)
      }
      if (record.handle === undefined) continue
      const result = yield* record.handle.await
      results.set(record, result)
      if (record.spec.callback !== "none" && record.callbacks[0] !== result) {
        fail(`${record.id}: callback saw a different result than await`)
      }
      if (record.startedAt !== undefined && record.acceptedAt !== undefined && record.startedAt < record.acceptedAt) {
        fail(`${record.id}: started before it was accepted`)
      }
      const outcome = explain(record, result, observed)
      if (outcome !== undefined) fail(`${record.id}: ${outcome}`)
    }

    // (2) metrics add up and match the Effect metrics
    const { tasksCancelled, tasksCompleted, tasksFailed, tasksSubmitted } = metrics
    if (tasksSubmitted !== tasksCompleted + tasksFailed + tasksCancelled) {
      fail(`metrics do not add up: ${JSON.stringify(metrics)}`)
    }
    if (metrics.queued !== 0 || metrics.running !== 0) fail(`not idle after shutdown: ${JSON.stringify(metrics)}`)
    const fromEffect = {
      submitted: yield* counter(MetricKeyName.submitted, name, false),
      completed: yield* counter(MetricKeyName.completed, name, true),
      failed: yield* counter(MetricKeyName.failed, name, true),
      cancelled: yield* counter(MetricKeyName.cancelled, name, true)
    }
    const fromSnapshot = {
      submitted: tasksSubmitted,
      completed: tasksCompleted,
      failed: tasksFailed,
      cancelled: tasksCancelled
    }
    if (JSON.stringify(fromEffect) !== JSON.stringify(fromSnapshot)) {
      fail(`Effect metrics ${JSON.stringify(fromEffect)} differ from the snapshot ${JSON.stringify(fromSnapshot)}`)
    }

    // (3) never more than `workers` running, never more than a key's limit,
    //     never a lower effective priority started while an eligible higher one was queued
    const ran = records.filter((r) => r.startedAt !== undefined && r.endedAt !== undefined)
    const queuedUntil = new Map<Record, number>()
    for (const [record, result] of results) {
      queuedUntil.set(record, record.startedAt ?? record.acceptedAt! + Duration.toMillis(result.waitTime))
    }
    for (const record of ran) {
      const t = record.startedAt!
      const overlapping = ran.filter((r) => r.startedAt! <= t && r.endedAt! > t)
      if (overlapping.length > schedule.workers) fail(`${overlapping.length} tasks ran at ${t} ms with ${schedule.workers} workers`)
      if (record.spec.key !== undefined && schedule.keyLimit !== undefined) {
        const sameKey = overlapping.filter((r) => r.spec.key === record.spec.key).length
        if (sameKey > schedule.keyLimit) fail(`${sameKey} tasks of key ${record.spec.key} ran at ${t} ms, limit ${schedule.keyLimit}`)
      }
      const overtaken = records.find((other) => overtook(record, other, ran, queuedUntil, observed))
      if (overtaken !== undefined) {
        fail(`${record.id} (priority ${record.spec.priority}) started at ${t} ms while ${overtaken.id} (priority ${overtaken.spec.priority}) was queued and could start`)
      }
    }

    // (4) shutdown finished within shutdownTimeout plus one tick of the clock,
    //     plus what a task refusing interruption still had to run
    const shutdownTook = observed.shutdownEndedAt - observed.shutdownStartedAt
    const holdout = Math.max(0, ...records.filter((r) => r.spec.behaviour === "uninterruptible" && r.startedAt !== undefined).map((r) => r.spec.millis))
    if (shutdownTook > schedule.shutdownTimeout + 1 + holdout) {
      fail(`shutdown took ${shutdownTook} ms with shutdownTimeout ${schedule.shutdownTimeout}`)
    }
    return violations
  })

const MetricKeyName = {
  submitted: "workerpool_tasks_submitted",
  completed: "workerpool_tasks_completed",
  failed: "workerpool_tasks_failed",
  cancelled: "workerpool_tasks_cancelled"
} as const

/** Why a task's result does not follow from its behaviour, or `undefined` when it does. */
const explain = (record: Record, result: TaskResult<unknown, unknown>, observed: Observed): string | undefined => {
  const { spec } = record
  const exit = result.exit
  const ran = record.startedAt !== undefined
  const interruptedByUs = record.cancelRequested || record.callerInterrupted
  if (Exit.isSuccess(exit)) {
    if (spec.behaviour !== "succeed" && spec.behaviour !== "uninterruptible") return `succeeded though it was to ${spec.behaviour}`
    return exit.value === record.id ? undefined : `succeeded with ${String(exit.value)}`
  }
  const cause = exit.cause
  if (Cause.isInterruptedOnly(cause)) {
    return interruptedByUs || observed.shutdownEndedAt - observed.shutdownStartedAt >= observed.schedule.shutdownTimeout
      ? undefined
      : "was interrupted though nobody cancelled it and shutdown drained in time"
  }
  const error = Option.getOrUndefined(Cause.failureOption(cause))
  if (error instanceof TaskFailure) return spec.behaviour === "fail" && ran ? undefined : `failed though it was to ${spec.behaviour}`
  if (error instanceof TaskTimeoutError) {
    if (error.phase === "running") {
      const timeout = spec.timeout
      if (timeout === undefined) return "timed out running without a timeout"
      if (spec.behaviour !== "hang" && spec.millis < timeout) return `timed out after ${timeout} ms though it takes ${spec.millis} ms`
      return ran ? undefined : "timed out running without having started"
    }
    if (ran) return "expired in the queue after it had started"
    return spec.queueTimeout !== undefined || observed.schedule.queueTimeout !== undefined
      ? undefined
      : "expired in the queue without a queue deadline"
  }
  if (error instanceof QueueFullError) return error.evicted && !ran ? undefined : "settled with QueueFullError without being evicted"
  if (error instanceof PoolShutdownError) return ran ? "settled with PoolShutdownError after it had started" : undefined
  if (Cause.isDie(cause)) {
    const defect = Option.getOrUndefined(Cause.dieOption(cause))
    if (defect instanceof TaskFailure && (spec.behaviour === "die" || spec.behaviour === "throw")) return undefined
    return `died with ${Cause.pretty(cause)} though it was to ${spec.behaviour}`
  }
  return `settled with ${Cause.pretty(cause)}`
}

/**
 * Whether `other` was queued, with a higher effective priority and able to
 * start, when `record` started. Every instant that could go either way
 * counts against the violation (half-open intervals, pauses ending at the
 * instant, tasks of the key ending at the instant).
 */
const overtook = (
  record: Record,
  other: Record,
  ran: ReadonlyArray<Record>,
  queuedUntil: ReadonlyMap<Record, number>,
  observed: Observed
): boolean => {
  const t = record.startedAt!
  if (other === record || record.acceptedAt === undefined) return false
  if (other.acceptedAt === undefined || other.acceptedAt >= t) return false
  const leftQueue = queuedUntil.get(other)
  if (leftQueue === undefined || leftQueue <= t) return false
  const aging = observed.schedule.agingInterval
  const effective = (r: Record) =>
    aging === undefined ? r.spec.priority : Math.min(3, r.spec.priority + Math.floor((t - r.acceptedAt!) / aging))
  if (effective(other) <= effective(record)) return false
  const key = other.spec.key
  if (key !== undefined) {
    if (observed.pauses.some((p) => p.key === key && p.from <= t && t <= p.until)) return false
    const limit = observed.schedule.keyLimit
    if (limit !== undefined) {
      const busy = ran.filter((r) => r.spec.key === key && r.startedAt! <= t && r.endedAt! >= t).length
      if (busy >= limit) return false
    }
  }
  return true
}

/**
 * Chaos schedules: random pools driven through random steps (submissions of
 * tasks that succeed, fail, die, throw, hang, refuse interruption, fail once
 * and then succeed, or fan out to tasks of their own pool; retry schedules;
 * failing callbacks; keys, priorities, queue deadlines and overflow
 * policies; cancellations by handle and by id; interrupted submitters and
 * `run` callers; key pauses; pauses of the whole pool; resizes; and a
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
import * as RetrySchedule from "effect/Schedule"
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

export type Behaviour = "succeed" | "fail" | "die" | "throw" | "hang" | "uninterruptible" | "flaky" | "nest"
export type CallbackKind = "none" | "ok" | "fail" | "throw" | "slow"
export type Via = "submit" | "trySubmit" | "run" | "reject" | "evict-lowest"

/** Retries after a failed attempt: up to `times`, each `delay` ms after the attempt ended. */
export interface RetrySpec {
  readonly times: number
  readonly delay: number
}

export interface TaskSpec {
  /** "flaky" fails its first attempt and succeeds after; "nest" runs `children` tasks on its own pool and waits for them. */
  readonly behaviour: Behaviour
  readonly millis: number
  readonly retry: RetrySpec | undefined
  readonly children: number
  readonly timeout: number | undefined
  readonly queueTimeout: number | undefined
  readonly priority: Priority
  readonly key: "a" | "b" | undefined
  readonly callback: CallbackKind
}

export type Step =
  | { readonly _tag: "Submit"; readonly task: TaskSpec; readonly via: Via }
  | { readonly _tag: "Cancel"; readonly target: number }
  | { readonly _tag: "CancelById"; readonly target: number }
  | { readonly _tag: "Interrupt"; readonly target: number }
  | { readonly _tag: "Advance"; readonly millis: number }
  | { readonly _tag: "Pause"; readonly key: "a" | "b"; readonly millis: number }
  | { readonly _tag: "Resume"; readonly key: "a" | "b" }
  | { readonly _tag: "PausePool" }
  | { readonly _tag: "ResumePool" }
  | { readonly _tag: "Resize"; readonly workers: number }
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
  behaviour: fc.constantFrom<Behaviour>("succeed", "succeed", "fail", "die", "throw", "hang", "uninterruptible", "flaky", "nest"),
  millis: fc.integer({ min: 0, max: longestTask }),
  retry: fc.option(fc.record({ times: fc.integer({ min: 1, max: 3 }), delay: fc.integer({ min: 0, max: 5 }) }), { nil: undefined, freq: 2 }),
  children: fc.integer({ min: 1, max: 3 }),
  timeout: fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
  queueTimeout: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined, freq: 4 }),
  priority: fc.constantFrom<Priority>(0, 1, 2, 3),
  key: fc.constantFrom<"a" | "b" | undefined>(undefined, "a", "b"),
  callback: fc.constantFrom<CallbackKind>("none", "none", "ok", "fail", "throw", "slow")
})

const stepArbitrary: FastCheck.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ _tag: fc.constant("Submit" as const), task: taskArbitrary, via: fc.constantFrom<Via>("submit", "submit", "trySubmit", "run", "reject", "evict-lowest") }) },
  { weight: 2, arbitrary: fc.record({ _tag: fc.constant("Cancel" as const), target: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("CancelById" as const), target: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("Interrupt" as const), target: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ _tag: fc.constant("Advance" as const), millis: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("Pause" as const), key: fc.constantFrom<"a" | "b">("a", "b"), millis: fc.integer({ min: 1, max: 10 }) }) },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("Resume" as const), key: fc.constantFrom<"a" | "b">("a", "b") }) },
  { weight: 1, arbitrary: fc.constant({ _tag: "PausePool" as const }) },
  { weight: 1, arbitrary: fc.constant({ _tag: "ResumePool" as const }) },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("Resize" as const), workers: fc.integer({ min: 1, max: 4 }) }) },
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

/** A stretch of time [from, to) during which a task's body ran on a worker (not waiting on its own pool). */
interface Segment {
  readonly from: number
  to: number | undefined
  /** Whether it began an attempt (rather than a nested task going on after its wait). */
  readonly start: boolean
}

/** One attempt of a task: from its start to the end of its body, waits on its own pool included. */
interface AttemptSpan {
  readonly start: number
  end: number | undefined
}

/** What a task's body saw of itself. */
interface Body {
  readonly attempts: Array<AttemptSpan>
  readonly segments: Array<Segment>
}

interface Record extends Body {
  readonly id: string
  readonly spec: TaskSpec
  readonly via: Via
  readonly fiber: Fiber.RuntimeFiber<unknown, unknown>
  handle: TaskHandle<unknown, unknown> | undefined
  acceptedAt: number | undefined
  callbacks: Array<TaskResult<unknown, unknown>>
  cancelRequested: boolean
  callerInterrupted: boolean
}

/** A task that a "nest" task ran on its own pool. */
interface Child extends Body {
  readonly id: string
  callbacks: number
}

const firstStart = (body: Body): number | undefined => body.attempts[0]?.start

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
    const children: Array<Child> = []
    const pauses: Array<{ readonly key: string; readonly from: number; until: number }> = []
    const poolPauses: Array<{ readonly from: number; until: number }> = []
    const bounds: Array<{ readonly at: number; readonly workers: number }> = [{ at: -Infinity, workers: schedule.workers }]
    const cancelsById: Array<Fiber.RuntimeFiber<boolean>> = []
    const driverViolations: Array<string> = []
    let shutdownStartedAt: number | undefined
    let shutdownFiber: Fiber.RuntimeFiber<number> | undefined

    /** Wraps a body so that it records its attempts and the stretches it ran. */
    const observedBody = <A, E>(body: () => Body, run: Effect.Effect<A, E>): Effect.Effect<A, E> =>
      Effect.gen(function*() {
        const at = yield* now
        body().attempts.push({ start: at, end: undefined })
        body().segments.push({ from: at, to: undefined, start: true })
        return yield* run
      }).pipe(Effect.ensuring(Effect.flatMap(now, (at) =>
        Effect.sync(() => {
          const { attempts, segments } = body()
          const segment = segments[segments.length - 1]
          if (segment !== undefined && segment.to === undefined) segment.to = at
          attempts[attempts.length - 1]!.end = at
        }))))

    /** A "nest" task's wait on its own pool: its running stretch ends while it waits. */
    const waitingOnOwnPool = <A, E>(body: Body, wait: Effect.Effect<A, E>): Effect.Effect<A, E> =>
      Effect.gen(function*() {
        body.segments[body.segments.length - 1]!.to = yield* now
        const value = yield* wait
        body.segments.push({ from: yield* now, to: undefined, start: false })
        return value
      })

    const childTask = (parent: string, priority: Priority, millis: number): Task<string> => {
      const child: Child = { id: `${parent}.c${children.length}`, attempts: [], segments: [], callbacks: 0 }
      children.push(child)
      return {
        id: child.id,
        priority,
        execute: observedBody(() => child, Effect.as(Effect.sleep(`${millis} millis`), child.id)),
        callback: () => Effect.sync(() => void child.callbacks++)
      }
    }

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
        : spec.behaviour === "flaky"
        ? Effect.zipRight(work, Effect.suspend(() => record().attempts.length === 1 ? Effect.fail(new TaskFailure(id)) : Effect.succeed(id)))
        : spec.behaviour === "nest"
        ? Effect.gen(function*() {
          yield* Effect.sleep(`${Math.floor(spec.millis / 2)} millis`)
          const tasks = Array.from({ length: spec.children }, (_, i) => childTask(id, spec.priority, (spec.millis + i) % 5))
          yield* waitingOnOwnPool(record(), pool.runAll(tasks))
          return id
        })
        : Effect.uninterruptible(Effect.as(work, id))
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
        execute: observedBody(record, body),
        callback,
        priority: spec.priority,
        key: spec.key,
        timeout: spec.timeout,
        queueTimeout: spec.queueTimeout,
        retry: spec.retry === undefined
          ? undefined
          : RetrySchedule.spaced(`${spec.retry.delay} millis`).pipe(RetrySchedule.intersect(RetrySchedule.recurs(spec.retry.times)))
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
            attempts: [],
            segments: [],
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
        case "CancelById": {
          const target = records[step.target % Math.max(1, records.length)]
          if (target === undefined) {
            if (yield* pool.cancel("nobody")) driverViolations.push("cancel of an id never submitted returned true")
          } else {
            target.cancelRequested = true
            cancelsById.push(yield* Effect.fork(pool.cancel(target.id)))
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
        case "PausePool": {
          // (once shutdown has begun the pool drains; pausing it then is not part of the model)
          if (shutdownFiber !== undefined) break
          const at = yield* now
          yield* pool.pause
          const open = poolPauses.at(-1)
          if (open === undefined || open.until !== Infinity) poolPauses.push({ from: at, until: Infinity })
          break
        }
        case "ResumePool": {
          const at = yield* now
          yield* pool.resume
          const open = poolPauses.at(-1)
          if (open !== undefined && open.until === Infinity) open.until = at
          break
        }
        case "Resize": {
          const at = yield* now
          yield* pool.resize(step.workers).pipe(Effect.orDie)
          bounds.push({ at, workers: step.workers })
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
    // Shutdown while paused resumes the pool.
    const open = poolPauses.at(-1)
    if (open !== undefined && open.until > shutdownStartedAt!) open.until = shutdownStartedAt!
    // Tasks that refuse interruption may hold shutdown past its deadline:
    // move the clock on until it is over.
    // (Each TestClock.adjust costs milliseconds of real time: skip the needless ones.)
    yield* Effect.yieldNow()
    if (shutdownFiber.unsafePoll() === null) yield* TestClock.adjust(`${schedule.shutdownTimeout} millis`)
    if (shutdownFiber.unsafePoll() === null) yield* TestClock.adjust(`${longestTask} millis`)
    const shutdownEndedAt = yield* Fiber.join(shutdownFiber)
    for (const record of records) yield* Fiber.await(record.fiber)
    for (const cancel of cancelsById) yield* Fiber.await(cancel)
    const metrics = yield* pool.metrics
    yield* Scope.close(scope, Exit.void)

    const violations = yield* check({
      schedule,
      name,
      records,
      children,
      pauses,
      poolPauses,
      bounds,
      metrics,
      shutdownStartedAt: shutdownStartedAt!,
      shutdownEndedAt
    })
    return [...driverViolations, ...violations]
  })

// ---- the invariants ----

interface Observed {
  readonly schedule: Schedule
  readonly name: string
  readonly records: ReadonlyArray<Record>
  readonly children: ReadonlyArray<Child>
  readonly pauses: ReadonlyArray<{ readonly key: string; readonly from: number; readonly until: number }>
  readonly poolPauses: ReadonlyArray<{ readonly from: number; readonly until: number }>
  readonly bounds: ReadonlyArray<{ readonly at: number; readonly workers: number }>
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

/**
 * Whether an attempt of the task can end in a typed failure or a running-time
 * timeout, the only ends that are retried (a defect, die or throw, is not).
 */
const mayFailAnAttempt = (spec: TaskSpec): boolean =>
  spec.behaviour === "fail" || spec.behaviour === "flaky" ||
  spec.timeout !== undefined && (spec.behaviour === "hang" || spec.behaviour === "nest" || spec.timeout <= spec.millis)

/**
 * The concurrency bound at `t`: the largest of the one in force just before
 * and those set at `t` (a resize and a start at the same instant may come
 * in either order).
 */
const boundAt = (bounds: Observed["bounds"], t: number): number => {
  let before = bounds[0]!.workers
  let atT = 0
  for (const bound of bounds) {
    if (bound.at < t) before = bound.workers
    else if (bound.at === t) atT = Math.max(atT, bound.workers)
  }
  return Math.max(before, atT)
}

const check = (observed: Observed): Effect.Effect<Array<string>> =>
  Effect.gen(function*() {
    const { children, metrics, name, records, schedule } = observed
    const violations: Array<string> = []
    const fail = (message: string) => violations.push(message)
    const results = new Map<Record, TaskResult<unknown, unknown>>()

    // (1) every accepted task settled exactly once, with the outcome its behaviour implies and
    //     as many attempts as its body saw; every refused submission got a typed error
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
      const attempts = record.attempts.length
      if (attempts > 1 + (record.spec.retry?.times ?? 0)) fail(`${record.id}: ran ${attempts} attempts with retry ${JSON.stringify(record.spec.retry)}`)
      if (attempts > 1 && !mayFailAnAttempt(record.spec)) fail(`${record.id}: retried though no attempt of it can fail or time out`)
      const late = record.attempts.slice(1).find((attempt) => attempt.start > observed.shutdownStartedAt)
      if (late !== undefined) fail(`${record.id}: an attempt started at ${late.start} ms, after shutdown began at ${observed.shutdownStartedAt} ms`)
      const result = record.handle !== undefined
        ? yield* record.handle.await
        : record.via === "run" ? record.callbacks[0] : undefined
      if (result === undefined) continue
      results.set(record, result)
      if (record.spec.callback !== "none" && record.callbacks[0] !== result) {
        fail(`${record.id}: callback saw a different result than await`)
      }
      // (an attempt cancelled as it starts may be interrupted before its body's first step)
      const cutAtStart = Exit.isInterrupted(result.exit) && result.attempts === attempts + 1
      if (result.attempts !== attempts && !cutAtStart) fail(`${record.id}: result.attempts is ${result.attempts}, its body ran ${attempts} times`)
      const started = firstStart(record)
      if (started !== undefined && record.acceptedAt !== undefined && started < record.acceptedAt) {
        fail(`${record.id}: started before it was accepted`)
      }
      const outcome = explain(record, result, observed)
      if (outcome !== undefined) fail(`${record.id}: ${outcome}`)
    }
    for (const child of children) {
      if (child.callbacks > 1 || child.attempts.length > 0 && child.callbacks !== 1) {
        fail(`${child.id}: ran ${child.attempts.length} times, its callback ${child.callbacks} times`)
      }
    }

    // (2) metrics add up (a retried task counts once, by its last outcome; retries apart) and
    //     match the Effect metrics
    const { tasksCancelled, tasksCompleted, tasksFailed, tasksRetried, tasksSubmitted } = metrics
    if (tasksSubmitted !== tasksCompleted + tasksFailed + tasksCancelled) {
      fail(`metrics do not add up: ${JSON.stringify(metrics)}`)
    }
    const attemptsOf = (record: Record) => results.get(record)?.attempts ?? record.attempts.length
    const retriesSeen = records.reduce((sum, record) => sum + Math.max(0, attemptsOf(record) - 1), 0) +
      children.reduce((sum, child) => sum + Math.max(0, child.attempts.length - 1), 0)
    if (tasksRetried !== retriesSeen) fail(`tasksRetried is ${tasksRetried}, the tasks ran ${retriesSeen} attempts after their first`)
    if (metrics.queued !== 0 || metrics.running !== 0) fail(`not idle after shutdown: ${JSON.stringify(metrics)}`)
    if (metrics.paused) fail("still paused after shutdown")
    const lastBound = observed.bounds[observed.bounds.length - 1]!.workers
    if (metrics.workers !== lastBound) fail(`metrics.workers is ${metrics.workers}, the last bound set ${lastBound}`)
    const fromEffect = {
      submitted: yield* counter(MetricKeyName.submitted, name, false),
      completed: yield* counter(MetricKeyName.completed, name, true),
      failed: yield* counter(MetricKeyName.failed, name, true),
      cancelled: yield* counter(MetricKeyName.cancelled, name, true),
      retried: yield* counter(MetricKeyName.retried, name, true)
    }
    const fromSnapshot = {
      submitted: tasksSubmitted,
      completed: tasksCompleted,
      failed: tasksFailed,
      cancelled: tasksCancelled,
      retried: tasksRetried
    }
    if (JSON.stringify(fromEffect) !== JSON.stringify(fromSnapshot)) {
      fail(`Effect metrics ${JSON.stringify(fromEffect)} differ from the snapshot ${JSON.stringify(fromSnapshot)}`)
    }

    // (3) never more running than the bound in force (tasks waiting on their own pool do not
    //     run), never more than a key's limit, no attempt started while the pool was paused,
    //     never a lower effective priority started while an eligible higher one was queued
    const segments = [...records, ...children].flatMap((body) => body.segments.filter((s) => s.to !== undefined))
    for (const segment of segments) {
      const t = segment.from
      const overlapping = segments.filter((s) => s.from <= t && s.to! > t).length
      const bound = boundAt(observed.bounds, t)
      if (overlapping > bound) fail(`${overlapping} tasks ran at ${t} ms with a bound of ${bound} workers`)
      if (segment.start && observed.poolPauses.some((p) => p.from < t && t < p.until)) fail(`a task started at ${t} ms while the pool was paused`)
    }
    const endedAttempts = (r: Record) => r.attempts.filter((a) => a.end !== undefined)
    const queuedUntil = new Map<Record, number>()
    for (const [record, result] of results) {
      queuedUntil.set(record, firstStart(record) ?? record.acceptedAt! + Duration.toMillis(result.waitTime))
    }
    for (const record of records) {
      for (const attempt of endedAttempts(record)) {
        const t = attempt.start
        if (record.spec.key !== undefined && schedule.keyLimit !== undefined) {
          const sameKey = records.filter((r) => r.spec.key === record.spec.key && endedAttempts(r).some((a) => a.start <= t && a.end! > t)).length
          if (sameKey > schedule.keyLimit) fail(`${sameKey} tasks of key ${record.spec.key} ran at ${t} ms, limit ${schedule.keyLimit}`)
        }
      }
      if (endedAttempts(record).length === 0) continue
      const overtaken = records.find((other) => overtook(record, other, queuedUntil, observed))
      if (overtaken !== undefined) {
        fail(`${record.id} (priority ${record.spec.priority}) started at ${firstStart(record)} ms while ${overtaken.id} (priority ${overtaken.spec.priority}) was queued and could start`)
      }
    }

    // (4) shutdown finished within shutdownTimeout plus one tick of the clock,
    //     plus what a task refusing interruption still had to run
    const shutdownTook = observed.shutdownEndedAt - observed.shutdownStartedAt
    const holdout = Math.max(0, ...records.filter((r) => r.spec.behaviour === "uninterruptible" && r.attempts.length > 0).map((r) => r.spec.millis))
    if (shutdownTook > schedule.shutdownTimeout + 1 + holdout) {
      fail(`shutdown took ${shutdownTook} ms with shutdownTimeout ${schedule.shutdownTimeout}`)
    }
    return violations
  })

const MetricKeyName = {
  submitted: "workerpool_tasks_submitted",
  completed: "workerpool_tasks_completed",
  failed: "workerpool_tasks_failed",
  cancelled: "workerpool_tasks_cancelled",
  retried: "workerpool_task_retries"
} as const

/** Why a task's result does not follow from its behaviour, or `undefined` when it does. */
const explain = (record: Record, result: TaskResult<unknown, unknown>, observed: Observed): string | undefined => {
  const { spec } = record
  const exit = result.exit
  const ran = record.attempts.length > 0
  const retried = spec.retry !== undefined
  const interruptedByUs = record.cancelRequested || record.callerInterrupted
  if (Exit.isSuccess(exit)) {
    if (spec.behaviour === "flaky" && record.attempts.length < 2) return "succeeded on its first attempt though it fails that one"
    if (!["succeed", "uninterruptible", "flaky", "nest"].includes(spec.behaviour)) return `succeeded though it was to ${spec.behaviour}`
    return exit.value === record.id ? undefined : `succeeded with ${String(exit.value)}`
  }
  const cause = exit.cause
  if (Cause.isInterruptedOnly(cause)) {
    return interruptedByUs || observed.shutdownEndedAt - observed.shutdownStartedAt >= observed.schedule.shutdownTimeout
      ? undefined
      : "was interrupted though nobody cancelled it and shutdown drained in time"
  }
  const error = Option.getOrUndefined(Cause.failureOption(cause))
  if (error instanceof TaskFailure) {
    return (spec.behaviour === "fail" || spec.behaviour === "flaky") && ran ? undefined : `failed though it was to ${spec.behaviour}`
  }
  if (error instanceof TaskTimeoutError) {
    if (error.phase === "running") {
      const timeout = spec.timeout
      if (timeout === undefined) return "timed out running without a timeout"
      const waitsOnPool = spec.behaviour === "nest"
      if (spec.behaviour !== "hang" && !waitsOnPool && spec.millis < timeout) return `timed out after ${timeout} ms though it takes ${spec.millis} ms`
      return ran ? undefined : "timed out running without having started"
    }
    if (ran && !retried) return "expired in the queue after it had started"
    return spec.queueTimeout !== undefined || observed.schedule.queueTimeout !== undefined
      ? undefined
      : "expired in the queue without a queue deadline"
  }
  if (error instanceof QueueFullError) return error.evicted && (!ran || retried) ? undefined : "settled with QueueFullError without being evicted"
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
 * start, when `record` first started. Every instant that could go either way
 * counts against the violation (half-open intervals, pauses ending at the
 * instant, tasks of the key ending at the instant). Only a task's first
 * wait in the queue is looked at: `other` must not be retried (its later
 * waits are not observed).
 */
const overtook = (
  record: Record,
  other: Record,
  queuedUntil: ReadonlyMap<Record, number>,
  observed: Observed
): boolean => {
  const t = firstStart(record)!
  if (other === record || record.acceptedAt === undefined || other.spec.retry !== undefined) return false
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
      const busy = observed.records.filter((r) =>
        r.spec.key === key && r.attempts.some((a) => a.start <= t && (a.end === undefined || a.end >= t))
      ).length
      if (busy >= limit) return false
    }
  }
  return true
}

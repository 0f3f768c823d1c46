import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import type * as FiberId from "effect/FiberId"
import type * as Tracer from "effect/Tracer"
import type { Priority } from "../Priority.js"
import type { Task } from "../Task.js"
import type { TaskHandle } from "../TaskHandle.js"
import type { TaskResult } from "../TaskResult.js"
import type { TaskOutcome } from "../PoolEvent.js"
import type { Origin } from "./origin.js"
import type { RetryState } from "./retry.js"
import type { KeyState, Schedulable } from "./scheduler.js"
import type { Timer } from "./timers.js"
import type { ValidTask } from "./validateTask.js"

/** @internal */
export type AnyResult = TaskResult<any, any>

/**
 * Where a task is in its life. It moves forward, except that a retried task
 * goes from `Retrying` back to `Queued`.
 *
 * @internal
 */
export const Phase = { Queued: 0, Running: 1, Retrying: 2, Callback: 3, Settled: 4 } as const

/** @internal */
export type Phase = (typeof Phase)[keyof typeof Phase]

/**
 * What a task entry needs from its pool.
 *
 * @internal
 */
export interface EntryOwner {
  cancel(entry: TaskEntry, by: FiberId.FiberId): void
  /** Runs a wait on the pool; a task of the pool waiting gives its worker back meanwhile. */
  lendWhile<A, E, R>(wait: Effect.Effect<A, E, R>): Effect.Effect<A, E, R>
}

/**
 * One accepted task. It is its own queue node and its own public handle, so
 * that accepting a task allocates one object and no `Deferred`: waiters on
 * its result are plain callbacks, called once when the task settles.
 *
 * @internal
 */
export class TaskEntry implements TaskHandle<any, any>, Schedulable<TaskEntry> {
  queuePrev: TaskEntry | undefined = undefined
  queueNext: TaskEntry | undefined = undefined
  keyPrev: TaskEntry | undefined = undefined
  keyNext: TaskEntry | undefined = undefined
  phase: Phase = Phase.Queued
  /** Acceptance order; -1 until the pool accepts it (a submitter may still wait for room). */
  seq = -1
  /** Milliseconds on the pool's stopwatch. */
  submittedAt = 0
  /** When its current wait in the queue began. */
  enqueuedAt = 0
  /**
   * The timer of its queue deadline while queued, of its running-time
   * timeout while running, of its next attempt while retrying.
   */
  deadline: Timer | undefined = undefined
  /** When its current attempt started. */
  startedAt = 0
  /** Milliseconds spent queued, its waits before each attempt together, up to its last start. */
  waitedMillis = 0
  /** Milliseconds its attempts ran, together. */
  ranMillis = 0
  /** Attempts started. */
  attempts = 0
  /** Whether it holds one of the pool's worker slots (it lends it while it waits on its pool). */
  holdsSlot = false
  /** Its fibers waiting on the pool now. */
  waits = 0
  /** The last attempt's result, from a failed attempt until the next one starts (waiting out its delay, then queued). */
  lastResult: AnyResult | undefined = undefined
  /** How it settled, for the `TaskSettled` event. */
  outcome: TaskOutcome = "success"
  /** Its retry schedule's state, once an attempt failed with a retry schedule in force. */
  retry: RetryState | undefined = undefined
  /** Set when the pool's timeout, not the task itself, ended the run. */
  timedOut = false
  /** The fiber of its run, once started; its callback's fiber after the run. */
  fiber: Fiber.RuntimeFiber<unknown, unknown> | undefined = undefined
  /**
   * Who cancelled the task (or the pool's timer, `FiberId.none`) when it
   * was cancelled after it was given a worker but before its fiber was
   * known: the fiber is interrupted as soon as it is.
   */
  interruptedBy: FiberId.FiberId | undefined = undefined
  /** The task's span, when something can see one (made by its fiber, ended by the runner). */
  span: Tracer.Span | undefined = undefined
  result: AnyResult | undefined = undefined
  private observers: Array<(result: AnyResult) => void> | undefined = undefined

  // The validated task's fields, copied so that the entry does not keep the
  // validation's object alive while it waits in the queue.
  readonly taskId: string
  readonly task: Task<any, any, any>
  readonly priority: Priority
  readonly timeout: Duration.Duration | undefined
  readonly key: string | undefined
  readonly queueTimeout: Duration.Duration | undefined

  constructor(
    readonly owner: EntryOwner,
    valid: ValidTask,
    readonly origin: Origin,
    readonly keyState: KeyState<TaskEntry>
  ) {
    this.taskId = valid.id
    this.task = valid.task
    this.priority = valid.priority
    this.timeout = valid.timeout
    this.key = valid.key
    this.queueTimeout = valid.queueTimeout
  }

  /** The priority level the scheduler files the task under. */
  get level(): number {
    return this.priority
  }

  get await(): Effect.Effect<AnyResult> {
    return this.result !== undefined ? Effect.succeed(this.result) : this.awaitSettled()
  }

  private awaitSettled(): Effect.Effect<AnyResult> {
    return this.owner.lendWhile(Effect.async<AnyResult>((resume) => {
      if (this.result !== undefined) return resume(Effect.succeed(this.result))
      const observer = (result: AnyResult) => resume(Effect.succeed(result))
      this.observe(observer)
      return Effect.sync(() => this.unobserve(observer))
    }))
  }

  get join(): Effect.Effect<any, any> {
    return Effect.flatMap(this.await, (result) => result.exit)
  }

  get cancel(): Effect.Effect<void> {
    return Effect.withFiberRuntime((fiber) => {
      this.owner.cancel(this, fiber.id())
      return Effect.asVoid(this.await)
    })
  }

  /** Calls `observer` with the result once the task settles, or at once if it has. */
  observe(observer: (result: AnyResult) => void): void {
    if (this.result !== undefined) observer(this.result)
    else if (this.observers === undefined) this.observers = [observer]
    else this.observers.push(observer)
  }

  private unobserve(observer: (result: AnyResult) => void): void {
    const index = this.observers?.indexOf(observer) ?? -1
    if (index >= 0) this.observers!.splice(index, 1)
  }

  settle(result: AnyResult): void {
    this.phase = Phase.Settled
    this.result = result
    const observers = this.observers
    this.observers = undefined
    if (observers !== undefined) for (const observer of observers) observer(result)
  }
}

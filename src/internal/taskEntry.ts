import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import type * as FiberId from "effect/FiberId"
import type * as Tracer from "effect/Tracer"
import type { Priority } from "../Priority.js"
import type { Task } from "../Task.js"
import type { TaskHandle } from "../TaskHandle.js"
import type { TaskResult } from "../TaskResult.js"
import type { Origin } from "./origin.js"
import type { KeyState, Schedulable } from "./scheduler.js"
import type { Timer } from "./timers.js"
import type { ValidTask } from "./validateTask.js"

/** @internal */
export type AnyResult = TaskResult<any, any>

/**
 * Where a task is in its life. A task only moves forward.
 *
 * @internal
 */
export const Phase = { Queued: 0, Running: 1, Callback: 2, Settled: 3 } as const

/** @internal */
export type Phase = (typeof Phase)[keyof typeof Phase]

/**
 * What a task entry needs from its pool.
 *
 * @internal
 */
export interface EntryOwner {
  cancel(entry: TaskEntry, by: FiberId.FiberId): void
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
  /** Acceptance order. */
  seq = 0
  /** Milliseconds on the pool's stopwatch. */
  submittedAt = 0
  /** The timer of its queue deadline while queued, of its running-time timeout while running. */
  deadline: Timer | undefined = undefined
  startedAt = 0
  /** Milliseconds spent queued, known once the task starts or settles unrun. */
  waitedMillis = 0
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
    return Effect.async<AnyResult>((resume) => {
      if (this.result !== undefined) return resume(Effect.succeed(this.result))
      const observer = (result: AnyResult) => resume(Effect.succeed(result))
      this.observe(observer)
      return Effect.sync(() => this.unobserve(observer))
    })
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

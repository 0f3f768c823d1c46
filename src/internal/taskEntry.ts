import type * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import type * as FiberId from "effect/FiberId"
import type * as FiberRefs from "effect/FiberRefs"
import * as Runtime from "effect/Runtime"
import * as RuntimeFlags from "effect/RuntimeFlags"
import * as Tracer from "effect/Tracer"
import type { Priority } from "../Priority.js"
import type { Task } from "../Task.js"
import type { TaskHandle } from "../TaskHandle.js"
import { currentFiberRefs, sameFiberRefs } from "./fiberInternals.js"
import type { TaskResult } from "../TaskResult.js"
import type { KeyState, Schedulable } from "./scheduler.js"
import type { Timer } from "./timers.js"
import type { ValidTask } from "./validateTask.js"

/** @internal */
export type AnyResult = TaskResult<any, any>

/**
 * Where a task came from: the runtime it runs with (the submitter's
 * services, fiber refs such as log annotations, tracer and current span, and
 * runtime flags) and whether its span is worth making.
 *
 * @internal
 */
export interface Origin {
  readonly runtime: Runtime.Runtime<any>
  /**
   * A task span is made only when something can see it: a tracer other than
   * Effect's built-in one is installed, or the submitter is inside a span
   * (the task span then becomes its child). Otherwise making it would cost
   * more than the task itself and nobody could observe it.
   */
  readonly traced: boolean
}

const nativeTracer = DefaultServices.liveServices.unsafeMap.get(Tracer.Tracer.key) as Tracer.Tracer

const origins = new WeakMap<FiberRefs.FiberRefs, Origin>()

/**
 * The origin of a task submitted from `fiber`. Fiber refs are immutable
 * values replaced on every change, so all submissions made between two
 * changes share one origin; workers use that identity to run consecutive
 * tasks of one origin without switching runtime.
 *
 * @internal
 */
export const originOf = (fiber: Fiber.RuntimeFiber<any, any>, flags: RuntimeFlags.RuntimeFlags): Origin => {
  // The task must stay interruptible even when submitted from an
  // uninterruptible region (as `run` does), so that cancel and timeouts work.
  const runtimeFlags = RuntimeFlags.enable(flags, RuntimeFlags.Interruption)
  const cached = origins.get(currentFiberRefs(fiber))
  if (cached !== undefined && cached.runtime.runtimeFlags === runtimeFlags) return cached
  const fiberRefs = fiber.getFiberRefs()
  const last = lastOrigin
  const origin: Origin =
    last !== undefined && last.runtime.runtimeFlags === runtimeFlags && sameFiberRefs(last.runtime.fiberRefs, fiberRefs)
      ? last
      : {
        runtime: Runtime.make({ context: fiber.currentContext as Context.Context<any>, fiberRefs, runtimeFlags }),
        traced: fiber.currentSpan !== undefined || fiber.currentTracer !== nativeTracer
      }
  origins.set(fiberRefs, origin)
  lastOrigin = origin
  return origin
}

/**
 * The origin made or found last: a fiber whose refs were replaced by an
 * equal copy finds its origin again here, so that its tasks keep running on
 * the same workers.
 */
let lastOrigin: Origin | undefined = undefined

/**
 * Where a task is in its life. A task only moves forward.
 *
 * @internal
 */
export const Phase = { Queued: 0, Running: 1, Callback: 2, Settled: 3 } as const

/** @internal */
export type Phase = (typeof Phase)[keyof typeof Phase]

/**
 * A worker fiber. `doomed` is set when the worker is interrupted to cancel
 * its task: it must then run nothing more.
 *
 * @internal
 */
export interface Worker {
  /** Undefined until the worker's fiber takes its first step. */
  fiber: Fiber.RuntimeFiber<any, any> | undefined
  /** The task the worker runs (or whose callback it runs). */
  current: TaskEntry | undefined
  doomed: boolean
  cancelledBy: FiberId.FiberId | undefined
}

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
  /** The worker running the task or its callback. */
  worker: Worker | undefined = undefined
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

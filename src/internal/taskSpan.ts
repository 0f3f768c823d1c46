import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import type * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"
import type { ResolvedPoolConfig } from "../PoolConfig.js"
import { outcomeOf } from "./outcome.js"
import type { TaskEntry } from "./taskEntry.js"

/**
 * What a submitter's fiber says about the span of a task it submits: what
 * `Effect.makeSpan` would read from it.
 *
 * @internal
 */
export interface SpanSettings {
  readonly tracer: Tracer.Tracer
  readonly parent: Option.Option<Tracer.AnySpan>
  readonly clock: Clock.Clock
  readonly timingEnabled: boolean
  readonly annotations: HashMap.HashMap<string, unknown>
  readonly links: ReadonlyArray<Tracer.SpanLink>
}

const nativeTracer = Context.get(DefaultServices.liveServices, Tracer.Tracer)

/** Absent before effect 3.12, where no span can carry it. */
const disablePropagation: Context.Reference<Tracer.DisablePropagation, boolean> | undefined = Tracer.DisablePropagation

/**
 * The span settings of a task `fiber` submits now, or `undefined` when no
 * span is worth making: tracing is off, or nothing could see the span
 * (Effect's built-in tracer and no parent span), where it would cost more
 * than a small task.
 *
 * @internal
 */
export const spanSettingsOf = (fiber: Fiber.RuntimeFiber<unknown, unknown>): SpanSettings | undefined => {
  if (!fiber.getFiberRef(FiberRef.currentTracerEnabled)) return undefined
  const parent = fiber.currentSpan
  const tracer = fiber.currentTracer
  if (parent === undefined && tracer === nativeTracer) return undefined
  return {
    tracer,
    parent: propagatingParent(parent),
    clock: Context.get(fiber.currentDefaultServices, Clock.Clock),
    timingEnabled: fiber.getFiberRef(FiberRef.currentTracerTimingEnabled),
    annotations: fiber.getFiberRef(FiberRef.currentTracerSpanAnnotations),
    links: Chunk.toReadonlyArray(fiber.getFiberRef(FiberRef.currentTracerSpanLinks))
  }
}

/** The nearest span up from `span` that lets its children be traced under it. */
const propagatingParent = (span: Tracer.AnySpan | undefined): Option.Option<Tracer.AnySpan> => {
  let parent = span
  while (parent !== undefined && disablePropagation !== undefined && Context.get(parent.context, disablePropagation)) {
    parent = parent._tag === "Span" ? Option.getOrUndefined(parent.parent) : undefined
  }
  return Option.fromNullable(parent)
}

const spanOptions: Tracer.SpanOptions = { kind: "internal", captureStackTrace: false }

/**
 * Starts the span `WorkerPool.task` of a task about to start, as
 * `Effect.makeSpan` would start it on the submitter's fiber. It is made
 * here rather than by the task's fiber, so that the fiber starts with it as
 * its current span and runs no step of its own for it.
 *
 * @internal
 */
export const startTaskSpan = (entry: TaskEntry, settings: SpanSettings, config: ResolvedPoolConfig): Tracer.Span => {
  const span = settings.tracer.span(
    "WorkerPool.task",
    settings.parent,
    Context.empty(),
    settings.links,
    settings.timingEnabled ? settings.clock.unsafeCurrentTimeNanos() : BigInt(0),
    "internal",
    spanOptions
  )
  HashMap.forEach(settings.annotations, (value, key) => span.attribute(key, value))
  span.attribute("task.id", entry.taskId)
  span.attribute("task.priority", entry.priority)
  span.attribute("pool.name", config.name)
  span.attribute("task.wait_ms", entry.waitedMillis)
  span.attribute("task.attempt", entry.attempts)
  if (entry.key !== undefined) span.attribute("task.key", entry.key)
  return span
}

/**
 * Ends a task's span with its outcome and its result's exit (a timeout
 * ends it with `TaskTimeoutError`, not with the interruption that stopped
 * the fiber), once the fiber and its children have ended.
 *
 * @internal
 */
export const endTaskSpan = (
  span: Tracer.Span,
  settings: SpanSettings,
  exit: Exit.Exit<unknown, unknown>,
  timedOut: boolean
): void => {
  span.attribute("task.outcome", outcomeOf(exit, timedOut))
  span.end(settings.timingEnabled ? settings.clock.unsafeCurrentTimeNanos() : BigInt(0), exit)
}

/**
 * Adds a `WorkerPool.submit` event to the submitter's span, if it is in one.
 *
 * @internal
 */
export const recordSubmission = (
  span: Tracer.AnySpan | undefined,
  task: { readonly id: string; readonly priority: number },
  clock: Clock.Clock,
  pool: string
): void => {
  if (span !== undefined && span._tag === "Span") {
    span.event("WorkerPool.submit", clock.unsafeCurrentTimeNanos(), {
      "task.id": task.id,
      "task.priority": task.priority,
      "pool.name": pool
    })
  }
}

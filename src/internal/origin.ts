import * as Context from "effect/Context"
import type * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import type * as FiberRefs from "effect/FiberRefs"
import * as Runtime from "effect/Runtime"
import * as RuntimeFlags from "effect/RuntimeFlags"
import { type SpanSettings, spanSettingsOf } from "./taskSpan.js"

/**
 * Where a task came from: the runtime its fiber is forked from (the
 * submitter's services, fiber refs and runtime flags, as they were when it
 * submitted) and how to make its span.
 *
 * @internal
 */
export interface Origin {
  readonly runtime: Runtime.Runtime<any>
  /** How to make its span; `undefined` when no span is worth making. */
  readonly spans: SpanSettings | undefined
}

/**
 * The origin of a task submitted now from `fiber`. `last` is the origin a
 * pool made last: when the fiber's refs, context and flags have not changed
 * since, it is returned again, so that a queued task does not keep a copy
 * of the submitter's refs of its own.
 *
 * The task's interruption is always enabled, even when it is submitted
 * from an uninterruptible region (as `run` does), so that cancelling it and
 * its timeout work.
 *
 * @internal
 */
export const originOf = (
  fiber: Fiber.RuntimeFiber<unknown, unknown>,
  flags: RuntimeFlags.RuntimeFlags,
  last: Origin | undefined
): Origin => {
  const runtimeFlags = RuntimeFlags.enable(flags, RuntimeFlags.Interruption)
  const context = fiber.currentContext as Context.Context<any>
  const fiberRefs = fiber.getFiberRefs()
  if (
    last !== undefined && last.runtime.runtimeFlags === runtimeFlags && last.runtime.context === context &&
    sameFiberRefs(last.runtime.fiberRefs, fiberRefs)
  ) {
    return last
  }
  return {
    runtime: Runtime.make({ context, fiberRefs, runtimeFlags }),
    spans: spanSettingsOf(fiber)
  }
}

/**
 * Whether two sets of fiber refs hold the same values, the runtime flags
 * aside (they are compared on their own). Each call of `getFiberRefs`
 * returns a fresh copy, but the copy keeps the stack of every ref that did
 * not change, so comparing stacks tells a copy from a change. It may answer
 * `false` for equal values held in different stacks, never `true` for
 * different ones.
 */
const sameFiberRefs = (a: FiberRefs.FiberRefs, b: FiberRefs.FiberRefs): boolean => {
  if (a === b) return true
  const left = a.locals
  const right = b.locals
  if (left.size !== right.size) return false
  for (const [ref, stack] of left) {
    if (right.get(ref) !== stack && ref !== FiberRef.currentRuntimeFlags) return false
  }
  return true
}

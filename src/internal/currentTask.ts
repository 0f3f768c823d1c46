import * as FiberRef from "effect/FiberRef"
import type * as FiberId from "effect/FiberId"
import * as FiberRefs from "effect/FiberRefs"
import { globalValue } from "effect/GlobalValue"
import type { TaskEntry } from "./taskEntry.js"

/**
 * The task a fiber works for: set on a task's fiber and its callback's, and
 * inherited by the fibers they fork, so that the pool knows when one of its
 * own tasks waits on it (and lends that task's worker meanwhile) or shuts
 * it down.
 *
 * @internal
 */
export const currentTask: FiberRef.FiberRef<TaskEntry | undefined> = globalValue(
  Symbol.for("@helixagent/concurrency/currentTask"),
  () => FiberRef.unsafeMake<TaskEntry | undefined>(undefined)
)

/**
 * The fiber refs of a fiber working for `entry`: `Runtime.runFork`'s
 * `updateRefs`.
 *
 * @internal
 */
export const withCurrentTask = (entry: TaskEntry) =>
(refs: FiberRefs.FiberRefs, fiberId: FiberId.Runtime): FiberRefs.FiberRefs =>
  FiberRefs.updateAs(refs, { fiberId, fiberRef: currentTask, value: entry })

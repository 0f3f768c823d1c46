import type * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import type * as FiberRefs from "effect/FiberRefs"

/**
 * Three members of a fiber that Effect's public API offers only at a cost
 * the per-task path cannot pay. `FiberRuntime` has them as plain members;
 * the project pins effect ~3.22, and `test/internal/fiberInternals.test.ts`
 * fails if a release changes them.
 *
 * - `fiber.getFiberRefs()` writes the runtime flags into a fresh copy of the
 *   refs before returning it, so it never returns the same object twice.
 *   The `_fiberRefs` field is the same object until some fiber ref changes.
 * - `Effect.setFiberRefs` sets the refs one `FiberRef.set` at a time and
 *   keeps refs the new set lacks; `setFiberRefs` on the fiber swaps the
 *   whole set at once.
 * - `fiber.children` is an effect that copies the children into an array;
 *   `_children` is the set itself, `null` until the fiber first forks.
 * - `FiberRefs` has no public equality; its `locals` map holds each ref's
 *   stack, and a stack is kept as the same array while its ref is unchanged.
 */
interface FiberRuntimeInternals {
  readonly _fiberRefs: FiberRefs.FiberRefs
  readonly _children: Set<Fiber.RuntimeFiber<unknown, unknown>> | null
  setFiberRefs(fiberRefs: FiberRefs.FiberRefs): void
}

const internals = (fiber: Fiber.RuntimeFiber<any, any>) => fiber as unknown as FiberRuntimeInternals

const locals = (fiberRefs: FiberRefs.FiberRefs) => (fiberRefs as unknown as { readonly locals: Map<unknown, unknown> }).locals

/**
 * The fiber refs a fiber holds now, without copying them.
 *
 * @internal
 */
export const currentFiberRefs = (fiber: Fiber.RuntimeFiber<any, any>): FiberRefs.FiberRefs =>
  internals(fiber)._fiberRefs

/**
 * Replaces all of a fiber's refs. Only the fiber itself may call this.
 *
 * @internal
 */
export const replaceFiberRefs = (fiber: Fiber.RuntimeFiber<any, any>, fiberRefs: FiberRefs.FiberRefs): void =>
  internals(fiber).setFiberRefs(fiberRefs)

/**
 * Interrupts the fibers a fiber has forked that are still running, as Effect
 * does when a fiber ends, without waiting for them.
 *
 * @internal
 */
export const interruptChildren = (fiber: Fiber.RuntimeFiber<any, any>): void => {
  const children = internals(fiber)._children
  if (children === null || children.size === 0) return
  for (const child of children) child.unsafeInterruptAsFork(fiber.id())
}

/**
 * Whether two sets of fiber refs hold the same values, the runtime flags
 * aside. The runtime replaces a fiber's refs with an equal copy now and
 * then (rewriting the runtime flags ref); this tells such a copy from a
 * real change. It may answer `false` for equal values held in different
 * arrays, never `true` for different ones.
 *
 * @internal
 */
export const sameFiberRefs = (a: FiberRefs.FiberRefs, b: FiberRefs.FiberRefs): boolean => {
  const left = locals(a)
  const right = locals(b)
  if (left.size !== right.size) return false
  for (const [ref, stack] of left) {
    if (right.get(ref) !== stack && ref !== FiberRef.currentRuntimeFlags) return false
  }
  return true
}

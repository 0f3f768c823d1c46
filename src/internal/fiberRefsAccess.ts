import type * as Fiber from "effect/Fiber"
import type * as FiberRefs from "effect/FiberRefs"

/**
 * Two reads and writes of a fiber's refs that Effect's public API only offers
 * at a cost the per-task path cannot pay. `FiberRuntime` has both as plain
 * members; the project pins effect ~3.22, and `test/internal/fiberRefsAccess.test.ts`
 * fails if a release changes them.
 *
 * - `fiber.getFiberRefs()` writes the runtime flags into a fresh copy of the
 *   refs before returning it, so it never returns the same object twice.
 *   The `_fiberRefs` field is the same object until some fiber ref changes.
 * - `Effect.setFiberRefs` sets the refs one `FiberRef.set` at a time and
 *   keeps refs the new set lacks; `setFiberRefs` on the fiber swaps the
 *   whole set at once.
 */
interface FiberRuntimeRefs {
  readonly _fiberRefs: FiberRefs.FiberRefs
  setFiberRefs(fiberRefs: FiberRefs.FiberRefs): void
}

/**
 * The fiber refs a fiber holds now, without copying them.
 *
 * @internal
 */
export const currentFiberRefs = (fiber: Fiber.RuntimeFiber<any, any>): FiberRefs.FiberRefs =>
  (fiber as unknown as FiberRuntimeRefs)._fiberRefs

/**
 * Replaces all of a fiber's refs. Only the fiber itself may call this.
 *
 * @internal
 */
export const replaceFiberRefs = (fiber: Fiber.RuntimeFiber<any, any>, fiberRefs: FiberRefs.FiberRefs): void =>
  (fiber as unknown as FiberRuntimeRefs).setFiberRefs(fiberRefs)

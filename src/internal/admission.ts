import * as Effect from "effect/Effect"
import type * as FiberId from "effect/FiberId"
import type { PoolShutdownError } from "../PoolError.js"
import type { TaskEntry } from "./taskEntry.js"

/**
 * What the waiting room needs of its pool.
 *
 * @internal
 */
export interface AdmissionOwner {
  /** Whether the pool has room for the task now (queue room, or a slot it may start on at once). */
  hasRoomFor(entry: TaskEntry): boolean
  /** Whether the pool is full for any task: no queue room and no free slot. */
  isFull(): boolean
  /** Takes a task in. */
  accept(entry: TaskEntry): void
  /** Asks to be woken when the task's key, held by a pause or rate window, may start again. */
  wakeWhenStartable(entry: TaskEntry): void
  /** Cancels a task that was let in. */
  cancel(entry: TaskEntry, by: FiberId.FiberId): void
  /** Holds the id of a waiting task, so that no other task takes it meanwhile. */
  reserve(entry: TaskEntry): void
  /** Frees the id of a task that never got in. */
  forget(entry: TaskEntry): void
}

interface Waiter {
  readonly entry: TaskEntry
  readonly resume: (effect: Effect.Effect<TaskEntry, PoolShutdownError>) => void
  admitted: boolean
}

/**
 * Submitters waiting for room (backpressure), let in oldest first. A
 * waiter is interruptible: interrupted before it was let in, it leaves
 * nothing behind; interrupted after it was let in but before it resumed,
 * its task is cancelled.
 *
 * @internal
 */
export class Admission {
  private readonly waiters = new Set<Waiter>()

  constructor(private readonly owner: AdmissionOwner) {}

  /** Waits until the task is let in, or fails it when the pool stops accepting. */
  wait(entry: TaskEntry): Effect.Effect<TaskEntry, PoolShutdownError> {
    this.owner.wakeWhenStartable(entry)
    return Effect.async<TaskEntry, PoolShutdownError>((resume) => {
      const waiter: Waiter = { entry, resume, admitted: false }
      this.waiters.add(waiter)
      this.owner.reserve(entry)
      return Effect.withFiberRuntime<void>((fiber) => {
        if (waiter.admitted) this.owner.cancel(entry, fiber.id())
        else if (this.waiters.delete(waiter)) this.owner.forget(entry)
        return Effect.void
      })
    })
  }

  /**
   * Lets waiters in, oldest first, as far as there is room. A waiter whose
   * task could only start at once (no queue room) and whose key is held by
   * a pause or rate window gets a wake-up for when it ends.
   */
  admit(): void {
    if (this.waiters.size === 0) return
    for (const waiter of this.waiters) {
      if (this.owner.isFull()) return
      if (!this.owner.hasRoomFor(waiter.entry)) {
        this.owner.wakeWhenStartable(waiter.entry)
        continue
      }
      this.waiters.delete(waiter)
      waiter.admitted = true
      this.owner.accept(waiter.entry)
      waiter.resume(Effect.succeed(waiter.entry))
    }
  }

  /** Fails every waiter with the error `refuse` makes for its task. */
  refuseAll(refuse: (entry: TaskEntry) => PoolShutdownError): void {
    for (const waiter of this.waiters) {
      this.owner.forget(waiter.entry)
      waiter.resume(Effect.fail(refuse(waiter.entry)))
    }
    this.waiters.clear()
  }
}

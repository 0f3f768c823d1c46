import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import { Phase, type TaskEntry } from "./taskEntry.js"

/**
 * Counts the tasks accepted and not yet settled, and wakes whoever waits
 * for them all to settle (a shutdown), or for all but one (a shutdown
 * called by one of the pool's own tasks, which must not wait for itself).
 *
 * @internal
 */
export class Settlement {
  private unsettled = 0
  private readonly waiters = new Set<{ readonly except: TaskEntry | undefined; readonly resume: () => void }>()

  /** `onIdle` runs each time the last unsettled task settles. */
  constructor(private readonly onIdle: () => void) {}

  accepted(): void {
    this.unsettled++
  }

  settled(): void {
    if (--this.unsettled > 1) return
    if (this.unsettled === 0) this.onIdle()
    for (const waiter of this.waiters) {
      if (this.unsettled === 0 || (waiter.except !== undefined && waiter.except.phase !== Phase.Settled)) {
        this.waiters.delete(waiter)
        waiter.resume()
      }
    }
  }

  isIdle(): boolean {
    return this.unsettled === 0
  }

  /** Waits until every accepted task but `except`, if given, has settled. */
  awaitAllBut(except: TaskEntry | undefined): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.unsettled === 0 || (except !== undefined && this.unsettled === 1)) return Effect.void
      return Effect.async<void>((resume) => {
        const waiter = { except, resume: () => resume(Effect.void) }
        this.waiters.add(waiter)
        return Effect.sync(() => {
          this.waiters.delete(waiter)
        })
      })
    })
  }
}

/**
 * What the graceful shutdown needs of its pool.
 *
 * @internal
 */
export interface Drainable {
  /** Refuses new submissions and fails the submitters waiting for room. */
  stopAccepting(): void
  /** Whether every accepted task has settled. */
  isIdle(): boolean
  /** Waits until every accepted task has settled. */
  readonly awaitIdle: Effect.Effect<void>
  /** At the deadline: settles queued tasks with `PoolShutdownError`, then interrupts running ones. */
  forceStop(by: FiberId.FiberId): void
  /** After the callbacks' grace: interrupts the callbacks still running. */
  cutCallbacks(by: FiberId.FiberId): void
  /** Stops the pool's timers and lets go of what it holds of its submitters. */
  readonly close: Effect.Effect<void>
}

/**
 * How long callbacks may still run after the shutdown deadline: a few
 * turns of the scheduler, no clock time, enough for a callback that logs,
 * records or signals, not for one that waits on anything.
 */
const callbackGraceTurns = 64

const callbackGrace = (pool: Drainable, turns: number): Effect.Effect<void> =>
  Effect.suspend(() =>
    turns === 0 || pool.isIdle() ? Effect.void : Effect.zipRight(Effect.yieldNow(), callbackGrace(pool, turns - 1))
  )

/**
 * The graceful shutdown: no new submissions; queued tasks still run and
 * running ones finish within `timeout`. At the deadline queued tasks settle
 * with `PoolShutdownError` and running ones are interrupted; their callbacks
 * run, within a short grace. Returns once every accepted task has settled.
 *
 * @internal
 */
export const drain = (pool: Drainable, timeout: Duration.Duration): Effect.Effect<void> =>
  Effect.uninterruptible(
    Effect.withFiberRuntime((fiber) => {
      pool.stopAccepting()
      return Effect.interruptible(pool.awaitIdle).pipe(
        Effect.timeoutOption(timeout),
        Effect.flatMap((drained) => {
          if (Option.isSome(drained)) return Effect.void
          pool.forceStop(fiber.id())
          return callbackGrace(pool, callbackGraceTurns).pipe(
            Effect.zipRight(Effect.sync(() => pool.cutCallbacks(fiber.id()))),
            Effect.zipRight(pool.awaitIdle)
          )
        }),
        Effect.ensuring(pool.close)
      )
    })
  )

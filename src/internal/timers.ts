import type * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Runtime from "effect/Runtime"
import { type HeapSlot, IndexedHeap } from "./heap.js"

/**
 * A pending timer of {@link Timers}.
 *
 * @internal
 */
export interface Timer extends HeapSlot {
  readonly at: number
  readonly fire: () => void
}

/**
 * All the pool's timers (queue deadlines, ends of pauses and of rate
 * windows; times in milliseconds on the pool's stopwatch) on one sleeping fiber: it sleeps on the pool's `Clock` until the
 * earliest one is due, so `TestClock` drives them all, and a pool with no
 * timer pending runs no fiber at all.
 *
 * @internal
 */
export class Timers {
  private readonly heap = new IndexedHeap<Timer>((a, b) => a.at < b.at, (timer) => timer)
  /** The sleeper that will fire the timers, and the moment it wakes. */
  private sleeper: Fiber.RuntimeFiber<void> | undefined = undefined
  private armedFor: number | undefined = undefined
  /** Every sleeper not yet ended, replaced ones included, so that `close` leaves none. */
  private readonly sleepers = new Set<Fiber.RuntimeFiber<void>>()
  private closed = false
  private firing = false

  constructor(
    private readonly runtime: Runtime.Runtime<never>,
    private readonly clock: Clock.Clock,
    private readonly now: () => number
  ) {}

  /** Whether any timer is pending. */
  get pending(): boolean {
    return this.heap.size > 0
  }

  schedule(at: number, fire: () => void): Timer {
    const timer: Timer = { at, fire, heapIndex: -1 }
    this.heap.push(timer)
    if (!this.firing) this.arm()
    return timer
  }

  cancel(timer: Timer): void {
    this.heap.remove(timer)
  }

  /**
   * Fires the timers that are due now, without waiting for the sleeper to
   * wake: a submission at the very instant a pause ends must see the key as
   * the timer will leave it.
   */
  runDue(now: number): void {
    const next = this.heap.peek()
    if (next !== undefined && next.at <= now && !this.firing) this.fireDue()
  }

  /** Stops every sleeper and waits for them to end; timers scheduled afterwards never fire. */
  readonly close: Effect.Effect<void> = Effect.suspend(() => {
    this.closed = true
    this.sleeper = undefined
    this.armedFor = undefined
    return Fiber.interruptAll(this.sleepers)
  })

  /** Makes sure a sleeper wakes no later than the earliest timer. */
  private arm(): void {
    const next = this.heap.peek()
    if (next === undefined || this.closed) return
    if (this.armedFor !== undefined && this.armedFor <= next.at) return
    this.sleeper?.unsafeInterruptAsFork(this.sleeper.id())
    const delay = next.at - this.now()
    const sleeper: Fiber.RuntimeFiber<void> = Runtime.runFork(
      this.runtime,
      Effect.zipRight(
        this.clock.sleep(Duration.millis(delay > 0 ? delay : 0)),
        Effect.sync(() => {
          if (this.sleeper !== sleeper) return
          this.sleeper = undefined
          this.armedFor = undefined
          this.fireDue()
        })
      ),
      // started on the next tick: never inside the caller's stack
      { immediate: false }
    )
    this.sleepers.add(sleeper)
    sleeper.addObserver(() => this.sleepers.delete(sleeper))
    this.sleeper = sleeper
    this.armedFor = next.at
  }

  private fireDue(): void {
    const now = this.now()
    this.firing = true
    for (let timer = this.heap.peek(); timer !== undefined && timer.at <= now; timer = this.heap.peek()) {
      this.heap.pop()
      timer.fire()
    }
    this.firing = false
    this.arm()
  }
}

import type * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as Runtime from "effect/Runtime"
import { type HeapSlot, IndexedHeap } from "./heap.js"

/**
 * A pending timer of {@link Timers}.
 *
 * @internal
 */
export interface Timer extends HeapSlot {
  readonly at: bigint
  readonly fire: () => void
}

/**
 * All the pool's timers (queue deadlines, ends of pauses and of rate
 * windows) on one fiber: it sleeps on the pool's `Clock` until the earliest
 * one is due, so `TestClock` drives them all, and a pool with no timer pending
 * runs no fiber at all.
 *
 * @internal
 */
export class Timers {
  private readonly heap = new IndexedHeap<Timer>((a, b) => a.at < b.at, (timer) => timer)
  private sleeper: Fiber.RuntimeFiber<void> | undefined = undefined
  private armedFor: bigint | undefined = undefined
  private closed = false
  private firing = false

  constructor(
    private readonly runtime: Runtime.Runtime<never>,
    private readonly clock: Clock.Clock
  ) {}

  schedule(at: bigint, fire: () => void): Timer {
    const timer: Timer = { at, fire, heapIndex: -1 }
    this.heap.push(timer)
    if (!this.firing && (this.armedFor === undefined || at < this.armedFor)) this.arm()
    return timer
  }

  cancel(timer: Timer): void {
    this.heap.remove(timer)
  }

  /** Stops the sleeper; timers scheduled afterwards never fire. */
  close(): void {
    this.closed = true
    this.disarm()
  }

  private arm(): void {
    this.disarm()
    const next = this.heap.peek()
    if (next === undefined || this.closed) return
    this.armedFor = next.at
    const delay = next.at - this.clock.unsafeCurrentTimeNanos()
    this.sleeper = Runtime.runFork(
      this.runtime,
      Effect.zipRight(
        this.clock.sleep(Duration.nanos(delay > 0n ? delay : 0n)),
        Effect.sync(() => this.fireDue())
      )
    )
  }

  private disarm(): void {
    this.sleeper?.unsafeInterruptAsFork(this.sleeper.id())
    this.sleeper = undefined
    this.armedFor = undefined
  }

  /**
   * Fires the timers that are due now, without waiting for the sleeper to
   * wake: a submission at the very instant a pause ends must see the key as
   * the timer will leave it.
   */
  runDue(now: bigint): void {
    const next = this.heap.peek()
    if (next === undefined || next.at > now || this.firing) return
    this.fireDue()
  }

  private fireDue(): void {
    this.disarm()
    const now = this.clock.unsafeCurrentTimeNanos()
    this.firing = true
    for (let timer = this.heap.peek(); timer !== undefined && timer.at <= now; timer = this.heap.peek()) {
      this.heap.pop()
      timer.fire()
    }
    this.firing = false
    this.arm()
  }
}

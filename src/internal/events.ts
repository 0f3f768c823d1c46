import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { PoolEvent } from "../PoolEvent.js"
import type { TaskResult } from "../TaskResult.js"
import type { TaskEntry } from "./taskEntry.js"

/**
 * One subscriber of `pool.events`: a ring buffer of its own, so that a slow
 * subscriber loses its oldest events and never holds up the pool or the
 * other subscribers.
 */
class Subscriber {
  private readonly buffer: Array<PoolEvent | undefined>
  private head = 0
  private size = 0
  private dropped = 0
  ended = false
  private wake: (() => void) | undefined = undefined

  constructor(private readonly capacity: number, private readonly now: () => number) {
    this.buffer = new Array(capacity)
  }

  push(event: PoolEvent): void {
    if (this.size === this.capacity) {
      this.buffer[this.head] = undefined
      this.head = (this.head + 1) % this.capacity
      this.size--
      this.dropped++
    }
    this.buffer[(this.head + this.size) % this.capacity] = event
    this.size++
    this.notify()
  }

  end(): void {
    this.ended = true
    this.notify()
  }

  private notify(): void {
    const wake = this.wake
    if (wake === undefined) return
    this.wake = undefined
    wake()
  }

  /** Everything buffered, after an `EventsDropped` if events were lost; `undefined` when there is nothing. */
  private drain(): Array<PoolEvent> | undefined {
    if (this.size === 0 && this.dropped === 0) return undefined
    const events: Array<PoolEvent> = []
    if (this.dropped > 0) {
      events.push(PoolEvent.EventsDropped({ timestamp: this.now(), count: this.dropped }))
      this.dropped = 0
    }
    for (let i = 0; i < this.size; i++) {
      const index = (this.head + i) % this.capacity
      events.push(this.buffer[index]!)
      this.buffer[index] = undefined
    }
    this.head = 0
    this.size = 0
    return events
  }

  /** The next events, waiting for some; fails with `None` once the pool has shut down and all were taken. */
  readonly take: Effect.Effect<Chunk.Chunk<PoolEvent>, Option.Option<never>> = Effect.suspend(() => {
    const events = this.drain()
    if (events !== undefined) return Effect.succeed(Chunk.unsafeFromArray(events))
    if (this.ended) return Effect.fail(Option.none())
    return Effect.zipRight(
      Effect.async<void>((resume) => {
        this.wake = () => resume(Effect.void)
        return Effect.sync(() => {
          this.wake = undefined
        })
      }),
      this.take
    )
  })
}

/**
 * The pool's event stream. Publishing is synchronous and, with no
 * subscriber, the pool makes no event at all (it checks `active` first).
 *
 * @internal
 */
export class EventHub {
  private readonly subscribers = new Set<Subscriber>()
  private ended = false

  constructor(private readonly capacity: number, private readonly now: () => number) {}

  /** Whether anyone listens: events are made only then. */
  get active(): boolean {
    return this.subscribers.size > 0
  }

  publish(event: PoolEvent): void {
    for (const subscriber of this.subscribers) subscriber.push(event)
  }

  // Each of these makes its event only when someone listens.

  taskAccepted(entry: TaskEntry): void {
    if (!this.active) return
    this.publish(PoolEvent.TaskAccepted({
      timestamp: this.now(),
      taskId: entry.taskId,
      priority: entry.priority,
      key: entry.key,
      attempt: 1
    }))
  }

  taskStarted(entry: TaskEntry): void {
    if (!this.active) return
    this.publish(PoolEvent.TaskStarted({
      timestamp: this.now(),
      taskId: entry.taskId,
      priority: entry.priority,
      key: entry.key,
      attempt: entry.attempts
    }))
  }

  taskRetrying(entry: TaskEntry, delayMillis: number): void {
    if (!this.active) return
    this.publish(PoolEvent.TaskRetrying({
      timestamp: this.now(),
      taskId: entry.taskId,
      attempt: entry.attempts,
      delay: Duration.millis(delayMillis)
    }))
  }

  taskSettled(entry: TaskEntry, result: TaskResult<unknown, unknown>): void {
    if (!this.active) return
    this.publish(PoolEvent.TaskSettled({
      timestamp: this.now(),
      taskId: entry.taskId,
      outcome: entry.outcome,
      attempts: result.attempts,
      duration: result.duration,
      waitTime: result.waitTime
    }))
  }

  /** `key` is paused for `millis` more (`Infinity`: until resumed). */
  keyPaused(key: string, millis: number): void {
    if (!this.active) return
    const timestamp = this.now()
    this.publish(PoolEvent.KeyPaused({ timestamp, key, until: timestamp + millis }))
  }

  keyResumed(key: string): void {
    if (this.active) this.publish(PoolEvent.KeyResumed({ timestamp: this.now(), key }))
  }

  /** An event with a timestamp only, or with `workers`. */
  pool(tag: "PoolPaused" | "PoolResumed" | "ShutdownStarted" | "ShutdownCompleted"): void {
    if (this.active) this.publish(PoolEvent[tag]({ timestamp: this.now() }))
  }

  poolResized(workers: number): void {
    if (this.active) this.publish(PoolEvent.PoolResized({ timestamp: this.now(), workers }))
  }

  /** The pool has shut down: every stream ends once its buffered events are taken. */
  end(): void {
    this.ended = true
    for (const subscriber of this.subscribers) subscriber.end()
  }

  /** A stream of the events from the moment it starts; it ends after `ShutdownCompleted`. */
  readonly stream: Stream.Stream<PoolEvent> = Stream.unwrapScoped(
    Effect.map(
      Effect.acquireRelease(
        Effect.sync(() => {
          const subscriber = new Subscriber(this.capacity, this.now)
          if (this.ended) subscriber.end()
          else this.subscribers.add(subscriber)
          return subscriber
        }),
        (subscriber) => Effect.sync(() => this.subscribers.delete(subscriber))
      ),
      (subscriber) => Stream.repeatEffectChunkOption(subscriber.take)
    )
  )
}

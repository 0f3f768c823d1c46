import { Fifo } from "./fifo.js"
import { type HeapSlot, IndexedHeap } from "./heap.js"

/**
 * What the scheduler needs of a queued task.
 *
 * @internal
 */
export interface Schedulable<T> {
  /** The base priority level, 0 to `levels - 1`. */
  readonly level: number
  /** Acceptance order: FIFO within an effective level is by `seq`. */
  readonly seq: number
  readonly submittedAt: number
  readonly keyState: KeyState<T>
  queuePrev: T | undefined
  queueNext: T | undefined
  keyPrev: T | undefined
  keyNext: T | undefined
}

/**
 * A sliding-window rate limit: at most `limit` starts in any window
 * `[s, s + intervalMillis)`. Times are in milliseconds, as all of the
 * scheduler's.
 *
 * @internal
 */
export interface RateLimit {
  readonly limit: number
  readonly intervalMillis: number
}

/**
 * A pause with no end: only `resume` ends it.
 *
 * @internal
 */
export const forever = Number.POSITIVE_INFINITY

/**
 * The scheduling state of one key (or of the tasks without a key).
 *
 * @internal
 */
export class KeyState<T> {
  running = 0
  queued = 0
  pausedUntil: number | undefined = undefined
  /** Whether the key sits in the ready heaps (it has queued tasks and may start), as last placed. */
  startable = false
  /** When a timer is already set to look at this key again. */
  wakeAt: number | undefined = undefined
  readonly lists: ReadonlyArray<Fifo<any, "keyPrev", "keyNext">>
  /** Per level: the key's place in that level's heap, and the head it was ordered by. */
  readonly slots: ReadonlyArray<HeapSlot & { head: T | undefined }>
  /** Start times of the last `rate.limit` starts, oldest at `nextStart` once full. */
  private readonly starts: Array<number> = []
  private nextStart = 0

  constructor(
    readonly name: string | undefined,
    levels: number,
    readonly limit: number,
    readonly rate: RateLimit | undefined
  ) {
    this.lists = Array.from({ length: levels }, () => new Fifo<any, "keyPrev", "keyNext">(keyLinks))
    this.slots = Array.from({ length: levels }, () => ({ heapIndex: -1, head: undefined }))
  }

  head(level: number): T | undefined {
    return this.lists[level]!.head
  }

  recordStart(now: number): void {
    if (this.rate === undefined) return
    if (this.starts.length < this.rate.limit) {
      this.starts.push(now)
    } else {
      this.starts[this.nextStart] = now
      this.nextStart = (this.nextStart + 1) % this.rate.limit
    }
  }

  /** The moment the rate limit lets this key start again, or `undefined` if it does now. */
  rateBlockedUntil(now: number): number | undefined {
    if (this.rate === undefined || this.starts.length < this.rate.limit) return undefined
    const until = this.starts[this.nextStart]! + this.rate.intervalMillis
    return until > now ? until : undefined
  }

  /** Whether the clock matters to this key: a rate limit or a pause. */
  timeBound(): boolean {
    return this.rate !== undefined || this.pausedUntil !== undefined
  }

  isPaused(now: number): boolean {
    if (this.pausedUntil === undefined) return false
    if (now < this.pausedUntil) return true
    this.pausedUntil = undefined
    return false
  }
}

const acceptedBefore = <T extends { readonly seq: number }>(item: T, other: T): boolean => item.seq < other.seq

const keyLinks = { prev: "keyPrev", next: "keyNext" } as const
const queueLinks = { prev: "queuePrev", next: "queueNext" } as const

/**
 * Options of a {@link Scheduler}.
 *
 * @internal
 */
export interface SchedulerOptions {
  readonly levels: number
  readonly keyLimit: (key: string) => number
  readonly rateLimit: (key: string) => RateLimit | undefined
  /** `undefined` turns aging off. */
  readonly agingMillis: number | undefined
  /** Called when a key will become startable at `at` by itself (a pause or a rate window ends). */
  readonly wakeAt: (at: number, key: KeyState<any>) => void
}

/**
 * Picks the next task to start: the task of the highest effective level
 * (its priority, plus one per aging interval waited, capped at the top
 * level), oldest first, among the tasks whose key may start now.
 *
 * Each key keeps one FIFO list per level. For each level, a heap holds the
 * keys that may start now and have tasks at that level, ordered by the
 * acceptance order of their oldest task there. The oldest task of a level
 * has waited longest, so it is also the one aged furthest, and the best
 * task overall is the best of the heaps' tops: a pick looks at one top per
 * level and costs O(levels + log keys), whatever the number of keys or of
 * queued tasks. A key that cannot start (at its concurrency limit, paused,
 * or out of its rate window) leaves the heaps, so it never blocks the keys
 * behind it.
 *
 * One FIFO list per level across all keys keeps the acceptance order for
 * eviction and the per-level depth.
 *
 * @internal
 */
export class Scheduler<T extends Schedulable<T>> {
  private readonly keys = new Map<string, KeyState<T>>()
  readonly unkeyed: KeyState<T>
  private readonly ready: ReadonlyArray<IndexedHeap<KeyState<T>>>
  private readonly byLevel: ReadonlyArray<Fifo<T, "queuePrev", "queueNext">>
  size = 0

  constructor(private readonly options: SchedulerOptions) {
    this.unkeyed = new KeyState<T>(undefined, options.levels, Infinity, undefined)
    this.ready = Array.from({ length: options.levels }, (_, level) =>
      new IndexedHeap<KeyState<T>>(
        (a, b) => a.head(level)!.seq < b.head(level)!.seq,
        (key) => key.slots[level]!
      ))
    this.byLevel = Array.from({ length: options.levels }, () => new Fifo<T, "queuePrev", "queueNext">(queueLinks))
  }

  keyState(name: string | undefined): KeyState<T> {
    if (name === undefined) return this.unkeyed
    let state = this.keys.get(name)
    if (state === undefined) {
      state = new KeyState<T>(name, this.options.levels, this.options.keyLimit(name), this.options.rateLimit(name))
      this.keys.set(name, state)
    }
    return state
  }

  /** The keys seen so far, with names. */
  namedKeys(): IterableIterator<KeyState<T>> {
    return this.keys.values()
  }

  sizeOf(level: number): number {
    return this.byLevel[level]!.size
  }

  /** Whether a task of this key could start now, queue aside. */
  canStart(key: KeyState<T>, now: number): boolean {
    if (key.running >= key.limit || key.isPaused(now)) return false
    return key.rateBlockedUntil(now) === undefined
  }

  enqueue(item: T, now: number): void {
    const key = item.keyState
    key.lists[item.level]!.push(item)
    key.queued++
    this.byLevel[item.level]!.push(item)
    this.size++
    this.refreshLevel(key, item.level, now)
  }

  /**
   * Queues a task that was queued before (a retry): at its place in
   * acceptance order, ahead of the tasks of its level accepted after it.
   */
  requeue(item: T, now: number): void {
    const key = item.keyState
    key.lists[item.level]!.insertOrdered(item, acceptedBefore)
    key.queued++
    this.byLevel[item.level]!.insertOrdered(item, acceptedBefore)
    this.size++
    this.refreshLevel(key, item.level, now)
  }

  /** The effective level of the task `take` would pick now, or -1 when none may start. */
  peekLevel(now: number): number {
    let best = -1
    for (let level = this.ready.length - 1; level >= 0; level--) {
      const key = this.ready[level]!.peek()
      if (key === undefined) continue
      const effective = this.effectiveLevel(key.head(level)!, now)
      if (effective > best) best = effective
      if (this.options.agingMillis === undefined) break
    }
    return best
  }

  /**
   * Every queued task, in the order they would start if every key were
   * free now: highest effective level first, then oldest first.
   */
  queuedInStartOrder(now: number): Array<T> {
    const queued: Array<T> = []
    for (const list of this.byLevel) {
      for (let item = list.head; item !== undefined; item = item.queueNext) queued.push(item)
    }
    const levels = new Map(queued.map((item) => [item, this.effectiveLevel(item, now)]))
    return queued.sort((a, b) => levels.get(b)! - levels.get(a)! || a.seq - b.seq)
  }

  /** Removes a queued task (cancelled, evicted or expired). */
  remove(item: T, now: number): void {
    this.unlink(item)
    this.refreshLevel(item.keyState, item.level, now)
  }

  /** Empties the queue, returning every queued task, highest level first. */
  removeAll(now: number): Array<T> {
    const removed: Array<T> = []
    for (let level = this.byLevel.length - 1; level >= 0; level--) {
      for (let item = this.byLevel[level]!.head; item !== undefined; item = this.byLevel[level]!.head) {
        this.remove(item, now)
        removed.push(item)
      }
    }
    return removed
  }

  /** Takes the best task that may start now and counts it as started. */
  take(now: number): T | undefined {
    const aging = this.options.agingMillis
    let best: T | undefined
    let bestLevel = -1
    for (let level = this.ready.length - 1; level >= 0; level--) {
      const key = this.ready[level]!.peek()
      if (key === undefined) continue
      const head = key.head(level)!
      if (aging === undefined) {
        best = head
        break
      }
      const effective = this.effectiveLevel(head, now)
      if (effective > bestLevel || (effective === bestLevel && head.seq < best!.seq)) {
        best = head
        bestLevel = effective
      }
    }
    if (best === undefined) return undefined
    this.unlink(best)
    const key = best.keyState
    key.running++
    key.recordStart(now)
    this.refreshLevel(key, best.level, now)
    return best
  }

  /** Counts a task that starts without having been queued. */
  started(key: KeyState<T>, now: number): void {
    key.running++
    key.recordStart(now)
    this.refreshIfChanged(key, now)
  }

  finished(key: KeyState<T>, now: number): void {
    key.running--
    this.refreshIfChanged(key, now)
  }

  pause(key: KeyState<T>, until: number, now: number): void {
    key.pausedUntil = key.pausedUntil !== undefined && key.pausedUntil > until ? key.pausedUntil : until
    this.refresh(key, now)
  }

  resume(key: KeyState<T>, now: number): void {
    key.pausedUntil = undefined
    this.refresh(key, now)
  }

  effectiveLevel(item: T, now: number): number {
    const aging = this.options.agingMillis
    if (aging === undefined) return item.level
    const aged = item.level + Math.floor((now - item.submittedAt) / aging)
    return aged < this.ready.length ? aged : this.ready.length - 1
  }

  /**
   * The task to evict for one of priority `level`: the newest of the lowest
   * effective level below `level`, if any. The newest task of a level is
   * aged least, so only the newest of each level need be compared.
   */
  evictionCandidate(level: number, now: number): T | undefined {
    let candidate: T | undefined
    let candidateLevel = level
    // A task's effective level is at least its base level: only lower bases qualify.
    for (let base = 0; base < level; base++) {
      const newest = this.byLevel[base]!.tail
      if (newest === undefined) continue
      const effective = this.effectiveLevel(newest, now)
      const better = candidate === undefined
        ? effective < level
        : effective < candidateLevel || (effective === candidateLevel && newest.seq > candidate.seq)
      if (better) {
        candidate = newest
        candidateLevel = effective
      }
    }
    return candidate
  }

  /**
   * Asks for a wake-up when a key held by a pause or its rate window may
   * start again, even with nothing of it queued (a submitter waits for it).
   */
  wakeWhenStartable(key: KeyState<T>, now: number): void {
    this.startableOrWake(key, now)
  }

  /** Puts the key in or out of each level's heap, as it may start now or not. */
  refresh(key: KeyState<T>, now: number): void {
    const startable = key.queued > 0 && this.startableOrWake(key, now)
    key.startable = startable
    for (let level = 0; level < this.ready.length; level++) this.place(key, level, startable)
  }

  /**
   * `refresh` after a change at one level only: unless the key's
   * startability changed too, only that level's heap needs a look.
   */
  private refreshLevel(key: KeyState<T>, level: number, now: number): void {
    const startable = key.queued > 0 && this.startableOrWake(key, now)
    if (startable !== key.startable) return this.refresh(key, now)
    this.place(key, level, startable)
  }

  /** `refresh` after a change that moved no task: only a change of startability matters. */
  private refreshIfChanged(key: KeyState<T>, now: number): void {
    const startable = key.queued > 0 && this.startableOrWake(key, now)
    if (startable !== key.startable) this.refresh(key, now)
  }

  private place(key: KeyState<T>, level: number, startable: boolean): void {
    const heap = this.ready[level]!
    const slot = key.slots[level]!
    const head = key.head(level)
    if (startable && head !== undefined) {
      // The heap orders keys by their head: a key whose head is unchanged keeps its place.
      if (slot.heapIndex < 0) heap.push(key)
      else if (slot.head !== head) heap.update(key)
      slot.head = head
    } else if (slot.heapIndex >= 0) {
      heap.remove(key)
    }
  }

  private startableOrWake(key: KeyState<T>, now: number): boolean {
    if (key.running >= key.limit) return false
    if (key.isPaused(now)) {
      this.wake(key, key.pausedUntil!)
      return false
    }
    const blockedUntil = key.rateBlockedUntil(now)
    if (blockedUntil !== undefined) {
      this.wake(key, blockedUntil)
      return false
    }
    return true
  }

  private wake(key: KeyState<T>, at: number): void {
    if (at === forever || (key.wakeAt !== undefined && key.wakeAt <= at)) return
    key.wakeAt = at
    this.options.wakeAt(at, key)
  }

  private unlink(item: T): void {
    const key = item.keyState
    key.lists[item.level]!.remove(item)
    key.queued--
    this.byLevel[item.level]!.remove(item)
    this.size--
  }
}

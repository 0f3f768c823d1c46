import * as Effect from "effect/Effect"
import { currentTask } from "./currentTask.js"
import { type EntryOwner, Phase, type TaskEntry } from "./taskEntry.js"

/**
 * What lending needs of its pool.
 *
 * @internal
 */
export interface LendingOwner extends EntryOwner {
  /** Frees a task's worker slot. */
  freeSlot(entry: TaskEntry): void
  /** Gives a task a worker slot back. */
  takeSlot(entry: TaskEntry): void
  /** Gives free slots to whoever waits for one. */
  dispatch(): void
  /** Whether the shutdown deadline has passed. */
  readonly forcedStop: boolean
}

interface Borrower {
  readonly entry: TaskEntry
  readonly resume: () => void
}

/**
 * Worker slots lent by tasks that wait on their own pool. A task whose
 * fiber (or a fiber it forked) waits on the pool gives its worker back
 * for the wait, and takes one again before the last of its waiting fibers
 * goes on. The pool serves tasks taking their worker back before any
 * queued task of their effective level or lower (see `PoolCore.dispatch`),
 * so that an orchestration task fanning out to its own pool never
 * deadlocks it, and no more than `workers` tasks hold a worker.
 *
 * @internal
 */
export class Lending {
  private readonly waiting: Array<Borrower> = []

  constructor(private readonly owner: LendingOwner) {}

  /** How many tasks wait to take their worker back. */
  get size(): number {
    return this.waiting.length
  }

  /** Runs `wait`, a wait on the pool: lending the worker of the task the waiting fiber works for, if any. */
  lendWhile<A, E, R>(wait: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    return Effect.withFiberRuntime((fiber) => {
      const task = fiber.getFiberRef(currentTask)
      if (task === undefined || task.owner !== this.owner || (!task.holdsSlot && task.waits === 0)) return wait
      return Effect.acquireUseRelease(Effect.sync(() => this.lend(task)), () => wait, () => this.takeBack(task))
    })
  }

  private lend(task: TaskEntry): void {
    if (task.waits++ > 0 || !task.holdsSlot) return
    this.owner.freeSlot(task)
    this.owner.dispatch()
  }

  private takeBack(task: TaskEntry): Effect.Effect<void> {
    return Effect.async<void>((resume) => {
      if (--task.waits > 0 || task.holdsSlot || !this.mayTakeBack(task)) return resume(Effect.void)
      this.waiting.push({ entry: task, resume: () => resume(Effect.void) })
      this.owner.dispatch()
    })
  }

  /** Whether a task's fiber should wait for a worker to go on: not when its run is being stopped. */
  private mayTakeBack(task: TaskEntry): boolean {
    return !this.owner.forcedStop && task.interruptedBy === undefined && !task.timedOut &&
      (task.phase === Phase.Running || task.phase === Phase.Callback)
  }

  /** The waiting task of the highest level, oldest first. */
  best(levelOf: (entry: TaskEntry) => number): TaskEntry | undefined {
    let best: Borrower | undefined
    let bestLevel = -1
    for (const borrower of this.waiting) {
      const level = levelOf(borrower.entry)
      if (level > bestLevel || (level === bestLevel && borrower.entry.seq < best!.entry.seq)) {
        best = borrower
        bestLevel = level
      }
    }
    return best?.entry
  }

  /** Gives `entry`, waiting, its worker back, and lets its fiber go on. */
  serve(entry: TaskEntry): void {
    this.owner.takeSlot(entry)
    this.resume(entry)
  }

  /** Lets the waiting fiber of `entry`, if any, go on without a worker: its run is being stopped. */
  resume(entry: TaskEntry): void {
    if (this.waiting.length === 0) return
    const index = this.waiting.findIndex((borrower) => borrower.entry === entry)
    if (index >= 0) this.waiting.splice(index, 1)[0]!.resume()
  }

  /** Lets every waiting fiber go on without a worker: the pool is being forced to stop. */
  resumeAll(): void {
    for (const borrower of this.waiting.splice(0)) borrower.resume()
  }
}

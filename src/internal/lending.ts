import type { TaskEntry } from "./taskEntry.js"

interface Borrower {
  readonly entry: TaskEntry
  readonly resume: () => void
}

/**
 * Tasks whose fibers waited on their own pool, gave their worker back
 * meanwhile, and now wait to take one again. The pool serves them before
 * any queued task of their effective level or lower (see
 * `PoolCore.dispatch`), so that an orchestration task fanning out to its
 * own pool never deadlocks it.
 *
 * @internal
 */
export class Lending {
  private readonly waiting: Array<Borrower> = []

  get size(): number {
    return this.waiting.length
  }

  wait(entry: TaskEntry, resume: () => void): void {
    this.waiting.push({ entry, resume })
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

  /** Resumes the waiting fiber of `entry`, if any: it has its worker back, or goes on without one. */
  resume(entry: TaskEntry): boolean {
    const index = this.waiting.findIndex((borrower) => borrower.entry === entry)
    if (index < 0) return false
    const [borrower] = this.waiting.splice(index, 1)
    borrower!.resume()
    return true
  }

  /** Resumes every waiting fiber without a worker: the pool is being forced to stop. */
  resumeAll(): void {
    for (const borrower of this.waiting.splice(0)) borrower.resume()
  }
}

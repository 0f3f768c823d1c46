import type * as Scheduler from "effect/Scheduler"

/**
 * Starts the fibers of the tasks a pool has given a worker slot, in the
 * order it gave them. It runs either where it is safe to start fibers
 * inline (right after a task's fiber has ended: see `enter`/`leave`), or on
 * the next turn of Effect's scheduler (`soon`), as `Effect.fork` starts a
 * fiber: never inside the stack of a submitter.
 *
 * One run starts at most `budget` fibers and leaves the rest to another
 * turn, so that tasks which end at once and start one another cannot keep
 * the scheduler from other fibers for as long as the queue lasts.
 *
 * The pending tasks sit in a ring buffer: never more than the pool's
 * workers, and pushing allocates nothing.
 *
 * @internal
 */
export class Launcher<T> {
  private ring: Array<T | undefined> = new Array(16)
  private head = 0
  private count = 0
  /** Set while a run is going on, or about to start further up the stack. */
  private active = false
  private scheduled = false

  constructor(
    private readonly scheduler: Scheduler.Scheduler,
    private readonly start: (item: T) => void,
    private readonly budget: number
  ) {}

  get pending(): number {
    return this.count
  }

  push(item: T): void {
    if (this.count === this.ring.length) this.grow()
    this.ring[(this.head + this.count) & (this.ring.length - 1)] = item
    this.count++
  }

  /** Makes sure a run happens on the scheduler's next turn, unless one is going on. */
  soon(): void {
    if (this.active || this.scheduled || this.count === 0) return
    this.schedule()
  }

  /**
   * Marks the start of a safe place: a run asked for from here on happens
   * when `leave` is called with what `enter` returned.
   */
  enter(): boolean {
    const outer = this.active
    this.active = true
    return outer
  }

  leave(outer: boolean): void {
    if (!outer) this.run()
  }

  private schedule(): void {
    this.scheduled = true
    this.scheduler.scheduleTask(this.onTurn, 0)
  }

  private readonly onTurn = (): void => {
    this.scheduled = false
    if (this.active) return
    this.active = true
    this.run()
  }

  /** Starts pending tasks in order; the caller has set `active`. */
  private run(): void {
    let budget = this.budget
    while (this.count > 0) {
      if (budget-- === 0) {
        this.schedule()
        break
      }
      const item = this.ring[this.head]!
      this.ring[this.head] = undefined
      this.head = (this.head + 1) & (this.ring.length - 1)
      this.count--
      this.start(item)
    }
    this.active = false
  }

  private grow(): void {
    const ring = new Array<T | undefined>(this.ring.length * 2)
    for (let i = 0; i < this.count; i++) ring[i] = this.ring[(this.head + i) & (this.ring.length - 1)]
    this.ring = ring
    this.head = 0
  }
}

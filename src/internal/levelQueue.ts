/**
 * An item that can sit in a {@link LevelQueue}. The links live on the item
 * itself, so queueing allocates nothing and removing any item is O(1).
 *
 * @internal
 */
export interface Linked<T> {
  queuePrev: T | undefined
  queueNext: T | undefined
  readonly level: number
}

/**
 * One FIFO list per priority level. `shift` takes the oldest item of the
 * highest non-empty level.
 *
 * @internal
 */
export class LevelQueue<T extends Linked<T>> {
  private readonly heads: Array<T | undefined>
  private readonly tails: Array<T | undefined>
  private readonly sizes: Array<number>
  size = 0

  constructor(readonly levels: number) {
    this.heads = new Array(levels).fill(undefined)
    this.tails = new Array(levels).fill(undefined)
    this.sizes = new Array(levels).fill(0)
  }

  /** How many items wait at one level. */
  sizeOf(level: number): number {
    return this.sizes[level]!
  }

  push(item: T): void {
    const tail = this.tails[item.level]
    item.queuePrev = tail
    item.queueNext = undefined
    if (tail === undefined) this.heads[item.level] = item
    else tail.queueNext = item
    this.tails[item.level] = item
    this.sizes[item.level]!++
    this.size++
  }

  shift(): T | undefined {
    for (let level = this.levels - 1; level >= 0; level--) {
      const head = this.heads[level]
      if (head !== undefined) {
        this.remove(head)
        return head
      }
    }
    return undefined
  }

  /** Removes an item that is in this queue. */
  remove(item: T): void {
    const { queuePrev: prev, queueNext: next } = item
    if (prev === undefined) this.heads[item.level] = next
    else prev.queueNext = next
    if (next === undefined) this.tails[item.level] = prev
    else next.queuePrev = prev
    item.queuePrev = undefined
    item.queueNext = undefined
    this.sizes[item.level]!--
    this.size--
  }

  /** Empties the queue, returning its items from the highest level down. */
  drain(): Array<T> {
    const items: Array<T> = []
    for (let item = this.shift(); item !== undefined; item = this.shift()) items.push(item)
    return items
  }
}

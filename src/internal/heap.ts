/**
 * An item of an {@link IndexedHeap}: it remembers where it sits, so that it
 * can be removed or re-positioned in O(log n) without a search.
 *
 * @internal
 */
export interface HeapSlot {
  heapIndex: number
}

/**
 * A binary min-heap ordered by `before`, whose items know their index.
 *
 * @internal
 */
export class IndexedHeap<T> {
  private readonly items: Array<T> = []

  constructor(
    private readonly before: (a: T, b: T) => boolean,
    private readonly slot: (item: T) => HeapSlot
  ) {}

  get size(): number {
    return this.items.length
  }

  peek(): T | undefined {
    return this.items[0]
  }

  has(item: T): boolean {
    return this.slot(item).heapIndex >= 0
  }

  push(item: T): void {
    this.slot(item).heapIndex = this.items.length
    this.items.push(item)
    this.up(this.items.length - 1)
  }

  pop(): T | undefined {
    const top = this.items[0]
    if (top !== undefined) this.remove(top)
    return top
  }

  remove(item: T): void {
    const index = this.slot(item).heapIndex
    if (index < 0) return
    const last = this.items.pop()!
    this.slot(item).heapIndex = -1
    if (last === item) return
    this.items[index] = last
    this.slot(last).heapIndex = index
    this.update(last)
  }

  /** Restores the order after the item's key changed. */
  update(item: T): void {
    const index = this.slot(item).heapIndex
    if (index >= 0) this.down(this.up(index))
  }

  private up(index: number): number {
    const items = this.items
    const item = items[index]!
    while (index > 0) {
      const parent = (index - 1) >> 1
      if (!this.before(item, items[parent]!)) break
      this.place(items[parent]!, index)
      index = parent
    }
    this.place(item, index)
    return index
  }

  private down(index: number): void {
    const items = this.items
    const item = items[index]!
    for (;;) {
      const left = 2 * index + 1
      if (left >= items.length) break
      const right = left + 1
      const child = right < items.length && this.before(items[right]!, items[left]!) ? right : left
      if (!this.before(items[child]!, item)) break
      this.place(items[child]!, index)
      index = child
    }
    this.place(item, index)
  }

  private place(item: T, index: number): void {
    this.items[index] = item
    this.slot(item).heapIndex = index
  }
}

/**
 * The names of the two link fields an item of a {@link Fifo} carries. An
 * item can sit in several lists at once, one pair of fields per list.
 *
 * @internal
 */
export interface LinkNames<P extends string, N extends string> {
  readonly prev: P
  readonly next: N
}

type Linked<T, P extends string, N extends string> = { [K in P | N]: T | undefined }

/**
 * A FIFO list whose links live on the items themselves: pushing allocates
 * nothing and removing any item is O(1).
 *
 * @internal
 */
export class Fifo<T extends Linked<T, P, N>, P extends string, N extends string> {
  head: T | undefined = undefined
  tail: T | undefined = undefined
  size = 0

  constructor(private readonly names: LinkNames<P, N>) {}

  push(item: T): void {
    const { next, prev } = this.names
    const tail = this.tail
    ;(item as Linked<T, P, N>)[prev] = tail
    ;(item as Linked<T, P, N>)[next] = undefined
    if (tail === undefined) this.head = item
    else (tail as Linked<T, P, N>)[next] = item
    this.tail = item
    this.size++
  }

  /**
   * Inserts an item where `before` says it belongs: ahead of the first item
   * from the tail back for which `before(item, other)` no longer holds. A
   * list kept in some order stays in it; pushing is this with an item that
   * belongs last.
   */
  insertOrdered(item: T, before: (item: T, other: T) => boolean): void {
    const { next, prev } = this.names
    let after = this.tail
    while (after !== undefined && before(item, after)) after = after[prev]
    if (after === this.tail) return this.push(item)
    const following = after === undefined ? this.head! : after[next]!
    ;(item as Linked<T, P, N>)[prev] = after
    ;(item as Linked<T, P, N>)[next] = following
    ;(following as Linked<T, P, N>)[prev] = item
    if (after === undefined) this.head = item
    else (after as Linked<T, P, N>)[next] = item
    this.size++
  }

  /** Removes an item that is in this list. */
  remove(item: T): void {
    const { next: nextName, prev: prevName } = this.names
    const prev = item[prevName]
    const next = item[nextName]
    if (prev === undefined) this.head = next
    else (prev as Linked<T, P, N>)[nextName] = next
    if (next === undefined) this.tail = prev
    else (next as Linked<T, P, N>)[prevName] = prev
    ;(item as Linked<T, P, N>)[prevName] = undefined
    ;(item as Linked<T, P, N>)[nextName] = undefined
    this.size--
  }
}

import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { IndexedHeap } from "../../src/internal/heap.js"

class Item {
  heapIndex = -1
  constructor(readonly name: string, public value: number) {}
}

const makeHeap = () => new IndexedHeap<Item>((a, b) => a.value < b.value, (item) => item)

const popAll = (heap: IndexedHeap<Item>): Array<Item> => {
  const out: Array<Item> = []
  for (let item = heap.pop(); item !== undefined; item = heap.pop()) out.push(item)
  return out
}

const items = (...values: ReadonlyArray<number>) => values.map((value, i) => new Item(`i${i}`, value))

describe("IndexedHeap", () => {
  it("is empty at first: size 0, nothing to peek or pop", () => {
    const heap = makeHeap()
    expect(heap.size).toBe(0)
    expect(heap.peek()).toBeUndefined()
    expect(heap.pop()).toBeUndefined()
  })

  it("pops items in ascending order whatever the push order", () => {
    const heap = makeHeap()
    for (const item of items(5, 3, 9, 1, 7, 2, 8, 6, 4, 0)) heap.push(item)
    expect(heap.size).toBe(10)
    expect(heap.peek()!.value).toBe(0)
    expect(popAll(heap).map((item) => item.value)).toStrictEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(heap.size).toBe(0)
  })

  it("peek shows the smallest item without removing it", () => {
    const heap = makeHeap()
    const [a, b] = items(2, 1)
    heap.push(a!)
    heap.push(b!)
    expect(heap.peek()).toBe(b)
    expect(heap.peek()).toBe(b)
    expect(heap.size).toBe(2)
  })

  it("tracks membership in each item's slot: has() while in the heap, heapIndex -1 once out", () => {
    const heap = makeHeap()
    const [a, b, c] = items(3, 1, 2)
    expect(heap.has(a!)).toBe(false)
    heap.push(a!)
    heap.push(b!)
    heap.push(c!)
    expect([a, b, c].every((item) => heap.has(item!))).toBe(true)
    expect(heap.pop()).toBe(b)
    expect(heap.has(b!)).toBe(false)
    expect(b!.heapIndex).toBe(-1)
    heap.remove(a!)
    expect(heap.has(a!)).toBe(false)
    expect(a!.heapIndex).toBe(-1)
    expect(heap.has(c!)).toBe(true)
  })

  it("removes the top, a middle item or the last item and keeps the order of the rest", () => {
    const all = items(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)
    for (const victim of [0, 4, 9, 5]) {
      const heap = makeHeap()
      for (const item of all) heap.push(item)
      heap.remove(all[victim]!)
      expect(heap.size).toBe(9)
      expect(popAll(heap).map((item) => item.value)).toStrictEqual(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].filter((value) => value !== victim)
      )
    }
  })

  it("removing an item that is not in the heap does nothing", () => {
    const heap = makeHeap()
    const [a, b] = items(1, 2)
    heap.push(a!)
    heap.remove(b!)
    expect(heap.size).toBe(1)
    expect(heap.peek()).toBe(a)
  })

  it("update moves an item up after its key decreased and down after it increased", () => {
    const heap = makeHeap()
    const all = items(10, 20, 30, 40, 50)
    for (const item of all) heap.push(item)
    all[4]!.value = 5
    heap.update(all[4]!)
    expect(heap.peek()).toBe(all[4])
    all[4]!.value = 45
    heap.update(all[4]!)
    expect(heap.peek()).toBe(all[0])
    all[0]!.value = 100
    heap.update(all[0]!)
    expect(popAll(heap).map((item) => item.value)).toStrictEqual([20, 30, 40, 45, 100])
  })

  it("update of an item that is not in the heap does nothing", () => {
    const heap = makeHeap()
    const [a, b] = items(1, 2)
    heap.push(a!)
    b!.value = 0
    heap.update(b!)
    expect(heap.size).toBe(1)
    expect(heap.peek()).toBe(a)
  })

  it("an item removed from the heap can be pushed again", () => {
    const heap = makeHeap()
    const [a, b] = items(1, 2)
    heap.push(a!)
    heap.push(b!)
    heap.remove(a!)
    a!.value = 3
    heap.push(a!)
    expect(popAll(heap)).toStrictEqual([b, a])
  })

  type Op =
    | { readonly _tag: "push"; readonly value: number }
    | { readonly _tag: "pop" }
    | { readonly _tag: "remove"; readonly pick: number }
    | { readonly _tag: "update"; readonly pick: number; readonly value: number }

  const opArbitrary: FastCheck.Arbitrary<Op> = FastCheck.oneof(
    FastCheck.record({ _tag: FastCheck.constant("push" as const), value: FastCheck.integer({ min: 0, max: 20 }) }),
    FastCheck.record({ _tag: FastCheck.constant("pop" as const) }),
    FastCheck.record({ _tag: FastCheck.constant("remove" as const), pick: FastCheck.nat() }),
    FastCheck.record({
      _tag: FastCheck.constant("update" as const),
      pick: FastCheck.nat(),
      value: FastCheck.integer({ min: 0, max: 20 })
    })
  )

  it.prop(
    "behaves like a sorted array under random pushes, pops, removals and updates",
    [FastCheck.array(opArbitrary, { maxLength: 120 })],
    ([ops]) => {
      const heap = makeHeap()
      const model: Array<Item> = []
      let counter = 0
      for (const op of ops) {
        switch (op._tag) {
          case "push": {
            const item = new Item(`i${counter++}`, op.value)
            heap.push(item)
            model.push(item)
            break
          }
          case "pop": {
            const popped = heap.pop()
            if (model.length === 0) {
              expect(popped).toBeUndefined()
            } else {
              const min = Math.min(...model.map((item) => item.value))
              expect(popped!.value).toBe(min)
              model.splice(model.indexOf(popped!), 1)
            }
            break
          }
          case "remove": {
            if (model.length === 0) break
            const item = model[op.pick % model.length]!
            heap.remove(item)
            model.splice(model.indexOf(item), 1)
            break
          }
          case "update": {
            if (model.length === 0) break
            const item = model[op.pick % model.length]!
            item.value = op.value
            heap.update(item)
            break
          }
        }
        expect(heap.size).toBe(model.length)
        if (model.length > 0) expect(heap.peek()!.value).toBe(Math.min(...model.map((item) => item.value)))
        // Every item knows its own, distinct position.
        const indexes = model.map((item) => item.heapIndex)
        expect(indexes.every((index) => index >= 0 && index < model.length)).toBe(true)
        expect(new Set(indexes).size).toBe(model.length)
      }
      const drained = popAll(heap).map((item) => item.value)
      expect(drained).toStrictEqual(model.map((item) => item.value).sort((a, b) => a - b))
    },
    { fastCheck: { numRuns: 200 } }
  )
})

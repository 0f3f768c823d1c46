import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { Fifo } from "../../src/internal/fifo.js"

class Node {
  prevA: Node | undefined = undefined
  nextA: Node | undefined = undefined
  prevB: Node | undefined = undefined
  nextB: Node | undefined = undefined
  constructor(readonly name: string) {}
}

const linksA = { prev: "prevA", next: "nextA" } as const
const linksB = { prev: "prevB", next: "nextB" } as const

const listA = () => new Fifo<Node, "prevA", "nextA">(linksA)
const listB = () => new Fifo<Node, "prevB", "nextB">(linksB)

/** The names from head to tail, checked against the walk from tail to head. */
const namesA = (list: Fifo<Node, "prevA", "nextA">): Array<string> => {
  const forward: Array<string> = []
  for (let node = list.head; node !== undefined; node = node.nextA) forward.push(node.name)
  const backward: Array<string> = []
  for (let node = list.tail; node !== undefined; node = node.prevA) backward.push(node.name)
  expect(backward.reverse()).toStrictEqual(forward)
  expect(list.size).toBe(forward.length)
  return forward
}

const namesB = (list: Fifo<Node, "prevB", "nextB">): Array<string> => {
  const forward: Array<string> = []
  for (let node = list.head; node !== undefined; node = node.nextB) forward.push(node.name)
  return forward
}

const nodes = (...names: ReadonlyArray<string>) => names.map((name) => new Node(name))

describe("Fifo", () => {
  it("is empty at first", () => {
    const list = listA()
    expect(list.size).toBe(0)
    expect(list.head).toBeUndefined()
    expect(list.tail).toBeUndefined()
  })

  it("keeps pushed items in order: head is the oldest, tail the newest", () => {
    const list = listA()
    const [a, b, c] = nodes("a", "b", "c")
    for (const node of [a!, b!, c!]) list.push(node)
    expect(list.head).toBe(a)
    expect(list.tail).toBe(c)
    expect(namesA(list)).toStrictEqual(["a", "b", "c"])
  })

  it("removes an item from the middle and relinks its neighbours", () => {
    const list = listA()
    const [a, b, c] = nodes("a", "b", "c")
    for (const node of [a!, b!, c!]) list.push(node)
    list.remove(b!)
    expect(namesA(list)).toStrictEqual(["a", "c"])
    expect(a!.nextA).toBe(c)
    expect(c!.prevA).toBe(a)
  })

  it("removing the head makes the next item the head", () => {
    const list = listA()
    const [a, b, c] = nodes("a", "b", "c")
    for (const node of [a!, b!, c!]) list.push(node)
    list.remove(a!)
    expect(list.head).toBe(b)
    expect(b!.prevA).toBeUndefined()
    expect(namesA(list)).toStrictEqual(["b", "c"])
  })

  it("removing the tail makes the previous item the tail", () => {
    const list = listA()
    const [a, b, c] = nodes("a", "b", "c")
    for (const node of [a!, b!, c!]) list.push(node)
    list.remove(c!)
    expect(list.tail).toBe(b)
    expect(b!.nextA).toBeUndefined()
    expect(namesA(list)).toStrictEqual(["a", "b"])
    list.push(new Node("d"))
    expect(namesA(list)).toStrictEqual(["a", "b", "d"])
  })

  it("removing the only item empties the list", () => {
    const list = listA()
    const [a] = nodes("a")
    list.push(a!)
    list.remove(a!)
    expect(list.size).toBe(0)
    expect(list.head).toBeUndefined()
    expect(list.tail).toBeUndefined()
  })

  it("clears the links of a removed item, so it can be pushed again at the tail", () => {
    const list = listA()
    const [a, b, c] = nodes("a", "b", "c")
    for (const node of [a!, b!, c!]) list.push(node)
    list.remove(b!)
    expect(b!.prevA).toBeUndefined()
    expect(b!.nextA).toBeUndefined()
    list.push(b!)
    expect(namesA(list)).toStrictEqual(["a", "c", "b"])
  })

  it("an item sits in two lists at once through its two pairs of links, independently", () => {
    const first = listA()
    const second = listB()
    const [a, b, c] = nodes("a", "b", "c")
    for (const node of [a!, b!, c!]) first.push(node)
    for (const node of [c!, a!, b!]) second.push(node)
    first.remove(a!)
    expect(namesA(first)).toStrictEqual(["b", "c"])
    expect(namesB(second)).toStrictEqual(["c", "a", "b"])
    second.remove(b!)
    expect(namesA(first)).toStrictEqual(["b", "c"])
    expect(namesB(second)).toStrictEqual(["c", "a"])
  })

  type Op = { readonly _tag: "push" } | { readonly _tag: "remove"; readonly pick: number }

  it.prop(
    "behaves like an array under random pushes and removals anywhere",
    [
      FastCheck.array(
        FastCheck.oneof(
          FastCheck.record({ _tag: FastCheck.constant("push" as const) }),
          FastCheck.record({ _tag: FastCheck.constant("remove" as const), pick: FastCheck.nat() })
        ) as FastCheck.Arbitrary<Op>,
        { maxLength: 100 }
      )
    ],
    ([ops]) => {
      const list = listA()
      const model: Array<Node> = []
      let counter = 0
      for (const op of ops) {
        if (op._tag === "push") {
          const node = new Node(`n${counter++}`)
          list.push(node)
          model.push(node)
        } else if (model.length > 0) {
          const [node] = model.splice(op.pick % model.length, 1)
          list.remove(node!)
        }
        expect(namesA(list)).toStrictEqual(model.map((node) => node.name))
        expect(list.head).toBe(model[0])
        expect(list.tail).toBe(model[model.length - 1])
      }
    },
    { fastCheck: { numRuns: 200 } }
  )
})

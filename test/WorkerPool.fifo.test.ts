/**
 * Within an effective priority level, tasks start in the order they were
 * accepted, exactly, whatever the number of workers: with every worker held
 * by a Critical gate task, a few thousand tasks of pseudo-random priorities
 * are queued, the gates open at once, and the order in which the tasks start
 * (their first step, an `Effect.sync`) must be highest priority first and,
 * within a priority, by index. The reference is Effect itself: the same
 * tasks, handed in that order to `Effect.forEach` with the same concurrency,
 * start in that order on fibers of their own.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { Priority, type TaskHandle } from "../src/index.js"
import { makeGates, makePool } from "./helpers.js"

/** mulberry32: a small seeded generator, so that a failing run can be replayed. */
const seededRandom = (seed: number) => {
  let state = seed >>> 0
  return (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const randomPriorities = (count: number, seed: number): Array<Priority> => {
  const random = seededRandom(seed)
  return Array.from({ length: count }, () => Math.floor(random() * 4) as Priority)
}

/**
 * The first place where a start order breaks the rule, or undefined:
 * (a) the priorities started never rise, (b) within a priority, indices only grow.
 */
const firstViolation = (order: ReadonlyArray<number>, priorities: ReadonlyArray<Priority>): string | undefined => {
  const lastIndexOf = new Map<Priority, number>()
  for (let k = 0; k < order.length; k++) {
    const index = order[k]!
    const priority = priorities[index]!
    if (k > 0) {
      const previous = order[k - 1]!
      if (priority > priorities[previous]!) {
        return `(a) start #${k}: task ${index} (priority ${priority}) after task ${previous} (priority ${
          priorities[previous]
        })`
      }
    }
    const last = lastIndexOf.get(priority)
    if (last !== undefined && index < last) {
      return `(b) start #${k}: task ${index} after task ${last}, both of priority ${priority}`
    }
    lastIndexOf.set(priority, index)
  }
  return undefined
}

/** The order the rule prescribes: highest priority first, then by index. */
const prescribedOrder = (priorities: ReadonlyArray<Priority>): Array<number> =>
  priorities.map((_, index) => index).sort((a, b) => priorities[b]! - priorities[a]! || a - b)

/** Effect's own fibers, given the tasks in the prescribed order, `workers` at a time. */
const referenceStarts = (workers: number, priorities: ReadonlyArray<Priority>) =>
  Effect.gen(function*() {
    const order: Array<number> = []
    yield* Effect.forEach(
      prescribedOrder(priorities),
      (index) => Effect.sync(() => void order.push(index)),
      { concurrency: workers, discard: true }
    )
    return order
  })

/** The pool's start order for the tasks, queued behind `workers` Critical gate tasks. */
const poolStarts = (workers: number, priorities: ReadonlyArray<Priority>) =>
  Effect.scoped(Effect.gen(function*() {
    const pool = yield* makePool({ workers, queueSize: priorities.length })
    const gates = yield* makeGates(workers)
    for (const [i, gate] of gates.entries()) {
      yield* pool.submit({ id: `gate-${i}`, priority: Priority.Critical, execute: gate.execute })
    }
    yield* Effect.forEach(gates, (gate) => gate.awaitStarted, { discard: true })
    const order: Array<number> = []
    const handles: Array<TaskHandle<void>> = []
    for (const [index, priority] of priorities.entries()) {
      handles.push(yield* pool.submit({ id: `t${index}`, priority, execute: Effect.sync(() => void order.push(index)) }))
    }
    expect((yield* pool.metrics).queued).toBe(priorities.length)
    yield* Effect.forEach(gates, (gate) => gate.open, { discard: true })
    yield* Effect.forEach(handles, (handle) => handle.join, { discard: true })
    return order
  }))

const tasksPerRun = 2000
const seeds = [0x5eed, 2026]

describe("FIFO within a priority level, for any number of workers", () => {
  for (const workers of [1, 2, 8, 32]) {
    it.effect(`${workers} worker${workers === 1 ? "" : "s"}: ${tasksPerRun} queued tasks start by priority, then in order`, () =>
      Effect.gen(function*() {
        for (const seed of seeds) {
          const priorities = randomPriorities(tasksPerRun, seed)

          const reference = yield* referenceStarts(workers, priorities)
          expect(reference.length).toBe(tasksPerRun)
          expect(firstViolation(reference, priorities), `reference, seed ${seed}`).toBeUndefined()

          const order = yield* poolStarts(workers, priorities)
          expect(order.length).toBe(tasksPerRun)
          expect(firstViolation(order, priorities), `pool of ${workers}, seed ${seed}`).toBeUndefined()
          expect(order).toStrictEqual(reference)
        }
      }))
  }
})

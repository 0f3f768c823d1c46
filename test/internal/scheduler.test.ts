/**
 * The scheduler replaced `levelQueue` (commit 8701bae): it is the pool's
 * queue. These tests pin the ordering rule of the specification: a free
 * worker takes the oldest task of the highest non-empty level.
 */
import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { type KeyState, type Schedulable, Scheduler } from "../../src/internal/scheduler.js"

class Item implements Schedulable<Item> {
  queuePrev: Item | undefined = undefined
  queueNext: Item | undefined = undefined
  keyPrev: Item | undefined = undefined
  keyNext: Item | undefined = undefined
  constructor(
    readonly name: string,
    readonly level: number,
    readonly seq: number,
    readonly keyState: KeyState<Item>,
    readonly submittedAt: number = 0
  ) {}
}

const make = () => {
  const scheduler = new Scheduler<Item>({
    levels: 4,
    keyLimit: () => Infinity,
    rateLimit: () => undefined,
    agingMillis: undefined,
    wakeAt: () => {}
  })
  let seq = 0
  const push = (name: string, level: number) => {
    const item = new Item(name, level, seq++, scheduler.unkeyed)
    scheduler.enqueue(item, 0)
    return item
  }
  const takeAll = () => {
    const out: Array<string> = []
    for (let item = scheduler.take(0); item !== undefined; item = scheduler.take(0)) out.push(item.name)
    return out
  }
  return { scheduler, push, takeAll }
}

describe("Scheduler (the pool's queue)", () => {
  it("is empty at first", () => {
    const { scheduler } = make()
    expect(scheduler.size).toBe(0)
    expect(scheduler.take(0)).toBeUndefined()
  })

  it("takes the oldest task of the highest non-empty level", () => {
    const { push, scheduler, takeAll } = make()
    for (const [name, level] of [["l1", 0], ["n1", 1], ["c1", 3], ["h1", 2], ["l2", 0], ["c2", 3], ["n2", 1]] as const) {
      push(name, level)
    }
    expect(scheduler.size).toBe(7)
    expect(scheduler.sizeOf(3)).toBe(2)
    expect(scheduler.sizeOf(2)).toBe(1)
    expect(takeAll()).toStrictEqual(["c1", "c2", "h1", "n1", "n2", "l1", "l2"])
    expect(scheduler.size).toBe(0)
  })

  it("is FIFO within a level", () => {
    const { push, takeAll } = make()
    const names = Array.from({ length: 100 }, (_, i) => `i${i}`)
    for (const name of names) push(name, 2)
    expect(takeAll()).toStrictEqual(names)
  })

  it("interleaves enqueues and takes", () => {
    const { push, scheduler, takeAll } = make()
    push("a", 1)
    push("b", 1)
    expect(scheduler.take(0)!.name).toBe("a")
    push("c", 2)
    push("d", 1)
    expect(takeAll()).toStrictEqual(["c", "b", "d"])
  })

  it("removes a queued task from the head, the middle or the tail of its level", () => {
    const { push, scheduler, takeAll } = make()
    const items = ["a", "b", "c", "d", "e"].map((name) => push(name, 1))
    scheduler.remove(items[2]!, 0)
    scheduler.remove(items[0]!, 0)
    scheduler.remove(items[4]!, 0)
    expect(scheduler.size).toBe(2)
    expect(scheduler.sizeOf(1)).toBe(2)
    expect(takeAll()).toStrictEqual(["b", "d"])
  })

  it("removing the only task of a level lets the next level through", () => {
    const { push, scheduler, takeAll } = make()
    const only = push("only", 3)
    push("low", 0)
    scheduler.remove(only, 0)
    expect(takeAll()).toStrictEqual(["low"])
    push("again", 3)
    expect(scheduler.take(0)!.name).toBe("again")
  })

  it("removeAll empties the queue, highest level first", () => {
    const { push, scheduler } = make()
    for (const [name, level] of [["l", 0], ["c", 3], ["n", 1], ["h", 2], ["c2", 3]] as const) push(name, level)
    expect(scheduler.removeAll(0).map((item) => item.name)).toStrictEqual(["c", "c2", "h", "n", "l"])
    expect(scheduler.size).toBe(0)
    expect(scheduler.take(0)).toBeUndefined()
  })
})

// ---- keys, limits, pauses, rate windows, aging and eviction ----

/** The scheduler counts milliseconds. */
const ms = (n: number): number => n

interface Options {
  readonly keyLimits?: Record<string, number>
  readonly rateLimits?: Record<string, { readonly limit: number; readonly intervalMs: number }>
  readonly agingMs?: number
}

/** A scheduler with limits, recording the wake-ups it asks for. */
const makeWith = (options: Options = {}) => {
  const wakes: Array<{ readonly at: number; readonly key: string | undefined }> = []
  const scheduler = new Scheduler<Item>({
    levels: 4,
    keyLimit: (key) => options.keyLimits?.[key] ?? Infinity,
    rateLimit: (key) => {
      const rate = options.rateLimits?.[key]
      return rate && { limit: rate.limit, intervalMillis: ms(rate.intervalMs) }
    },
    agingMillis: options.agingMs === undefined ? undefined : ms(options.agingMs),
    wakeAt: (at, key) => {
      wakes.push({ at, key: key.name })
    }
  })
  let seq = 0
  const push = (name: string, level: number, key?: string, atMs = 0) => {
    const item = new Item(name, level, seq++, scheduler.keyState(key), ms(atMs))
    scheduler.enqueue(item, ms(atMs))
    return item
  }
  const take = (atMs = 0) => scheduler.take(ms(atMs))?.name
  const takeAll = (atMs = 0) => {
    const out: Array<string> = []
    for (let name = take(atMs); name !== undefined; name = take(atMs)) out.push(name)
    return out
  }
  return { scheduler, wakes, push, take, takeAll }
}

describe("Scheduler: keys and concurrency limits", () => {
  it("keyState returns one state per name, a separate unkeyed state, and namedKeys lists only named keys", () => {
    const { scheduler } = makeWith({ keyLimits: { a: 2 } })
    const a = scheduler.keyState("a")
    expect(scheduler.keyState("a")).toBe(a)
    expect(a.limit).toBe(2)
    expect(scheduler.keyState("b").limit).toBe(Infinity)
    expect(scheduler.keyState(undefined)).toBe(scheduler.unkeyed)
    expect(scheduler.unkeyed.limit).toBe(Infinity)
    expect([...scheduler.namedKeys()].map((key) => key.name)).toStrictEqual(["a", "b"])
  })

  it("take counts a start: the key's running goes up and its queued count down", () => {
    const { push, scheduler, take } = makeWith()
    push("a1", 1, "a")
    push("a2", 1, "a")
    const a = scheduler.keyState("a")
    expect(a.queued).toBe(2)
    expect(take()).toBe("a1")
    expect(a.running).toBe(1)
    expect(a.queued).toBe(1)
    expect(scheduler.size).toBe(1)
  })

  it("is FIFO by acceptance across keys within a level", () => {
    const { push, takeAll } = makeWith()
    push("a1", 2, "a")
    push("b1", 2, "b")
    push("a2", 2, "a")
    push("u1", 2)
    push("b2", 2, "b")
    expect(takeAll()).toStrictEqual(["a1", "b1", "a2", "u1", "b2"])
  })

  it("a key at its limit leaves the ready heaps: its tasks are skipped, even at a higher level, without blocking other keys", () => {
    const { push, scheduler, take } = makeWith({ keyLimits: { a: 1 } })
    const a = scheduler.keyState("a")
    scheduler.started(a, 0)
    expect(scheduler.canStart(a, 0)).toBe(false)
    push("a-critical", 3, "a")
    push("b-low", 0, "b")
    push("u-normal", 1)
    expect(take()).toBe("u-normal")
    expect(take()).toBe("b-low")
    expect(take()).toBeUndefined()
    expect(scheduler.size).toBe(1)
  })

  it("a key re-enters the ready heaps when one of its tasks finishes", () => {
    const { push, scheduler, take } = makeWith({ keyLimits: { a: 2 } })
    push("a1", 1, "a")
    push("a2", 1, "a")
    push("a3", 3, "a")
    expect(take()).toBe("a3")
    expect(take()).toBe("a1")
    expect(take()).toBeUndefined()
    const a = scheduler.keyState("a")
    expect(a.running).toBe(2)
    scheduler.finished(a, 0)
    expect(scheduler.canStart(a, 0)).toBe(true)
    expect(take()).toBe("a2")
  })

  it("a key whose oldest task leaves (removed) is re-ordered by its next task", () => {
    const { push, scheduler, takeAll } = makeWith()
    const a1 = push("a1", 1, "a")
    push("b1", 1, "b")
    push("a2", 1, "a")
    push("b2", 1, "b")
    scheduler.remove(a1, 0)
    expect(takeAll()).toStrictEqual(["b1", "a2", "b2"])
  })
})

describe("Scheduler: pauses", () => {
  it("a paused key's tasks are skipped until the pause ends, exactly then, and a wake-up is asked for that instant", () => {
    const { push, scheduler, take, wakes } = makeWith()
    const a = scheduler.keyState("a")
    scheduler.pause(a, ms(1000), 0)
    push("a1", 3, "a")
    push("b1", 0, "b")
    expect(take(0)).toBe("b1")
    expect(take(999)).toBeUndefined()
    expect(wakes).toStrictEqual([{ at: ms(1000), key: "a" }])
    expect(a.isPaused(ms(999))).toBe(true)
    expect(a.isPaused(ms(1000))).toBe(false)
    // The pool refreshes the key when the wake-up fires.
    a.wakeAt = undefined
    scheduler.refresh(a, ms(1000))
    expect(take(1000)).toBe("a1")
  })

  it("resume makes a paused key's tasks takeable at once", () => {
    const { push, scheduler, take } = makeWith()
    const a = scheduler.keyState("a")
    scheduler.pause(a, ms(5000), 0)
    push("a1", 1, "a")
    expect(take(10)).toBeUndefined()
    scheduler.resume(a, ms(10))
    expect(take(10)).toBe("a1")
  })

  it("a shorter pause does not shorten a longer one in force", () => {
    const { scheduler } = makeWith()
    const a = scheduler.keyState("a")
    scheduler.pause(a, ms(5000), 0)
    scheduler.pause(a, ms(2000), 0)
    expect(a.pausedUntil).toBe(ms(5000))
    scheduler.pause(a, ms(8000), 0)
    expect(a.pausedUntil).toBe(ms(8000))
    expect(scheduler.canStart(a, ms(7999))).toBe(false)
    expect(scheduler.canStart(a, ms(8000))).toBe(true)
  })

  it("asks for a wake-up only when a paused key has queued tasks, and not again for a later instant already covered", () => {
    const { push, scheduler, wakes } = makeWith()
    const a = scheduler.keyState("a")
    scheduler.pause(a, ms(1000), 0)
    expect(wakes).toStrictEqual([])
    push("a1", 1, "a")
    push("a2", 1, "a")
    expect(wakes).toStrictEqual([{ at: ms(1000), key: "a" }])
    scheduler.pause(a, ms(3000), 0)
    // The pending wake-up at 1000 will look again and ask for 3000 then.
    expect(wakes).toStrictEqual([{ at: ms(1000), key: "a" }])
    a.wakeAt = undefined
    scheduler.refresh(a, ms(1000))
    expect(wakes).toStrictEqual([{ at: ms(1000), key: "a" }, { at: ms(3000), key: "a" }])
  })
})

describe("Scheduler: sliding-window rate limits", () => {
  it("limit 2 per 1000 ms: two starts at 0 hold the key until exactly 1000 ms", () => {
    const { push, scheduler, take, wakes } = makeWith({ rateLimits: { a: { limit: 2, intervalMs: 1000 } } })
    const a = scheduler.keyState("a")
    push("a1", 1, "a")
    push("a2", 1, "a")
    push("a3", 1, "a")
    expect(take(0)).toBe("a1")
    expect(take(0)).toBe("a2")
    expect(take(0)).toBeUndefined()
    expect(a.rateBlockedUntil(0)).toBe(ms(1000))
    expect(wakes).toStrictEqual([{ at: ms(1000), key: "a" }])
    expect(scheduler.canStart(a, ms(999))).toBe(false)
    expect(scheduler.canStart(a, ms(1000))).toBe(true)
    scheduler.refresh(a, ms(999))
    expect(take(999)).toBeUndefined()
    a.wakeAt = undefined
    scheduler.refresh(a, ms(1000))
    expect(take(1000)).toBe("a3")
  })

  it("the window slides: starts at 900 and 950 hold a third start until 1900, a fourth until 1950", () => {
    const { scheduler } = makeWith({ rateLimits: { a: { limit: 2, intervalMs: 1000 } } })
    const a = scheduler.keyState("a")
    scheduler.started(a, ms(900))
    scheduler.finished(a, ms(900))
    scheduler.started(a, ms(950))
    scheduler.finished(a, ms(950))
    expect(scheduler.canStart(a, ms(1000))).toBe(false)
    expect(a.rateBlockedUntil(ms(1000))).toBe(ms(1900))
    expect(scheduler.canStart(a, ms(1899))).toBe(false)
    expect(scheduler.canStart(a, ms(1900))).toBe(true)
    scheduler.started(a, ms(1900))
    scheduler.finished(a, ms(1900))
    expect(a.rateBlockedUntil(ms(1900))).toBe(ms(1950))
    expect(scheduler.canStart(a, ms(1949))).toBe(false)
    expect(scheduler.canStart(a, ms(1950))).toBe(true)
  })

  it("a rate-limited key does not hold back other keys", () => {
    const { push, scheduler, take } = makeWith({ rateLimits: { a: { limit: 1, intervalMs: 1000 } } })
    scheduler.started(scheduler.keyState("a"), 0)
    push("a-critical", 3, "a")
    push("b-low", 0, "b")
    expect(take(10)).toBe("b-low")
    expect(take(10)).toBeUndefined()
  })

  it("keys without a rate limit are never rate blocked", () => {
    const { scheduler } = makeWith({ rateLimits: { a: { limit: 1, intervalMs: 1000 } } })
    const b = scheduler.keyState("b")
    for (let i = 0; i < 100; i++) scheduler.started(b, 0)
    expect(b.rateBlockedUntil(0)).toBeUndefined()
    expect(scheduler.canStart(b, 0)).toBe(true)
  })
})

describe("Scheduler: priority aging", () => {
  it("effectiveLevel adds one level per whole interval waited, capped at the top level", () => {
    const { push, scheduler } = makeWith({ agingMs: 1000 })
    const low = push("low", 0, undefined, 0)
    expect(scheduler.effectiveLevel(low, ms(999))).toBe(0)
    expect(scheduler.effectiveLevel(low, ms(1000))).toBe(1)
    expect(scheduler.effectiveLevel(low, ms(2999))).toBe(2)
    expect(scheduler.effectiveLevel(low, ms(3000))).toBe(3)
    expect(scheduler.effectiveLevel(low, ms(60_000))).toBe(3)
  })

  it("without aging the effective level is the base level", () => {
    const { push, scheduler } = makeWith()
    const low = push("low", 0)
    expect(scheduler.effectiveLevel(low, ms(1_000_000))).toBe(0)
  })

  it("take picks the highest effective level and, within it, the oldest task whatever its base level", () => {
    const { push, takeAll } = makeWith({ agingMs: 1000 })
    push("L0", 0, undefined, 0)
    push("N0", 1, undefined, 0)
    push("N1", 1, undefined, 1000)
    push("H1", 2, undefined, 1000)
    // At 1500: L0 -> 1, N0 -> 2, N1 -> 1, H1 -> 2.
    expect(takeAll(1500)).toStrictEqual(["N0", "H1", "L0", "N1"])
  })

  it("an aged task only ties with the level above at a whole interval, not 1 ms earlier", () => {
    const before = makeWith({ agingMs: 1000 })
    before.push("low", 0, undefined, 0)
    before.push("normal", 1, undefined, 1)
    expect(before.takeAll(999)).toStrictEqual(["normal", "low"])
    const at = makeWith({ agingMs: 1000 })
    at.push("low", 0, undefined, 0)
    at.push("normal", 1, undefined, 1)
    expect(at.takeAll(1000)).toStrictEqual(["low", "normal"])
  })
})

describe("Scheduler: eviction candidate", () => {
  it("is the newest task of the lowest level strictly below the given one", () => {
    const { push, scheduler } = makeWith()
    push("L1", 0)
    push("N1", 1)
    const l2 = push("L2", 0)
    push("N2", 1)
    expect(scheduler.evictionCandidate(2, 0)).toBe(l2)
    expect(scheduler.evictionCandidate(1, 0)).toBe(l2)
  })

  it("moves to the next level up once the lowest is empty", () => {
    const { push, scheduler } = makeWith()
    const l1 = push("L1", 0)
    push("N1", 1)
    const n2 = push("N2", 1)
    scheduler.remove(l1, 0)
    expect(scheduler.evictionCandidate(3, 0)).toBe(n2)
  })

  it("is undefined when nothing strictly lower is queued", () => {
    const { push, scheduler } = makeWith()
    push("N1", 1)
    push("H1", 2)
    expect(scheduler.evictionCandidate(1, 0)).toBeUndefined()
    expect(scheduler.evictionCandidate(0, 0)).toBeUndefined()
  })

  it("goes by effective level: an aged Low task is spared when a fresh Normal one is lower", () => {
    const { push, scheduler } = makeWith({ agingMs: 1000 })
    push("L-aged", 0, undefined, 0)
    const fresh = push("N-fresh", 1, undefined, 2000)
    // At 2000 L-aged counts as High (2), N-fresh as Normal (1).
    expect(scheduler.evictionCandidate(2, ms(2000))).toBe(fresh)
    // For a High newcomer, L-aged (effective High) is not strictly below it.
    scheduler.remove(fresh, ms(2000))
    expect(scheduler.evictionCandidate(2, ms(2000))).toBeUndefined()
    expect(scheduler.evictionCandidate(3, ms(2000))!.name).toBe("L-aged")
  })

  it("between tasks of different base levels at the same effective level, takes the newest", () => {
    const { push, scheduler } = makeWith({ agingMs: 1000 })
    push("L-aged", 0, undefined, 0)
    const normal = push("N", 1, undefined, 1000)
    // At 1000 both count as Normal; N is the newer.
    expect(scheduler.evictionCandidate(3, ms(1000))).toBe(normal)
  })
})

describe("Scheduler: random operations against a naive model", () => {
  type Op =
    | { readonly _tag: "enqueue"; readonly key: number; readonly level: number }
    | { readonly _tag: "take" }
    | { readonly _tag: "finish"; readonly pick: number }
    | { readonly _tag: "remove"; readonly pick: number }
    | { readonly _tag: "advance"; readonly ms: number }
    | { readonly _tag: "pause"; readonly key: number; readonly ms: number }
    | { readonly _tag: "resume"; readonly key: number }

  const keyNames = ["a", "b", "c", undefined] as const

  const opArbitrary: FastCheck.Arbitrary<Op> = FastCheck.oneof(
    {
      weight: 4,
      arbitrary: FastCheck.record({
        _tag: FastCheck.constant("enqueue" as const),
        key: FastCheck.integer({ min: 0, max: 3 }),
        level: FastCheck.integer({ min: 0, max: 3 })
      })
    },
    { weight: 3, arbitrary: FastCheck.record({ _tag: FastCheck.constant("take" as const) }) },
    { weight: 2, arbitrary: FastCheck.record({ _tag: FastCheck.constant("finish" as const), pick: FastCheck.nat() }) },
    { weight: 1, arbitrary: FastCheck.record({ _tag: FastCheck.constant("remove" as const), pick: FastCheck.nat() }) },
    {
      weight: 2,
      arbitrary: FastCheck.record({
        _tag: FastCheck.constant("advance" as const),
        ms: FastCheck.integer({ min: 0, max: 700 })
      })
    },
    {
      weight: 1,
      arbitrary: FastCheck.record({
        _tag: FastCheck.constant("pause" as const),
        key: FastCheck.integer({ min: 0, max: 2 }),
        ms: FastCheck.integer({ min: 0, max: 1500 })
      })
    },
    {
      weight: 1,
      arbitrary: FastCheck.record({ _tag: FastCheck.constant("resume" as const), key: FastCheck.integer({ min: 0, max: 2 }) })
    }
  )

  it.prop(
    "take always returns the oldest task of the highest effective level among the keys that may start",
    [FastCheck.array(opArbitrary, { maxLength: 80 }), FastCheck.boolean()],
    ([ops, aging]) => {
      const agingMs = 1000
      const limits: Record<string, number> = { a: 1, b: 2 }
      const rate = { limit: 2, intervalMs: 800 }
      const { scheduler } = makeWith({
        keyLimits: limits,
        rateLimits: { c: rate },
        ...(aging ? { agingMs } : {})
      })
      let now = 0
      let seq = 0
      const queued: Array<Item> = []
      const running: Array<string | undefined> = []
      const starts: Record<string, Array<number>> = {}
      const pausedUntil: Record<string, number> = {}
      const modelCanStart = (key: string | undefined): boolean => {
        if (key === undefined) return true
        if (running.filter((k) => k === key).length >= (limits[key] ?? Infinity)) return false
        if ((pausedUntil[key] ?? -1) > now) return false
        if (key === "c") {
          const recent = (starts[key] ?? []).filter((at) => at > now - rate.intervalMs)
          if (recent.length >= rate.limit) return false
        }
        return true
      }
      const effective = (item: Item) =>
        aging ? Math.min(3, item.level + Math.floor((now - item.submittedAt) / agingMs)) : item.level
      for (const op of ops) {
        switch (op._tag) {
          case "enqueue": {
            const key = keyNames[op.key]
            const item = new Item(`t${seq}`, op.level, seq++, scheduler.keyState(key), ms(now))
            scheduler.enqueue(item, ms(now))
            queued.push(item)
            break
          }
          case "take": {
            const eligible = queued.filter((item) => modelCanStart(item.keyState.name))
            let expected: Item | undefined
            for (const item of eligible) {
              if (
                expected === undefined || effective(item) > effective(expected) ||
                (effective(item) === effective(expected) && item.seq < expected.seq)
              ) expected = item
            }
            const taken = scheduler.take(ms(now))
            expect(taken?.name).toBe(expected?.name)
            if (expected !== undefined) {
              queued.splice(queued.indexOf(expected), 1)
              const key = expected.keyState.name
              running.push(key)
              if (key !== undefined) (starts[key] ??= []).push(now)
            }
            break
          }
          case "finish": {
            if (running.length === 0) break
            const [key] = running.splice(op.pick % running.length, 1)
            scheduler.finished(scheduler.keyState(key), ms(now))
            break
          }
          case "remove": {
            if (queued.length === 0) break
            const [item] = queued.splice(op.pick % queued.length, 1)
            scheduler.remove(item!, ms(now))
            break
          }
          case "advance": {
            now += op.ms
            // What the pool's wake-up timers do: look at every key again.
            for (const key of [...scheduler.namedKeys(), scheduler.unkeyed]) {
              key.wakeAt = undefined
              scheduler.refresh(key, ms(now))
            }
            break
          }
          case "pause": {
            const key = keyNames[op.key]!
            pausedUntil[key] = Math.max(pausedUntil[key] ?? -1, now + op.ms)
            scheduler.pause(scheduler.keyState(key), ms(now + op.ms), ms(now))
            break
          }
          case "resume": {
            const key = keyNames[op.key]!
            delete pausedUntil[key]
            scheduler.resume(scheduler.keyState(key), ms(now))
            break
          }
        }
        expect(scheduler.size).toBe(queued.length)
        for (const level of [0, 1, 2, 3]) {
          expect(scheduler.sizeOf(level)).toBe(queued.filter((item) => item.level === level).length)
        }
      }
    },
    { fastCheck: { numRuns: 300 } }
  )
})

import { Effect } from "effect"
import { Priority, type Task, type TaskHandle, WorkerPool } from "../src/index.js"
const N = 50_000, C = 8
let seed = 1
const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x80000000 }
const prio = Uint8Array.from({ length: N }, () => Math.floor(rnd() * 4))
const order: number[] = []
const tasks: Task<void>[] = Array.from({ length: N }, (_, i) => ({ id: "t", priority: prio[i] as Priority, execute: Effect.sync(() => { order.push(i) }) }))
await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
  const pool = yield* WorkerPool.make({ workers: C, queueSize: N, enableMetrics: false })
  const gate = yield* Effect.makeLatch(false)
  const hs: TaskHandle<void>[] = []
  for (let g = 0; g < C; g++) hs.push(yield* pool.submit({ id: "gate", execute: gate.await, priority: Priority.Critical }))
  for (const t of tasks) hs.push(yield* pool.submit(t))
  yield* gate.open
  for (const h of hs) yield* h.await
})))
const last = [-1, -1, -1, -1]
let breaks = 0, inv = 0
for (let k = 0; k < order.length; k++) {
  const i = order[k]!, p = prio[i]!
  if (k > 0 && p > prio[order[k - 1]!]!) { inv++; if (inv < 5) console.log("inversion at", k, "prio", p, "after", prio[order[k - 1]!]) }
  if (i < last[p]!) { breaks++; if (breaks < 10) console.log("fifo break at pos", k, "index", i, "after", last[p], "prio", p, "context", order.slice(Math.max(0,k-3), k+3)) }
  last[p] = i
}
console.log({ started: order.length, inv, breaks })

import { Effect } from "effect"
import { type PoolConfig, type TaskHandle, WorkerPool } from "../src/index.js"
const N = 100_000
const run = (opts: PoolConfig) => Effect.scoped(Effect.gen(function*() {
  const pool = yield* WorkerPool.make({ ...opts, workers: 16, queueSize: N })
  const hs: TaskHandle<void>[] = []
  const t = { id: "t", execute: Effect.void }
  for (let i = 0; i < N; i++) hs.push(yield* pool.submit(t))
  for (const h of hs) yield* h.await
}))
const cfgs: Array<[string, PoolConfig]> = [["bare", { enableMetrics: false }], ["metrics", { enableMetrics: true }], ["timeout", { enableMetrics: false, taskTimeout: "1 minute" }], ["timeout+metrics", { enableMetrics: true, taskTimeout: "1 minute" }]]
for (let r = 0; r < 4; r++) {
  const line: string[] = []
  for (const [name, c] of cfgs) { const t0 = performance.now(); await Effect.runPromise(run(c)); line.push(`${name} ${((performance.now() - t0) * 1e6 / N).toFixed(0)}ns`) }
  console.log(line.join("  "))
}

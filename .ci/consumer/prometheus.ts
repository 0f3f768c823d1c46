// Serves the pool's metrics with the Prometheus packages the README names,
// as npm resolved them, and reads them back.
import { WorkerPool } from "@helixagent/concurrency"
import { PoolTelemetry } from "@helixagent/concurrency/telemetry"
import { Effect, Layer } from "effect"
import { createServer } from "node:net"

const port = await new Promise<number>((resolve) => {
  const server = createServer().listen(0, "127.0.0.1", () => {
    const address = server.address()
    server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
  })
})

const text = await Effect.runPromise(
  Effect.gen(function*() {
    const pool = yield* WorkerPool
    yield* pool.runAll([1, 2, 3].map((n) => ({ id: `t${n}`, execute: Effect.succeed(n) })))
    return yield* Effect.promise(() => fetch(`http://127.0.0.1:${port}/metrics`).then((response) => response.text()))
  }).pipe(
    Effect.provide(Layer.merge(WorkerPool.layer({ workers: 2, name: "consumer" }), PoolTelemetry.layerPrometheus({ port })))
  )
)
const counter = /^workerpool_tasks_submitted_total\{[^}]*pool="consumer"[^}]*\} (\S+)$/m.exec(text)
if (!text.includes("# TYPE workerpool_tasks_submitted_total counter") || counter?.[1] !== "3") {
  throw new Error(`/metrics lacks the pool's counter of 3 submitted tasks:\n${text}`)
}
console.log("Prometheus endpoint serves the pool's metrics")

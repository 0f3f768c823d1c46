/**
 * The thread module of the thread examples, written with @effect/platform's
 * own API: each thread runs this file and serves the requests of
 * `./requests.ts`. A .ts module loads through tsx in development;
 * build it to .js to ship it.
 */
import * as WorkerRunner from "@effect/platform/WorkerRunner"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeWorkerRunner from "@effect/platform-node/NodeWorkerRunner"
import { Effect, Layer } from "effect"
import { createHash } from "node:crypto"
import { EmptyInput, Requests } from "./requests.js"

const isPrime = (k: number) => {
  if (k < 2) return false
  for (let d = 2; d * d <= k; d++) if (k % d === 0) return false
  return true
}

const countPrimes = (below: number) => {
  let count = 0
  for (let k = 2; k < below; k++) if (isPrime(k)) count++
  return count
}

const hash = (input: string, rounds: number) => {
  let digest = input
  for (let i = 0; i < rounds; i++) digest = createHash("sha256").update(digest).digest("hex")
  return digest
}

WorkerRunner.layerSerialized(Requests, {
  Hash: ({ input, rounds }) =>
    input === "" ? Effect.fail(new EmptyInput()) : Effect.sync(() => hash(input, rounds)).pipe(Effect.withSpan("hash")),
  Spin: ({ millis }) =>
    Effect.sync(() => {
      const end = Date.now() + millis
      while (Date.now() < end) {
        // a loop that never yields: only terminating the thread stops it
      }
    }),
  CountPrimes: ({ below }) => Effect.sync(() => countPrimes(below))
}).pipe(Layer.provide(NodeWorkerRunner.layer), WorkerRunner.launch, NodeRuntime.runMain)

/**
 * The requests of the thread examples (cpu-pool.ts, batch-verification-threads.ts), shared by the main program and the
 * thread module: each is a `Schema.TaggedRequest` class, grouped in a union.
 */
import { Schema } from "effect"

export class EmptyInput extends Schema.TaggedError<EmptyInput>()("EmptyInput", {}) {}

/** Hashes `input` with SHA-256, `rounds` times over: pure CPU work. */
export class Hash extends Schema.TaggedRequest<Hash>()("Hash", {
  failure: EmptyInput,
  success: Schema.String,
  payload: { input: Schema.String, rounds: Schema.Int }
}) {}

/** Spins for `millis` without yielding, as a runaway computation would. */
export class Spin extends Schema.TaggedRequest<Spin>()("Spin", {
  failure: Schema.Never,
  success: Schema.Void,
  payload: { millis: Schema.Number }
}) {}

/** Counts the primes below `below`, by trial division: a verifier that redoes the work itself. */
export class CountPrimes extends Schema.TaggedRequest<CountPrimes>()("CountPrimes", {
  failure: Schema.Never,
  success: Schema.Int,
  payload: { below: Schema.Int }
}) {}

export const Requests = Schema.Union(Hash, Spin, CountPrimes)

/**
 * The requests of the cluster examples: `Schema.TaggedRequest` classes in
 * one `Schema.Union`, imported by runners and clients alike. A request
 * carries its success and failure schemas, so a typed failure crosses the
 * wire as itself.
 */
import { Schema } from "effect"

/** The provider answered 429: try again after `retryAfterMillis`. */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  provider: Schema.String,
  retryAfterMillis: Schema.Number
}) {}

/** Summarize a document with an LLM provider (simulated: no network). */
export class Summarize extends Schema.TaggedRequest<Summarize>()("Summarize", {
  failure: RateLimited,
  success: Schema.String,
  payload: { provider: Schema.String, document: Schema.String.pipe(Schema.minLength(1)), millis: Schema.Number }
}) {}

/** Embed a text (simulated CPU work of `millis`). */
export class Embed extends Schema.TaggedRequest<Embed>()("Embed", {
  failure: Schema.Never,
  success: Schema.Array(Schema.Number),
  payload: { text: Schema.String, millis: Schema.Number }
}) {}

export const Requests = Schema.Union(Summarize, Embed)

/**
 * The requests the cluster tests send: the same `Schema.TaggedRequest`
 * classes in the runner processes and in the test.
 */
import { Schema } from "effect"

export class Boom extends Schema.TaggedError<Boom>()("Boom", { reason: Schema.String }) {}

export class Square extends Schema.TaggedRequest<Square>()("Square", {
  failure: Boom,
  success: Schema.Number,
  payload: { n: Schema.Number.pipe(Schema.nonNegative()) }
}) {}

export class Sleep extends Schema.TaggedRequest<Sleep>()("Sleep", {
  failure: Schema.Never,
  success: Schema.Struct({ runner: Schema.String, attempt: Schema.Number }),
  payload: { millis: Schema.Number }
}) {}

export const Requests = Schema.Union(Square, Sleep)

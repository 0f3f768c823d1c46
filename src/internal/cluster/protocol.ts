/**
 * What travels between clients and runners: the entity that hosts a
 * cluster pool's tasks, its two messages, and the outcome a runner sends
 * back for a task.
 */
import * as ClusterSchema from "@effect/cluster/ClusterSchema"
import * as Entity from "@effect/cluster/Entity"
import * as Rpc from "@effect/rpc/Rpc"
import * as PrimaryKey from "effect/PrimaryKey"
import * as Schema from "effect/Schema"

/** The entity type every runner registers and every client sends to. */
export const entityType = "ClusterPool"

/**
 * Tasks without a key are spread over this many entities, chosen from a hash
 * of the task id; the entities, in turn, over the runners' shards.
 */
export const bucketCount = 64

/** One task: the encoded request and the options the runner's pool applies to it. */
export class TaskEnvelope extends Schema.Class<TaskEnvelope>("@helixagent/concurrency/ClusterPool/TaskEnvelope")({
  id: Schema.String,
  request: Schema.Unknown,
  priority: Schema.optional(Schema.Number),
  key: Schema.optional(Schema.String),
  timeout: Schema.optional(Schema.Duration),
  queueTimeout: Schema.optional(Schema.Duration)
}) {
  /** Two messages with the same task id to the same entity are one message. */
  [PrimaryKey.symbol](): string {
    return this.id
  }
}

/**
 * How a task ended, as the runner reports it. `Exit` carries the exit of the
 * request's handler encoded with the request's own success and failure
 * schemas; the other cases are the pool's errors and the cluster's own.
 */
export const Outcome = Schema.Union(
  Schema.TaggedStruct("Exit", { exit: Schema.Unknown }),
  Schema.TaggedStruct("TaskTimeout", {
    timeout: Schema.Duration,
    phase: Schema.Literal("queued", "running")
  }),
  Schema.TaggedStruct("PoolShutdown", { pool: Schema.String }),
  Schema.TaggedStruct("QueueFull", { pool: Schema.String, queueSize: Schema.Number, evicted: Schema.Boolean }),
  Schema.TaggedStruct("Invalid", { field: Schema.String, value: Schema.Unknown, reason: Schema.String }),
  Schema.TaggedStruct("Refused", { reason: Schema.String }),
  Schema.TaggedStruct("Cancelled", {})
)

/** How a task ended (see {@link Outcome}). */
export type Outcome = typeof Outcome.Type

/**
 * A settled task as the runner reports and stores it: the outcome, which
 * delivery produced it, how long it ran and waited in the runner's queue,
 * and its priority there.
 */
export const Settled = Schema.Struct({
  outcome: Outcome,
  attempt: Schema.Number,
  priority: Schema.Number,
  duration: Schema.Duration,
  waitTime: Schema.Duration
})

/** A settled task (see {@link Settled}). */
export type Settled = typeof Settled.Type

/** A settled task as stored: JSON text. */
export const SettledJson = Schema.parseJson(Settled)

/**
 * Runs a task; persisted, so it is delivered at least once, also after its
 * runner dies. A submitter that goes away does not interrupt it: only an
 * explicit {@link Cancel} does.
 */
export const Run = Rpc.make("Run", { payload: TaskEnvelope, success: Settled })
  .annotate(ClusterSchema.Persisted, true)
  .annotate(ClusterSchema.Uninterruptible, "client")

/** Cancels a task on the runner that runs it. */
export const Cancel = Rpc.make("Cancel", { payload: { id: Schema.String } })

/** Pauses (or, with `resume`, resumes) a key on the runner that owns it. */
export const PauseKey = Rpc.make("PauseKey", {
  payload: { key: Schema.String, duration: Schema.Duration, resume: Schema.Boolean }
})

/** The entity: one per key, and {@link bucketCount} for tasks without a key. */
export const TaskEntity = Entity.make(entityType, [Run, Cancel, PauseKey])

/** A small, stable string hash (FNV-1a), so every client picks the same bucket for an id. */
const hash = (text: string): number => {
  let value = 0x811c9dc5
  for (let index = 0; index < text.length; index++) {
    value ^= text.charCodeAt(index)
    value = Math.imul(value, 0x01000193)
  }
  return value >>> 0
}

/** The entity a task goes to: its key's, or a bucket chosen by its id. */
export const entityIdFor = (id: string, key: string | undefined): string =>
  key === undefined ? `bucket/${hash(id) % bucketCount}` : `key/${key}`

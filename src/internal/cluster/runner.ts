/**
 * The running side of a cluster pool: the entity handlers of one runner
 * process. Each task is counted in the store (its attempt), decoded with the
 * runner's schema, run on the runner's local `WorkerPool`, and its result
 * stored before it is reported, so a task delivered again reports its first
 * result.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type { AnyRequest, ClusterError, ClusterPoolService, RunnerOptions, TaskInfo } from "../../ClusterPool.js"
import { PoolConfigError } from "../../PoolError.js"
import { defaultPriority, type Priority } from "../../Priority.js"
import type { TaskHandle } from "../../TaskHandle.js"
import type { TaskResult } from "../../TaskResult.js"
import * as WorkerPool from "../../WorkerPool.js"
import { decodeDurationInput, durationRule } from "../duration.js"
import * as Client from "./client.js"
import { defaultRetention, fromResult, settledWithout } from "./outcome.js"
import { type Outcome, type Settled, TaskEntity, type TaskEnvelope } from "./protocol.js"
import * as Store from "./store.js"

type Handler = (request: AnyRequest, task: TaskInfo) => Effect.Effect<unknown, unknown, unknown>

/** The result of a task the local pool refused. */
const notStarted = (envelope: TaskEnvelope, error: unknown): TaskResult<unknown, unknown> => ({
  taskId: envelope.id,
  priority: (envelope.priority ?? defaultPriority) as Priority,
  exit: Exit.fail(error),
  duration: Duration.zero,
  waitTime: Duration.zero,
  attempts: 0
})

/** Hosts the handlers of `options` in this process; returns its local pool and a client that shares its store. */
export const make = <S extends Schema.Schema.Any, R>(options: RunnerOptions<S, R>) =>
  Effect.gen(function*() {
    const retention = options.resultRetention === undefined
      ? defaultRetention
      : decodeDurationInput(options.resultRetention)
    if (retention === undefined) {
      return yield* new PoolConfigError({ field: "resultRetention", value: options.resultRetention, rule: durationRule })
    }
    const pool = yield* WorkerPool.make(options.pool)
    const store = yield* Store.make
    const context = yield* Effect.context<R>()
    const decodeRequest = Schema.decodeUnknown(options.schema as unknown as Schema.Schema<AnyRequest, unknown>)
    const handlers = options.handlers as unknown as Record<string, Handler | undefined>
    const running = new Map<string, TaskHandle<unknown, unknown>>()
    yield* store.sweep.pipe(Effect.ignore, Effect.schedule(Schedule.spaced("1 minute")), Effect.forever, Effect.forkScoped)

    const settleWithout = (envelope: TaskEnvelope, attempt: number, outcome: Outcome) =>
      store.settle(envelope.id, settledWithout(outcome, envelope.priority ?? defaultPriority, attempt), retention)

    /** Runs the request on the local pool, or joins the run already there after a second delivery. */
    const execute = (envelope: TaskEnvelope, request: AnyRequest, handler: Handler, attempt: number) =>
      Effect.gen(function*() {
        const existing = running.get(envelope.id)
        const submitted = existing === undefined
          ? yield* Effect.either(pool.submit({
            id: envelope.id,
            execute: Effect.provide(
              handler(request, { id: envelope.id, attempt, key: envelope.key }) as Effect.Effect<unknown, unknown, R>,
              context
            ),
            priority: envelope.priority as Priority | undefined,
            key: envelope.key,
            timeout: envelope.timeout,
            queueTimeout: envelope.queueTimeout
          }))
          : Either.right(existing)
        if (Either.isLeft(submitted)) {
          return yield* fromResult(request, notStarted(envelope, submitted.left), attempt)
        }
        const handle = submitted.right
        running.set(envelope.id, handle)
        const result = yield* handle.await.pipe(
          Effect.onInterrupt(() => handle.cancel),
          Effect.ensuring(Effect.sync(() => running.delete(envelope.id)))
        )
        return yield* fromResult(request, result, attempt)
      })

    const runTask = (envelope: TaskEnvelope): Effect.Effect<Settled, ClusterError> =>
      Effect.gen(function*() {
        const delivery = yield* store.begin(envelope.id)
        if (Option.isSome(delivery.settled)) return delivery.settled.value
        const decoded = yield* Effect.either(decodeRequest(envelope.request))
        if (Either.isLeft(decoded)) {
          return yield* settleWithout(envelope, delivery.attempt, {
            _tag: "Invalid",
            field: "request",
            value: envelope.request,
            reason: ParseResult.TreeFormatter.formatErrorSync(decoded.left)
          })
        }
        const request = decoded.right
        const handler = handlers[request._tag]
        if (handler === undefined) {
          return yield* settleWithout(envelope, delivery.attempt, {
            _tag: "Refused",
            reason: `this runner has no handler for requests tagged "${request._tag}"`
          })
        }
        const settled = yield* execute(envelope, request, handler, delivery.attempt)
        return yield* store.settle(envelope.id, settled, retention)
      })

    const entity = TaskEntity.toLayer(
      TaskEntity.of({
        Run: ({ payload }) =>
          runTask(payload).pipe(
            Effect.catchAll((error) =>
              Effect.succeed(
                settledWithout({ _tag: "Refused", reason: error.message }, payload.priority ?? defaultPriority, 0)
              )
            )
          ),
        Cancel: ({ payload }) => running.get(payload.id)?.cancel ?? Effect.void,
        PauseKey: ({ payload }) =>
          (payload.resume ? pool.resumeKey(payload.key) : pool.pauseKey(payload.key, payload.duration)).pipe(
            Effect.orDie
          )
      }),
      { concurrency: "unbounded", mailboxCapacity: "unbounded" }
    )
    yield* Layer.buildWithScope(entity, yield* Effect.scope)
    const service: ClusterPoolService = yield* Client.makeWith(store)
    return { service, pool }
  })

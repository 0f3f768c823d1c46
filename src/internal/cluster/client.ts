/**
 * The submitting side of a cluster pool: validates and encodes a task,
 * sends it to the entity of its key or bucket, and turns what the runner
 * reports into the task's result.
 */
import type * as Sharding from "@effect/cluster/Sharding"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import {
  type AnyRequest,
  ClusterError,
  type ClusterPoolService,
  type ClusterTask,
  type ClusterTaskHandle
} from "../../ClusterPool.js"
import { InvalidTaskError, PoolShutdownError, QueueFullError, TaskTimeoutError } from "../../PoolError.js"
import { defaultPriority, isPriority, type Priority } from "../../Priority.js"
import type { TaskResult } from "../../TaskResult.js"
import { decodeDurationInput, durationRule } from "../duration.js"
import { cancelled, defaultRetention } from "./outcome.js"
import { entityIdFor, type Settled, TaskEntity, TaskEnvelope } from "./protocol.js"
import * as Store from "./store.js"

const taskFields: ReadonlySet<string> = new Set(["id", "request", "priority", "key", "timeout", "queueTimeout"])

const invalid = (taskId: string | undefined, field: string, value: unknown, reason: string) =>
  new InvalidTaskError({ taskId, field, value, reason })

const isKey = (key: unknown): key is string => typeof key === "string" && key.length > 0

const isRequest = (request: unknown): request is AnyRequest =>
  typeof request === "object" && request !== null && Schema.symbolSerializable in request &&
  Schema.symbolWithResult in request

interface ValidTask {
  readonly id: string
  readonly request: AnyRequest
  readonly priority: Priority | undefined
  readonly key: string | undefined
  readonly timeout: Duration.Duration | undefined
  readonly queueTimeout: Duration.Duration | undefined
}

/** The task with its options decoded, or what is wrong with it (JavaScript callers may send anything). */
const validate = (task: unknown): ValidTask | InvalidTaskError => {
  if (typeof task !== "object" || task === null) {
    return invalid(undefined, "task", task, "expected an object such as { id, request }")
  }
  const { id, key, priority, queueTimeout, request, timeout } = task as Record<string, unknown>
  if (typeof id !== "string" || id.length === 0) return invalid(undefined, "id", id, "expected a non-empty string")
  for (const field in task) {
    if (!taskFields.has(field) && (task as Record<string, unknown>)[field] !== undefined) {
      return invalid(id, field, (task as Record<string, unknown>)[field], `unknown field; the fields are ${[...taskFields].join(", ")}`)
    }
  }
  if (!isRequest(request)) {
    return invalid(id, "request", request, "expected an instance of a Schema.TaggedRequest class")
  }
  if (priority !== undefined && !isPriority(priority)) {
    return invalid(id, "priority", priority, "expected an integer from 0 (Low) to 3 (Critical)")
  }
  if (key !== undefined && !isKey(key)) return invalid(id, "key", key, "expected a non-empty string")
  const decodedTimeout = timeout === undefined ? undefined : decodeDurationInput(timeout)
  if (timeout !== undefined && decodedTimeout === undefined) return invalid(id, "timeout", timeout, durationRule)
  const decodedQueueTimeout = queueTimeout === undefined ? undefined : decodeDurationInput(queueTimeout)
  if (queueTimeout !== undefined && decodedQueueTimeout === undefined) {
    return invalid(id, "queueTimeout", queueTimeout, durationRule)
  }
  return { id, request, priority, key, timeout: decodedTimeout, queueTimeout: decodedQueueTimeout }
}

const UntypedExit = Schema.Exit({ success: Schema.Unknown, failure: Schema.Unknown, defect: Schema.Defect })

type DecodeExit<A, E> = (encoded: unknown) => Effect.Effect<Exit.Exit<A, E>, ParseResult.ParseError>

/** The result a runner reported, with the exit decoded by `decodeExit`. */
export const toResult = <A, E>(
  taskId: string,
  settled: Settled,
  decodeExit: DecodeExit<A, E>
): Effect.Effect<TaskResult<A, E | InvalidTaskError | ClusterError>> => {
  const outcome = settled.outcome
  const failWith = (error: unknown) => Effect.succeed(Exit.fail(error as E))
  const exit: Effect.Effect<Exit.Exit<A, unknown>> = (() => {
    switch (outcome._tag) {
      case "Exit":
        return decodeExit(outcome.exit).pipe(
          Effect.catchAll((error) =>
            failWith(
              new ClusterError({
                reason: "Refused",
                taskId,
                detail: `the runner's result does not match the request's schema: ${ParseResult.TreeFormatter.formatErrorSync(error)}`
              })
            )
          )
        )
      case "TaskTimeout":
        return failWith(new TaskTimeoutError({ taskId, timeout: outcome.timeout, phase: outcome.phase }))
      case "PoolShutdown":
        return failWith(new PoolShutdownError({ pool: outcome.pool, taskId }))
      case "QueueFull":
        return failWith(
          new QueueFullError({ pool: outcome.pool, taskId, queueSize: outcome.queueSize, evicted: outcome.evicted })
        )
      case "Invalid":
        return failWith(invalid(taskId, outcome.field, outcome.value, outcome.reason))
      case "Refused":
        return failWith(new ClusterError({ reason: "Refused", taskId, detail: outcome.reason }))
      case "Cancelled":
        return Effect.succeed(Exit.interrupt(FiberId.none))
    }
  })()
  return Effect.map(exit, (exit) => ({
    taskId,
    priority: isPriority(settled.priority) ? settled.priority : defaultPriority,
    exit: exit as TaskResult<A, E | InvalidTaskError | ClusterError>["exit"],
    duration: settled.duration,
    waitTime: settled.waitTime,
    attempts: settled.attempt
  }))
}

const deliveryError = (taskId: string | undefined) => (cause: unknown) =>
  new ClusterError({
    reason: typeof cause === "object" && cause !== null && "_tag" in cause && cause._tag === "PersistenceError"
      ? "StorageError"
      : "DeliveryError",
    taskId,
    detail: `the message could not be handed to the cluster: ${String((cause as { message?: unknown })?.message ?? cause)}`,
    cause
  })

interface InFlight {
  readonly await: Effect.Effect<TaskResult<unknown, unknown>>
  readonly handle: ClusterTaskHandle<any, any>
}

/** A client on `store`; a runner passes its own store, so its submitters share what it knows. */
export const makeWith = (
  store: Store.ResultStore
): Effect.Effect<ClusterPoolService, never, Sharding.Sharding | Scope.Scope> =>
  Effect.gen(function*() {
    const clientFor = yield* TaskEntity.client
    const scope = yield* Effect.scope
    const inFlight = new Map<string, InFlight>()
    // Without a shared store, results of this client's own tasks are kept here for `await(id)`.
    const recent = new Map<string, { readonly settled: Settled; readonly expiresAt: number }>()
    const decodeUntyped: DecodeExit<unknown, unknown> = Schema.decodeUnknown(UntypedExit)
    // Submitted and not settled. A client that goes away makes sure each of these is persisted (a second
    // send of a persisted message is a no-op), so its tasks run without it.
    const unsettled = new Map<string, { readonly entityId: string; readonly envelope: TaskEnvelope }>()
    yield* Effect.addFinalizer(() =>
      Effect.forEach(
        unsettled.values(),
        ({ entityId, envelope }) => clientFor(entityId).Run(envelope, { discard: true }).pipe(Effect.ignore),
        { concurrency: 16, discard: true }
      )
    )

    const remember = (id: string, settled: Settled) =>
      store.shared ? Effect.void : Effect.map(Clock.currentTimeMillis, (now) => {
        for (const [old, entry] of recent) {
          if (entry.expiresAt >= now) break
          recent.delete(old)
        }
        recent.set(id, { settled, expiresAt: now + Duration.toMillis(defaultRetention) })
      })

    const submit = <Req extends AnyRequest>(task: ClusterTask<Req>) =>
      Effect.gen(function*() {
        const valid = validate(task)
        if (valid instanceof InvalidTaskError) return yield* valid
        const existing = inFlight.get(valid.id)
        if (existing !== undefined) {
          return existing.handle as ClusterTaskHandle<Schema.WithResult.Success<Req>, Schema.WithResult.Failure<Req>>
        }
        const request = yield* (Schema.serialize(valid.request) as Effect.Effect<unknown, ParseResult.ParseError>).pipe(
          Effect.mapError((error) =>
            invalid(valid.id, "request", valid.request, ParseResult.TreeFormatter.formatErrorSync(error))
          )
        )
        type A = Schema.WithResult.Success<Req>
        type E = Schema.WithResult.Failure<Req>
        const decodeExit: DecodeExit<A, E> = (encoded) =>
          Schema.deserializeExit(valid.request as Schema.WithResult.Any, encoded) as Effect.Effect<Exit.Exit<A, E>, ParseResult.ParseError>
        const entityId = entityIdFor(valid.id, valid.key)
        const entity = clientFor(entityId)
        const done = yield* Deferred.make<TaskResult<A, E | InvalidTaskError | ClusterError>>()
        const settle = (settled: Settled) =>
          Effect.flatMap(toResult(valid.id, settled, decodeExit), (result) =>
            Effect.zipRight(
            remember(valid.id, settled),
            Effect.zipRight(Effect.sync(() => unsettled.delete(valid.id)), Deferred.succeed(done, result))
          ))
        const envelope = new TaskEnvelope({
          id: valid.id,
          request,
          ...(valid.priority === undefined ? {} : { priority: valid.priority }),
          ...(valid.key === undefined ? {} : { key: valid.key }),
          ...(valid.timeout === undefined ? {} : { timeout: valid.timeout }),
          ...(valid.queueTimeout === undefined ? {} : { queueTimeout: valid.queueTimeout })
        })
        yield* store.register(valid.id)
        unsettled.set(valid.id, { entityId, envelope })
        const delivery = yield* entity.Run(envelope).pipe(
          Effect.matchCauseEffect({
            onSuccess: settle,
            onFailure: (cause) =>
              Deferred.succeed(done, {
                taskId: valid.id,
                priority: valid.priority ?? defaultPriority,
                exit: Cause.isInterruptedOnly(cause)
                  ? Exit.fail(
                    new ClusterError({
                      reason: "DeliveryError",
                      taskId: valid.id,
                      detail: "this client closed before the task settled; the task still runs: await its id from another client"
                    })
                  )
                  : Exit.failCause(Cause.map(cause, deliveryError(valid.id))),
                duration: Duration.zero,
                waitTime: Duration.zero,
                attempts: 0
              })
          }),
          Effect.ensuring(Effect.sync(() => inFlight.delete(valid.id))),
          Effect.forkIn(scope)
        )
        const handle: ClusterTaskHandle<A, E> = {
          taskId: valid.id,
          await: Deferred.await(done),
          join: Effect.flatMap(Deferred.await(done), (result) => result.exit),
          cancel: Effect.gen(function*() {
            if (yield* Deferred.isDone(done)) return
            const stored = yield* store.settle(valid.id, cancelled(valid.priority ?? defaultPriority), defaultRetention)
              .pipe(Effect.orElseSucceed(() => cancelled(valid.priority ?? defaultPriority)))
            yield* settle(stored)
            yield* entity.Cancel({ id: valid.id }).pipe(Effect.ignore)
            yield* Fiber.interrupt(delivery)
          })
        }
        inFlight.set(valid.id, { handle, await: Deferred.await(done) as Effect.Effect<TaskResult<unknown, unknown>> })
        return handle
      })

    const awaitId = (id: string): Effect.Effect<TaskResult<unknown, unknown>, ClusterError> =>
      Effect.suspend(() => {
        const running = inFlight.get(id)
        if (running !== undefined) return running.await
        const kept = recent.get(id)
        if (kept !== undefined) return toResult(id, kept.settled, decodeUntyped)
        return store.lookup(id).pipe(
          Effect.flatMap((found) => {
            switch (found._tag) {
              case "Unknown":
                return Effect.fail(
                  new ClusterError({
                    reason: "UnknownTask",
                    taskId: id,
                    detail: "no task with this id was submitted, or its result is older than resultRetention"
                  })
                )
              case "Pending":
                return Effect.zipRight(Effect.sleep("100 millis"), awaitId(id))
              case "Settled":
                return toResult(id, found.settled, decodeUntyped)
            }
          })
        )
      })

    const sendPause = (
      key: unknown,
      duration: Duration.Duration,
      resume: boolean
    ): Effect.Effect<void, InvalidTaskError | ClusterError> =>
      isKey(key)
        ? clientFor(entityIdFor("", key)).PauseKey({ key, duration, resume }).pipe(
          Effect.mapError(deliveryError(undefined))
        )
        : Effect.fail(invalid(undefined, "key", key, "expected a non-empty string"))

    const service: ClusterPoolService = {
      submit,
      run: (task) => Effect.flatMap(submit(task), (handle) => handle.join),
      await: awaitId,
      pauseKey: (key, duration) =>
        Effect.suspend(() => {
          const decoded = decodeDurationInput(duration)
          return decoded === undefined
            ? Effect.fail(invalid(undefined, "duration", duration, durationRule))
            : sendPause(key, decoded, false)
        }),
      resumeKey: (key) => sendPause(key, Duration.zero, true)
    }
    return service
  })

/** A client with its own store: the cluster's table when a `SqlClient` is provided. */
export const make: Effect.Effect<ClusterPoolService, ClusterError, Sharding.Sharding | Scope.Scope> = Effect.flatMap(
  Store.make,
  makeWith
)

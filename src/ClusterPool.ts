/**
 * A pool whose tasks run on runner processes of an `@effect/cluster`
 * cluster: a task with a key goes to the one runner that owns the key, so
 * the key's concurrency limit, rate limit and pauses hold cluster-wide; tasks
 * without a key are spread over the runners. Tasks are requests of a
 * `Schema.TaggedRequest` union, persisted before they are delivered, run
 * at least once, and settle exactly once for their submitter.
 *
 * @since 0.1.0
 */
import type * as Sharding from "@effect/cluster/Sharding"
import * as Context from "effect/Context"
import type * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Schema from "effect/Schema"
import * as Client from "./internal/cluster/client.js"
import * as Runner from "./internal/cluster/runner.js"
import type { PoolConfig } from "./PoolConfig.js"
import type {
  InvalidTaskError,
  PoolConfigError,
  PoolShutdownError,
  QueueFullError,
  TaskTimeoutError
} from "./PoolError.js"
import type { Priority } from "./Priority.js"
import type { TaskResult } from "./TaskResult.js"
import { WorkerPool } from "./WorkerPool.js"

/**
 * What went wrong that only a cluster can get wrong: its storage failed or
 * is unreachable, a message could not be delivered, no runner has a handler
 * for the request, or `await(id)` asked for a task the cluster does not
 * know (never submitted, or its result is older than `resultRetention`).
 *
 * @example
 * ```ts
 * const result = yield* cluster.await("report-42").pipe(
 *   Effect.catchTag("ClusterError", (error) => Effect.succeed(error.reason))
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class ClusterError extends (Data.TaggedError("ClusterError") as unknown as new(args: {
  readonly reason: "StorageError" | "DeliveryError" | "UnknownTask" | "Refused"
  readonly taskId: string | undefined
  readonly detail: string
  readonly cause?: unknown
}) => Cause.YieldableError & {
  readonly _tag: "ClusterError"
  /**
   * The kind of failure: `"StorageError"` (the cluster's database failed,
   * also after retrying for about two minutes), `"DeliveryError"` (the
   * message could not be handed to a runner), `"UnknownTask"` (`await(id)`
   * for an id the cluster does not know) or `"Refused"` (the runner could
   * not run the request: no handler for its tag, or a result its schema
   * cannot encode).
   *
   * @since 0.1.0
   */
  readonly reason: "StorageError" | "DeliveryError" | "UnknownTask" | "Refused"
  /**
   * The id of the task concerned, or `undefined` when the failure concerns
   * no single task.
   *
   * @since 0.1.0
   */
  readonly taskId: string | undefined
  /**
   * What happened, in a sentence.
   *
   * @since 0.1.0
   */
  readonly detail: string
  /**
   * The underlying error, when there is one (a `SqlError`, a
   * `PersistenceError` of the cluster).
   *
   * @since 0.1.0
   */
  readonly cause?: unknown
}) {
  /** A sentence naming the task and what went wrong, for logs. */
  override get message(): string {
    return this.taskId === undefined ? `${this.reason}: ${this.detail}` : `task "${this.taskId}": ${this.reason}: ${this.detail}`
  }
}

/**
 * Any request class of a `Schema.TaggedRequest` union, as an instance: what
 * a cluster task carries.
 *
 * @since 0.1.0
 * @category models
 */
export type AnyRequest = Schema.TaggedRequest.All

/**
 * What a handler learns about the task it runs besides its request.
 *
 * @since 0.1.0
 * @category models
 */
export interface TaskInfo {
  /**
   * The task's id, as submitted.
   *
   * @since 0.1.0
   */
  readonly id: string
  /**
   * Which delivery of the task this is: 1 the first time, 2 when the task
   * runs again because its runner died before it settled, and so on. A
   * handler with side effects uses it (with `id`) to stay idempotent.
   *
   * @since 0.1.0
   */
  readonly attempt: number
  /**
   * The task's key, or `undefined` for a task without one.
   *
   * @since 0.1.0
   */
  readonly key: string | undefined
}

/**
 * The handlers a runner hosts: one per tag of the request union, given the
 * request and its {@link TaskInfo}, returning an effect that succeeds and
 * fails with the request's own success and failure types.
 *
 * @since 0.1.0
 * @category models
 */
export type Handlers<Req extends AnyRequest, R> = {
  readonly [Tag in Req["_tag"]]: (
    request: Extract<Req, { readonly _tag: Tag }>,
    task: TaskInfo
  ) => Effect.Effect<
    Schema.WithResult.Success<Extract<Req, { readonly _tag: Tag }>>,
    Schema.WithResult.Failure<Extract<Req, { readonly _tag: Tag }>>,
    R
  >
}

/**
 * Options of `ClusterPool.runner`.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunnerOptions<S extends Schema.Schema.Any, R> {
  /**
   * The `Schema.Union` of the `Schema.TaggedRequest` classes this runner
   * accepts (a single class is a union of one). Requests arrive encoded and
   * are decoded with it.
   *
   * @since 0.1.0
   */
  readonly schema: S
  /**
   * One handler per tag of `schema`.
   *
   * @since 0.1.0
   */
  readonly handlers: Handlers<Extract<Schema.Schema.Type<S>, AnyRequest>, R>
  /**
   * Options of the runner's local `WorkerPool`, which runs the handlers:
   * `workers`, `queueSize`, `keyLimits`, `rateLimits`, `taskTimeout`,
   * `retry`, ... exactly as for `WorkerPool.make`. Default: its defaults.
   *
   * @since 0.1.0
   */
  readonly pool?: PoolConfig | undefined
  /**
   * How long results are kept for `await(id)`. Default: 1 hour.
   *
   * @since 0.1.0
   */
  readonly resultRetention?: Duration.DurationInput | undefined
}

/**
 * One task for the cluster: a request and the options the owning runner's
 * pool applies to it.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClusterTask<Req extends AnyRequest> {
  /**
   * The task's id: a non-empty string, unique in the cluster for as long as
   * its result is kept. Submitting an id again (with the same key) returns
   * the first submission's result instead of running it again.
   *
   * @since 0.1.0
   */
  readonly id: string
  /**
   * The request, an instance of a class of the runners' union.
   *
   * @since 0.1.0
   */
  readonly request: Req
  /**
   * The priority in the runner that runs it. Default: `Priority.Normal`.
   * Priorities hold within each runner.
   *
   * @since 0.1.0
   */
  readonly priority?: Priority | undefined
  /**
   * The key: all tasks of a key run on the runner that owns the key, so its
   * limits and pauses hold cluster-wide. Default: none (the task goes to
   * any runner).
   *
   * @since 0.1.0
   */
  readonly key?: string | undefined
  /**
   * The longest the task may run, once started. Default: the runner pool's
   * `taskTimeout`.
   *
   * @since 0.1.0
   */
  readonly timeout?: Duration.DurationInput | undefined
  /**
   * The longest the task may wait in the runner's queue. Default: the
   * runner pool's `queueTimeout`.
   *
   * @since 0.1.0
   */
  readonly queueTimeout?: Duration.DurationInput | undefined
}

/**
 * The errors a cluster task can end with besides its request's own.
 *
 * @since 0.1.0
 * @category models
 */
export type ClusterTaskError = TaskTimeoutError | PoolShutdownError | QueueFullError | InvalidTaskError | ClusterError

/**
 * A submitted cluster task.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClusterTaskHandle<A, E> {
  /**
   * The task's id.
   *
   * @since 0.1.0
   */
  readonly taskId: string
  /**
   * Waits for the task's result, which never fails: a failed task is a
   * result with a failed `exit`.
   *
   * @since 0.1.0
   */
  readonly await: Effect.Effect<TaskResult<A, E | InvalidTaskError | ClusterError>>
  /**
   * Waits for the task's value, failing as the task failed.
   *
   * @since 0.1.0
   */
  readonly join: Effect.Effect<A, E | ClusterTaskError>
  /**
   * Cancels the task wherever it is: not yet delivered, it never runs;
   * queued or running on a runner, it is interrupted there. Its result is
   * then interrupted, unless it settled first.
   *
   * @since 0.1.0
   */
  readonly cancel: Effect.Effect<void>
}

/**
 * What a cluster pool offers to submitters.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClusterPoolService {
  /**
   * Encodes the request with its own schema, persists it and hands it to
   * the runner of its key (or of its bucket), returning its handle. Fails
   * with `InvalidTaskError`, sending nothing, when the request fails its
   * schema or an option is invalid, and with `ClusterError` when it cannot
   * be persisted.
   *
   * @example
   * ```ts
   * const cluster = yield* ClusterPool
   * const handle = yield* cluster.submit({ id: "resize-1", request: new Resize({ width: 640 }), key: "images" })
   * const size = yield* handle.join
   * ```
   *
   * @since 0.1.0
   */
  submit<Req extends AnyRequest>(
    task: ClusterTask<Req>
  ): Effect.Effect<
    ClusterTaskHandle<Schema.WithResult.Success<Req>, Schema.WithResult.Failure<Req>>,
    InvalidTaskError | ClusterError
  >
  /**
   * `submit` then `join`.
   *
   * @since 0.1.0
   */
  run<Req extends AnyRequest>(
    task: ClusterTask<Req>
  ): Effect.Effect<Schema.WithResult.Success<Req>, Schema.WithResult.Failure<Req> | ClusterTaskError>
  /**
   * The result of a task submitted earlier, also by another or an earlier
   * process, waiting for it if it has not settled. Values and errors come
   * as their schemas encode them (the request is not known here). Fails with
   * `ClusterError` (`"UnknownTask"`) for an id the cluster does not know or
   * no longer keeps (see `resultRetention`).
   *
   * @since 0.1.0
   */
  await(id: string): Effect.Effect<TaskResult<unknown, unknown>, ClusterError>
  /**
   * Pauses `key` on the runner that owns it, as `WorkerPool.pauseKey` does
   * in one process: its queued tasks wait, running ones go on.
   *
   * @since 0.1.0
   */
  pauseKey(key: string, duration: Duration.DurationInput): Effect.Effect<void, InvalidTaskError | ClusterError>
  /**
   * Ends a pause of `key` on the runner that owns it.
   *
   * @since 0.1.0
   */
  resumeKey(key: string): Effect.Effect<void, InvalidTaskError | ClusterError>
}

/**
 * The cluster pool. `ClusterPool.runner(...)` makes a process a runner
 * (which can submit too); `ClusterPool.client` is a process that only
 * submits. Both need the cluster's `Sharding`, for example from
 * `NodeClusterSocket.layer({ storage: "sql" })` with a `PgClient` layer,
 * or `TestRunner.layer` in one process.
 *
 * @example
 * ```ts
 * const program = Effect.gen(function*() {
 *   const cluster = yield* ClusterPool
 *   return yield* cluster.run({ id: "fib-30", request: new Fib({ n: 30 }) })
 * })
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export class ClusterPool extends Context.Tag("@helixagent/concurrency/ClusterPool")<ClusterPool, ClusterPoolService>() {
  /**
   * A layer that makes this process a runner: it hosts `handlers` for the
   * requests of `schema` and runs them on a local `WorkerPool` made with
   * `pool`. It provides `ClusterPool`, for submitting from the runner too,
   * and that local `WorkerPool`, for its `metrics` or a pause of a key on
   * this runner only. Fails to build with `PoolConfigError` for invalid pool
   * options or `resultRetention`.
   *
   * @example
   * ```ts
   * const runner = ClusterPool.runner({
   *   schema: Requests,
   *   handlers: { Fib: (request) => Effect.succeed(fib(request.n)) },
   *   pool: { workers: 4, keyLimits: { "tenant-a": 2 } }
   * }).pipe(Layer.provide(NodeClusterSocket.layer({ storage: "sql" })), Layer.provide(PgClient.layer({ url })))
   * Layer.launch(runner).pipe(NodeRuntime.runMain)
   * ```
   *
   * @since 0.1.0
   */
  static readonly runner = <S extends Schema.Schema.Any, R = never>(
    options: RunnerOptions<S, R>
  ): Layer.Layer<
    ClusterPool | WorkerPool,
    PoolConfigError | ClusterError,
    Sharding.Sharding | Schema.Schema.Context<S> | R
  > =>
    Layer.scopedContext(
      Effect.map(Runner.make(options), ({ pool, service }) =>
        Context.make(ClusterPool, service).pipe(Context.add(WorkerPool, pool)))
    )

  /**
   * A layer for a process that submits tasks without running any.
   *
   * @example
   * ```ts
   * const client = ClusterPool.client.pipe(
   *   Layer.provide(NodeClusterSocket.layer({ clientOnly: true, storage: "sql" })),
   *   Layer.provide(PgClient.layer({ url }))
   * )
   * ```
   *
   * @since 0.1.0
   */
  static readonly client: Layer.Layer<ClusterPool, ClusterError, Sharding.Sharding> = Layer.scoped(
    ClusterPool,
    Client.make
  )
}

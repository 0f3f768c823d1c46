/**
 * A pool of worker threads for CPU-bound work: requests are
 * `Schema.TaggedRequest` classes, handled in a thread module written with
 * `@effect/platform`'s `WorkerRunner.layerSerialized`, and `execute` runs
 * one on a free thread with its typed success and failure.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import type * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type { ResourceLimits } from "node:worker_threads"
import { makeThreadClient } from "./internal/thread/client.js"
import { resolveThreadOptions } from "./internal/thread/options.js"
import type { PoolConfigError } from "./PoolError.js"
import type { ThreadCrashedError, ThreadStartError } from "./ThreadError.js"

/**
 * The options of `ThreadPool.make` and `ThreadPool.layer`. Only `script`
 * and `schema` are required.
 *
 * @example
 * ```ts
 * const options: ThreadPoolOptions = {
 *   script: new URL("./hash-thread.js", import.meta.url),
 *   schema: Requests,
 *   size: 4,
 *   interruptGrace: "100 millis"
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface ThreadPoolOptions {
  /**
   * The thread module: a path (relative paths are resolved against the
   * current directory) or a `file:` URL, such as
   * `new URL("./thread.js", import.meta.url)`. It is launched as
   * `WorkerRunner.layerSerialized(Requests, handlers)` with
   * `NodeWorkerRunner.layer`. A `.ts` module is loaded through `tsx`
   * (a development dependency then); ship JavaScript in production.
   *
   * @since 0.1.0
   */
  readonly script: string | URL
  /**
   * The requests the threads handle: a `Schema.Union` of
   * `Schema.TaggedRequest` classes (or one such class), the same one the
   * thread module passes to `WorkerRunner.layerSerialized`. Requests are
   * encoded with it, so a request outside it is refused before it is sent.
   *
   * @since 0.1.0
   */
  readonly schema: Schema.Schema<any, any, never>
  /**
   * How many threads run. An integer >= 1. Default: the number of CPUs
   * (`os.availableParallelism()`) minus one, at least 1, leaving a core to
   * the main thread.
   *
   * @since 0.1.0
   */
  readonly size?: number | undefined
  /**
   * How many requests one thread runs at once. An integer >= 1. Default 1:
   * CPU-bound handlers gain nothing from sharing a thread.
   *
   * @since 0.1.0
   */
  readonly concurrencyPerThread?: number | undefined
  /**
   * How long a thread may take to load its module and report ready. A
   * positive, finite duration. Default 10 seconds. At the start, a thread
   * that throws while loading, exits, or misses this deadline fails the
   * pool with `ThreadStartError`.
   *
   * @since 0.1.0
   */
  readonly startupTimeout?: Duration.DurationInput | undefined
  /**
   * How long a thread has to confirm the interruption of a request (a
   * task's timeout, `cancel`, the shutdown deadline) before the pool
   * terminates it and starts a new one. A finite duration >= 0. Default 100
   * milliseconds. A handler stuck in a synchronous loop never confirms.
   *
   * @since 0.1.0
   */
  readonly interruptGrace?: Duration.DurationInput | undefined
  /**
   * Recycle a thread after it has been given this many requests: a new
   * thread starts at once, and the old one closes when its last request
   * ends. An integer >= 1, or `Infinity`. Default: unlimited.
   *
   * @since 0.1.0
   */
  readonly maxRequestsPerThread?: number | undefined
  /**
   * Node's resource limits for each thread (`maxOldGenerationSizeMb`,
   * `maxYoungGenerationSizeMb`, `codeRangeSizeMb`, `stackSizeMb`). A thread
   * that exceeds them dies, and its request fails with `ThreadCrashedError`.
   * Default: Node's defaults.
   *
   * @since 0.1.0
   */
  readonly resourceLimits?: ResourceLimits | undefined
  /**
   * The pool's name: the `pool` tag of its metrics. A non-empty string with
   * no spaces around it. Default `"default"`.
   *
   * @since 0.1.0
   */
  readonly name?: string | undefined
}

/**
 * A snapshot of a thread pool, from `pool.metrics`. The counters run from
 * the moment the pool was made.
 *
 * @since 0.1.0
 * @category models
 */
export interface ThreadPoolMetrics {
  /**
   * Threads ready to take requests now (started, not ending).
   *
   * @since 0.1.0
   */
  readonly threads: number
  /**
   * Threads running at least one request now.
   *
   * @since 0.1.0
   */
  readonly busy: number
  /**
   * Requests handed to a thread so far.
   *
   * @since 0.1.0
   */
  readonly requests: number
  /**
   * Threads that died unexpectedly (exit, uncaught error, resource limits).
   *
   * @since 0.1.0
   */
  readonly crashes: number
  /**
   * Threads started in place of another: after a crash, a termination on
   * interrupt, or a recycling by `maxRequestsPerThread`.
   *
   * @since 0.1.0
   */
  readonly restarts: number
  /**
   * Threads terminated because an interrupted request was not confirmed
   * within `interruptGrace`.
   *
   * @since 0.1.0
   */
  readonly terminatedOnInterrupt: number
}

/**
 * What a running thread pool offers.
 *
 * @since 0.1.0
 * @category models
 */
export interface ThreadPoolService {
  /**
   * Runs a request on a free thread (waiting for one, first come first
   * served) and returns its handler's result, typed from the request class:
   * the success, the typed failure, or `ThreadCrashedError` when the thread
   * died while running it (the pool then starts another). A defect in the
   * handler is a defect here. Interrupting the caller interrupts the handler
   * in its thread; a thread that does not confirm within `interruptGrace`
   * is terminated and replaced. The caller's span is the parent of the
   * handler's spans.
   *
   * @example
   * ```ts
   * const threads = yield* ThreadPool
   * const digest = yield* threads.execute(new Hash({ input: "abc", rounds: 1000 }))
   * ```
   *
   * @since 0.1.0
   */
  execute<Req extends Schema.TaggedRequest.All>(
    request: Req
  ): Effect.Effect<Schema.WithResult.Success<Req>, Schema.WithResult.Failure<Req> | ThreadCrashedError>

  /**
   * A snapshot of the pool's threads and counters (see
   * {@link ThreadPoolMetrics}).
   *
   * @example
   * ```ts
   * const { threads, busy, crashes } = yield* (yield* ThreadPool).metrics
   * ```
   *
   * @since 0.1.0
   */
  readonly metrics: Effect.Effect<ThreadPoolMetrics>
}

/**
 * Starts a thread pool in the current scope and returns once every thread
 * is ready; closing the scope closes every thread (a close message, then
 * termination after a second) and returns once all have exited. Fails with
 * `ThreadStartError` when a thread cannot start within `startupTimeout`, and
 * with `PoolConfigError` for an invalid option.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ThreadPool } from "@helixagent/concurrency/threads"
 * import { Hash, Requests } from "./requests.js"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function*() {
 *     const threads = yield* ThreadPool.make({ script: new URL("./thread.js", import.meta.url), schema: Requests, size: 2 })
 *     return yield* threads.execute(new Hash({ input: "abc", rounds: 10 }))
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: ThreadPoolOptions
): Effect.Effect<ThreadPoolService, ThreadStartError | PoolConfigError, Scope.Scope> =>
  Effect.suspend((): Effect.Effect<ThreadPoolService, ThreadStartError | PoolConfigError, Scope.Scope> => {
    const resolved = resolveThreadOptions(options)
    return Either.isLeft(resolved)
      ? Effect.fail(resolved.left)
      : (makeThreadClient(resolved.right) as Effect.Effect<ThreadPoolService, ThreadStartError, Scope.Scope>)
  })

/**
 * The thread pool service. Provide it with `ThreadPool.layer(options)` and
 * reach it with `const threads = yield* ThreadPool`. From a `WorkerPool`
 * task, `threads.execute(request)` is the task's `execute`, so the worker
 * pool's priorities, keys, timeouts and metrics apply to it.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { WorkerPool } from "@helixagent/concurrency"
 * import { ThreadPool } from "@helixagent/concurrency/threads"
 * import { Hash, Requests } from "./requests.js"
 *
 * const program = Effect.gen(function*() {
 *   const pool = yield* WorkerPool
 *   const threads = yield* ThreadPool
 *   return yield* pool.run({ id: "hash", execute: threads.execute(new Hash({ input: "abc", rounds: 10 })), timeout: "1 second" })
 * })
 *
 * const CpuPool = WorkerPool.layer({ workers: 2 }).pipe(
 *   Layer.provideMerge(ThreadPool.layer({ script: new URL("./thread.js", import.meta.url), schema: Requests, size: 2 }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export class ThreadPool extends Context.Tag("@helixagent/concurrency/ThreadPool")<ThreadPool, ThreadPoolService>() {
  /**
   * Starts a thread pool in the current scope. See {@link make}.
   *
   * @since 0.1.0
   */
  static readonly make = make

  /**
   * A layer that provides a thread pool made with these options; releasing
   * the layer closes every thread. Fails to build with `ThreadStartError`
   * (never hanging on a module that does not load) or `PoolConfigError`.
   *
   * @example
   * ```ts
   * const Threads = ThreadPool.layer({ script: new URL("./thread.js", import.meta.url), schema: Requests })
   * ```
   *
   * @since 0.1.0
   */
  static readonly layer = (options: ThreadPoolOptions): Layer.Layer<ThreadPool, ThreadStartError | PoolConfigError> =>
    Layer.scoped(ThreadPool, make(options))
}

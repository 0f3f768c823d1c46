/**
 * `@helixagent/concurrency/threads`: CPU-bound work on worker threads.
 * Requests are `Schema.TaggedRequest` classes handled in a thread module
 * written with `@effect/platform`'s `WorkerRunner.layerSerialized`; the
 * `ThreadPool` service runs them, and a `WorkerPool` task can call it to get
 * the pool's priorities, keys and timeouts. Needs the optional packages
 * `@effect/platform` and `@effect/platform-node`.
 *
 * @since 0.1.0
 */
export {
  /**
   * The thread pool service tag, with its constructors `ThreadPool.make`
   * and `ThreadPool.layer`. Reach it with `const threads = yield* ThreadPool`.
   *
   * @since 0.1.0
   */
  ThreadPool,
  /**
   * A snapshot of a thread pool: `threads`, `busy`, `requests`, `crashes`,
   * `restarts` and `terminatedOnInterrupt`.
   *
   * @since 0.1.0
   */
  type ThreadPoolMetrics,
  /**
   * The options of `ThreadPool.make` and `ThreadPool.layer`: `script`,
   * `schema`, `size`, `concurrencyPerThread`, `startupTimeout`,
   * `interruptGrace`, `maxRequestsPerThread`, `resourceLimits` and `name`.
   *
   * @since 0.1.0
   */
  type ThreadPoolOptions,
  /**
   * What a running thread pool offers: `execute` and `metrics`.
   *
   * @since 0.1.0
   */
  type ThreadPoolService
} from "./ThreadPool.js"

export {
  /**
   * The thread running a request died before it answered; only that
   * thread's requests fail with it, and a new thread replaces it.
   *
   * @since 0.1.0
   */
  ThreadCrashedError,
  /**
   * A thread did not start within `startupTimeout` (it threw while loading,
   * exited, or did not report ready): the pool fails to build with it.
   *
   * @since 0.1.0
   */
  ThreadStartError
} from "./ThreadError.js"

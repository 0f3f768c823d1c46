/**
 * `@helixagent/concurrency/cluster`: the same tasks across runner processes
 * on `@effect/cluster`, with priorities per runner and per-key limits,
 * rate limits and pauses that hold cluster-wide. Needs the optional peers
 * `@effect/cluster`, `@effect/platform-node`, `@effect/sql` and (for
 * PostgreSQL) `@effect/sql-pg`.
 *
 * @since 0.1.0
 */
export {
  /**
   * Any `Schema.TaggedRequest` instance: what a cluster task carries.
   *
   * @since 0.1.0
   */
  type AnyRequest,
  /**
   * The errors a cluster task can end with besides its request's own:
   * `TaskTimeoutError`, `PoolShutdownError`, `QueueFullError`,
   * `InvalidTaskError` and `ClusterError`.
   *
   * @since 0.1.0
   */
  type ClusterTaskError,
  /**
   * What only a cluster can get wrong: storage, delivery, an unknown task id
   * for `await(id)`, or a request no runner can run. `reason` says which.
   *
   * @since 0.1.0
   */
  ClusterError,
  /**
   * The cluster pool service tag, with the layers `ClusterPool.runner(...)`
   * (a process that runs tasks) and `ClusterPool.client` (a process that
   * only submits). Reach it with `const cluster = yield* ClusterPool`.
   *
   * @since 0.1.0
   */
  ClusterPool,
  /**
   * What a cluster pool offers: `submit`, `run`, `await(id)`, `pauseKey`
   * and `resumeKey`.
   *
   * @since 0.1.0
   */
  type ClusterPoolService,
  /**
   * One task for the cluster: `id`, `request`, and optionally `priority`,
   * `key`, `timeout` and `queueTimeout`.
   *
   * @since 0.1.0
   */
  type ClusterTask,
  /**
   * A submitted cluster task: `taskId`, `await`, `join` and `cancel`.
   *
   * @since 0.1.0
   */
  type ClusterTaskHandle,
  /**
   * The handlers of a runner: one per request tag, given the request and
   * its `TaskInfo`.
   *
   * @since 0.1.0
   */
  type Handlers,
  /**
   * Options of `ClusterPool.runner`: `schema`, `handlers`, `pool` and
   * `resultRetention`.
   *
   * @since 0.1.0
   */
  type RunnerOptions,
  /**
   * What a handler learns about its task: `id`, `attempt` and `key`.
   *
   * @since 0.1.0
   */
  type TaskInfo
} from "./ClusterPool.js"

/**
 * The typed errors of `ThreadPool`: a thread that could not start, and a
 * thread that died while it ran a request. Each is a `Data.TaggedError`
 * whose `_tag` is its class name, so `Effect.catchTag` catches it.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"

/**
 * The thread module did not start: it threw while loading, exited, or did
 * not report ready within `startupTimeout`. `ThreadPool.make` and
 * `ThreadPool.layer` fail with it (they never hang on a broken module), and
 * the threads already started are terminated.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ThreadPool } from "@helixagent/concurrency/threads"
 * import { Requests } from "./requests.js"
 *
 * const program = Effect.scoped(ThreadPool.make({ script: "./broken.js", schema: Requests })).pipe(
 *   Effect.catchTag("ThreadStartError", (error) => Effect.logError(error.message))
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class ThreadStartError extends Data.TaggedError("ThreadStartError")<{
  /**
   * The thread module, as a `file:` URL.
   *
   * @since 0.1.0
   */
  readonly script: string
  /**
   * Why it did not start: `"error"` (the module threw while loading, or the
   * thread could not be created), `"exit"` (the thread exited before it was
   * ready) or `"timeout"` (no ready message within `startupTimeout`).
   *
   * @since 0.1.0
   */
  readonly reason: "error" | "exit" | "timeout"
  /**
   * What the thread reported: the error thrown while loading, the exit code,
   * or the `startupTimeout` in milliseconds, depending on `reason`.
   *
   * @since 0.1.0
   */
  readonly cause: unknown
}> {
  /** A sentence naming the module and what went wrong, for logs. */
  override get message(): string {
    switch (this.reason) {
      case "timeout":
        return `thread module ${this.script} did not start within ${String(this.cause)} ms`
      case "exit":
        return `thread module ${this.script} exited with code ${String(this.cause)} before it was ready`
      case "error":
        return `thread module ${this.script} failed to load: ${describe(this.cause)}`
    }
  }
}

/**
 * The thread running a request died before it answered: it exited (for
 * example `process.exit`, or out of memory under `resourceLimits`), threw
 * outside the handler, or was terminated because another request on it did
 * not confirm its interruption within `interruptGrace`. Only the requests
 * on that thread fail with it; the pool starts a new thread in its place.
 * A request still running or waiting when the pool closes fails with it
 * too (`reason: "closed"`).
 *
 * @example
 * ```ts
 * const digest = yield* threads.execute(new Hash({ input: "abc" })).pipe(
 *   Effect.retry({ times: 1, while: (error) => error._tag === "ThreadCrashedError" })
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class ThreadCrashedError extends Data.TaggedError("ThreadCrashedError")<{
  /**
   * The `_tag` of the request that was running.
   *
   * @since 0.1.0
   */
  readonly request: string
  /**
   * The Node.js `threadId` of the thread that died, or -1 when the request
   * had not reached a thread (the pool closed first).
   *
   * @since 0.1.0
   */
  readonly threadId: number
  /**
   * How it died: `"exit"` (the thread exited, see `exitCode`), `"error"` (an
   * uncaught error in the thread, see `cause`), `"terminated"` (the pool
   * terminated it after an interruption was not confirmed in time) or
   * `"closed"` (the pool closed).
   *
   * @since 0.1.0
   */
  readonly reason: "exit" | "error" | "terminated" | "closed"
  /**
   * The thread's exit code, when it exited.
   *
   * @since 0.1.0
   */
  readonly exitCode?: number | undefined
  /**
   * The uncaught error, when `reason` is `"error"`.
   *
   * @since 0.1.0
   */
  readonly cause?: unknown
}> {
  /** A sentence naming the request, the thread and how it died, for logs. */
  override get message(): string {
    switch (this.reason) {
      case "closed":
        return `request ${this.request} did not finish: the thread pool closed`
      case "terminated":
        return `request ${this.request} did not finish: thread ${this.threadId} was terminated`
      case "error":
        return `request ${this.request} did not finish: thread ${this.threadId} failed: ${describe(this.cause)}`
      case "exit":
        return `request ${this.request} did not finish: thread ${this.threadId} exited with code ${this.exitCode}`
    }
  }
}

const describe = (cause: unknown): string => cause instanceof Error ? cause.message : String(cause)

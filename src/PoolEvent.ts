/**
 * What a running pool reports as it works: the events of `pool.events`.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import type { Priority } from "./Priority.js"

/**
 * How a task ended, as `TaskSettled` reports it:
 *
 * - `"success"`: its last attempt succeeded;
 * - `"failure"`: its last attempt failed with its typed error or a defect;
 * - `"timeout"`: its running-time timeout ended its last attempt;
 * - `"cancelled"`: cancelled (`handle.cancel`, `pool.cancel`, an interrupted
 *   `run` caller) or interrupted from within;
 * - `"shutdown"`: settled by the shutdown deadline, queued or running;
 * - `"evicted"`: evicted from the queue to make room (`"evict-lowest"`);
 * - `"expired"`: its queue deadline passed before it could start.
 *
 * @since 0.1.0
 * @category models
 */
export type TaskOutcome = "success" | "failure" | "timeout" | "cancelled" | "shutdown" | "evicted" | "expired"

/**
 * One event of a pool. Every event has a `_tag` and a `timestamp`:
 * milliseconds since the epoch on the pool's `Clock` (so `TestClock` time in
 * tests). Match on `_tag`, or use `PoolEvent.$is` and `PoolEvent.$match`.
 *
 * | event | fields | when |
 * | --- | --- | --- |
 * | `TaskAccepted` | `taskId`, `priority`, `key`, `attempt` | the pool accepted a task (`attempt` 1) |
 * | `TaskStarted` | `taskId`, `priority`, `key`, `attempt` | an attempt started on a worker (`attempt` from 1) |
 * | `TaskRetrying` | `taskId`, `attempt`, `delay` | attempt `attempt` failed; the next is due after `delay` |
 * | `TaskSettled` | `taskId`, `outcome`, `attempts`, `duration`, `waitTime` | the task settled (its callback done) |
 * | `KeyPaused` | `key`, `until` | `pauseKey`: until `until` (ms on the pool's `Clock`; `Infinity` until `resumeKey`) |
 * | `KeyResumed` | `key` | `resumeKey` ended a pause, or a pause ran out |
 * | `PoolPaused` / `PoolResumed` | | `pool.pause` / `pool.resume` changed the state |
 * | `PoolResized` | `workers` | `pool.resize` set a new bound |
 * | `ShutdownStarted` / `ShutdownCompleted` | | the graceful shutdown began / every task settled |
 * | `EventsDropped` | `count` | this subscriber's buffer was full: `count` older events were dropped |
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { PoolEvent, WorkerPool } from "@helixagent/concurrency"
 *
 * const logSettled = Effect.gen(function*() {
 *   const pool = yield* WorkerPool
 *   yield* pool.events.pipe(
 *     Stream.filter(PoolEvent.$is("TaskSettled")),
 *     Stream.runForEach((event) => Effect.log(`${event.taskId}: ${event.outcome} after ${event.attempts} attempt(s)`))
 *   )
 * })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type PoolEvent = Data.TaggedEnum<{
  TaskAccepted: {
    readonly timestamp: number
    readonly taskId: string
    readonly priority: Priority
    readonly key: string | undefined
    readonly attempt: number
  }
  TaskStarted: {
    readonly timestamp: number
    readonly taskId: string
    readonly priority: Priority
    readonly key: string | undefined
    readonly attempt: number
  }
  TaskRetrying: {
    readonly timestamp: number
    readonly taskId: string
    readonly attempt: number
    readonly delay: Duration.Duration
  }
  TaskSettled: {
    readonly timestamp: number
    readonly taskId: string
    readonly outcome: TaskOutcome
    readonly attempts: number
    readonly duration: Duration.Duration
    readonly waitTime: Duration.Duration
  }
  KeyPaused: { readonly timestamp: number; readonly key: string; readonly until: number }
  KeyResumed: { readonly timestamp: number; readonly key: string }
  PoolPaused: { readonly timestamp: number }
  PoolResumed: { readonly timestamp: number }
  PoolResized: { readonly timestamp: number; readonly workers: number }
  ShutdownStarted: { readonly timestamp: number }
  ShutdownCompleted: { readonly timestamp: number }
  EventsDropped: { readonly timestamp: number; readonly count: number }
}>

/**
 * Constructors of the events (`PoolEvent.TaskSettled({ ... })`), and the
 * guards `PoolEvent.$is(tag)` and matcher `PoolEvent.$match`.
 *
 * @example
 * ```ts
 * const settled = events.filter(PoolEvent.$is("TaskSettled"))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const PoolEvent = Data.taggedEnum<PoolEvent>()

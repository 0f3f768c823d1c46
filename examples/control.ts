/**
 * Controlling a running pool: a task retried with backoff, a pool paused
 * while a batch of reports is queued, a snapshot of its tasks, one report
 * cancelled by id, the pool grown and resumed, and an event stream watching
 * all of it.
 *
 *   npx tsx examples/control.ts
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Data, Duration, Effect, Fiber, Ref, Schedule, Stream } from "effect"
import { pathToFileURL } from "node:url"
import { PoolEvent, WorkerPool } from "@helixagent/concurrency"

/** What a rate-limited provider answers. */
export class RateLimited extends Data.TaggedError("RateLimited")<{ readonly attempt: number }> {}

/** One line for each event of the pool. */
const describe = PoolEvent.$match({
  TaskAccepted: (event) => `accepted ${event.taskId}`,
  TaskStarted: (event) => `started ${event.taskId} (attempt ${event.attempt})`,
  TaskRetrying: (event) => `${event.taskId} failed attempt ${event.attempt}, retrying in ${Duration.format(event.delay)}`,
  TaskSettled: (event) => `${event.taskId}: ${event.outcome} after ${event.attempts} attempt(s)`,
  KeyPaused: (event) => `key ${event.key} paused`,
  KeyResumed: (event) => `key ${event.key} resumed`,
  PoolPaused: () => "pool paused",
  PoolResumed: () => "pool resumed",
  PoolResized: (event) => `pool resized to ${event.workers} workers`,
  ShutdownStarted: () => "shutting down",
  ShutdownCompleted: () => "shut down",
  EventsDropped: (event) => `${event.count} events dropped`
})

export const program = Effect.gen(function*() {
  const pool = yield* WorkerPool

  // Every subscriber gets the events from the moment it subscribed; the stream ends once the pool has shut down.
  const watcher = yield* pool.events.pipe(
    Stream.filter((event) => !PoolEvent.$is("TaskAccepted")(event) && !PoolEvent.$is("TaskStarted")(event)),
    Stream.runForEach((event) => Effect.log(describe(event))),
    Effect.fork
  )
  yield* Effect.yieldNow()

  // A provider that answers 429 twice: the task is retried with exponential backoff, off the workers between attempts.
  const calls = yield* Ref.make(0)
  const ask = Effect.flatMap(
    Ref.updateAndGet(calls, (n) => n + 1),
    (attempt) => attempt < 3 ? Effect.fail(new RateLimited({ attempt })) : Effect.succeed("42")
  )
  const asked = yield* pool.submit({
    id: "ask",
    execute: ask,
    timeout: "1 second",
    retry: Schedule.exponential("20 millis").pipe(Schedule.intersect(Schedule.recurs(3)))
  })
  const answer = yield* asked.await
  yield* Effect.log(`ask answered after ${answer.attempts} attempts`)

  // While paused no task starts; submissions are accepted while the queue has room.
  yield* pool.pause
  const reports = yield* Effect.forEach(
    ["north", "south", "east", "west"],
    (region) => pool.submit({ id: `report-${region}`, execute: Effect.sleep("50 millis") })
  )
  const queued = yield* pool.tasks
  yield* Effect.log(`queued: ${queued.map((task) => `${task.taskId} (${task.state})`).join(", ")}`)

  // Cancel one by its id, grow the pool and let the others run, four at a time.
  const cancelled = yield* pool.cancel("report-west")
  yield* pool.resize(4)
  yield* pool.resume
  const results = yield* Effect.forEach(reports, (report) => report.await)
  const metrics = yield* pool.metrics
  yield* Effect.log(`${metrics.workers} workers, ${metrics.tasksRetried} retries, ${metrics.tasksCancelled} cancelled`)

  yield* pool.shutdown
  yield* Fiber.join(watcher)
  return {
    attempts: answer.attempts,
    cancelled,
    queued: queued.map((task) => task.taskId),
    outcomes: results.map((result) => result.exit._tag),
    workers: metrics.workers
  }
})

export const main = program.pipe(Effect.provide(WorkerPool.layer({ workers: 2, name: "control" })))

// Run when executed directly, not when imported (by the tests).
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  NodeRuntime.runMain(main)
}

/**
 * The demo behind `npm start`: one pool of four workers serving four
 * simulated LLM providers (no network).
 *
 * - Low-priority summaries are submitted first and queue up; Critical judges
 *   arrive while they wait and overtake them.
 * - gpt answers one call with a 429: the call pauses gpt with `pool.pauseKey`
 *   and is submitted again, to start when the pause ends.
 * - One call never answers; its timeout cuts it off.
 * - mistral has a rate limit (3 starts per second), every provider a limit
 *   of 2 calls at once.
 *
 * On a terminal a live view of the pool is redrawn below the log every
 * 100 ms; in a pipe or CI the demo prints plain lines, with a status line every
 * second. Ctrl-C shuts the pool down gracefully: queued and running calls get
 * `shutdownTimeout` (3 s) to finish, then the final metrics are printed.
 *
 *   npm start                  # about 60 calls, 6 to 8 s
 *   DEMO_TASKS=20 npm start    # a shorter run (at least 17 calls)
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Clock, Config, Duration, Effect, Exit, Fiber, Metric, Option, Schedule } from "effect"
import { pathToFileURL } from "node:url"
import {
  type PoolConfig,
  Priority,
  type Task,
  type TaskResult,
  WorkerPool,
  type WorkerPoolService
} from "@helixagent/concurrency"
import pc from "picocolors"
import * as Terminal from "./demo/terminal.js"
import * as View from "./demo/view.js"
import { type Call, complete, plan, type RateLimited } from "./demo/workload.js"

export const poolOptions = {
  name: "demo",
  workers: 4,
  queueSize: 100,
  taskTimeout: "5 seconds",
  shutdownTimeout: "3 seconds",
  keyLimits: { claude: 2, gpt: 2, gemini: 2, mistral: 2 },
  rateLimits: { mistral: { limit: 3, interval: "1 second" } }
} satisfies PoolConfig

/** How long the call that never answers may run. */
const hangTimeout = Duration.millis(1500)

const isRateLimited = (result: TaskResult<string, RateLimited>) =>
  Exit.isFailure(result.exit) &&
  Option.exists(Cause.failureOption(result.exit.cause), (error) => error._tag === "RateLimited")

/** Runs about `tasks` simulated calls through the pool, printing to `terminal`. */
export const demo = (tasks: number, terminal: Terminal.Terminal) =>
  Effect.gen(function*() {
    const pool = yield* WorkerPool
    const c = pc.createColors(terminal.live && pc.isColorSupported)
    const start = yield* Clock.currentTimeMillis
    const elapsed = Effect.map(Clock.currentTimeMillis, (now) => now - start)
    const log = (verb: string, subject: string, details?: string) =>
      Effect.flatMap(elapsed, (millis) => Effect.sync(() => terminal.line(View.logLine(c, millis, verb, subject, details))))

    // Time spent queued, per priority, for the final summary.
    const waited = [0, 0, 0, 0]
    const finished = [0, 0, 0, 0]

    // Every task's callback prints its line, once, whatever became of it.
    const report = (result: TaskResult<string, RateLimited>) => {
      waited[result.priority] += Duration.toMillis(result.waitTime)
      finished[result.priority]++
      const { details, verb } = View.describeResult(result)
      return log(verb, result.taskId, details)
    }

    const toTask = (call: Call): Task<string, RateLimited> => ({
      id: call.id,
      key: call.provider,
      priority: call.priority,
      timeout: call.behaviour === "hang" ? hangTimeout : undefined,
      callback: report,
      execute: complete(call).pipe(
        // A 429 holds back this provider only: its queued calls wait, the others go on.
        Effect.tapError((error) =>
          pool.pauseKey(error.provider, error.retryAfter).pipe(
            Effect.orDie,
            Effect.zipRight(log("pause", error.provider, `answered 429: paused for ${View.ms(error.retryAfter)}, its queued calls wait`))
          )
        )
      )
    })

    // Submits a call at once (so calls queue in submission order), then follows it up in the
    // background: a call that got a 429 is submitted again and waits for its provider's pause.
    // (The tasks are well formed, so an InvalidTaskError would be a bug: orDie.)
    const send = (call: Call) =>
      Effect.flatMap(Effect.orDie(pool.submit(toTask(call))), (handle) =>
        Effect.fork(Effect.gen(function*() {
          if (!isRateLimited(yield* handle.await)) return
          const retry: Call = { ...call, id: `${call.id}-retry`, behaviour: "answer" }
          yield* log("retry", call.id, `submitted again as ${retry.id}; it starts when ${call.provider}'s pause ends`)
          const again = yield* pool.submit(toTask(retry)).pipe(
            Effect.catchTag("PoolShutdownError", () => Effect.as(log("retry", retry.id, "refused: the pool is shutting down"), undefined)),
            Effect.orDie
          )
          if (again !== undefined) yield* again.await
        })))

    // In the demo's scope rather than a child of this fiber, so that it goes on showing the
    // drain after Ctrl-C has interrupted this fiber (and its children).
    let stopping = false
    const viewer = yield* Effect.forkScoped(watch(pool, terminal, c, elapsed, () => stopping))

    yield* Effect.addFinalizer((exit) =>
      Effect.gen(function*() {
        if (Exit.isInterrupted(exit)) {
          stopping = true
          const timeout = Duration.toSeconds(pool.config.shutdownTimeout)
          yield* log("stop", "interrupted", `pool shutting down: queued and running calls get ${timeout} s to finish (Ctrl-C again quits at once)`)
        }
        yield* pool.shutdown // idempotent: the layer's own shutdown then has nothing left to do
        yield* Fiber.interrupt(viewer)
        terminal.close()
        const averageWait = waited.map((total, priority) => finished[priority]! > 0 ? total / finished[priority]! : undefined)
        const lines = View.finalLines(c, yield* elapsed, pool.config, yield* pool.metrics, averageWait)
        for (const line of lines) terminal.line(line)
      })
    )

    const followUps: Array<Fiber.RuntimeFiber<void>> = []
    for (const wave of plan(tasks)) {
      yield* Effect.sleep(Duration.millis(Math.max(0, wave.at - (yield* elapsed))))
      const providers = [...new Set(wave.calls.map((call) => call.provider))].join(", ")
      yield* log("submit", `${wave.calls.length} calls`, `priority=${View.priorityName(wave.priority).padEnd(8)}  ${wave.what} (${providers})`)
      for (const call of wave.calls) followUps.push(yield* send(call))
    }
    yield* Fiber.joinAll(followUps)
  })

/**
 * Shows the pool every 100 ms: the live view on a terminal, or a plain
 * status line every second elsewhere.
 */
const watch = (
  pool: WorkerPoolService,
  terminal: Terminal.Terminal,
  c: View.Colors,
  elapsed: Effect.Effect<number>,
  stopping: () => boolean
) => {
  // The pool's own gauge of queued tasks, one series per priority.
  const depth = [Priority.Low, Priority.Normal, Priority.High, Priority.Critical].map((priority) =>
    Metric.gauge("workerpool_queue_depth").pipe(
      Metric.tagged("pool", pool.config.name),
      Metric.tagged("priority", View.priorityName(priority).toLowerCase())
    )
  )
  const history: Array<{ at: number; finished: number }> = []
  let scale = 8
  let lastStatus = 0
  return Effect.gen(function*() {
    const now = yield* elapsed
    const metrics = yield* pool.metrics
    const queuedByPriority = yield* Effect.forEach(depth, (gauge) => Effect.map(Metric.value(gauge), (state) => state.value))
    scale = Math.max(scale, ...queuedByPriority)
    const done = metrics.tasksCompleted + metrics.tasksFailed + metrics.tasksCancelled
    history.push({ at: now, finished: done })
    while (history.length > 1 && history[0]!.at < now - 1000) history.shift()
    const oldest = history[0]!
    const throughput = now > oldest.at ? ((done - oldest.finished) * 1000) / (now - oldest.at) : 0
    if (terminal.live) {
      const snapshot = { elapsedMillis: now, metrics, queuedByPriority, throughput, scale, stopping: stopping() }
      terminal.frame(View.frame(c, pool.config, snapshot))
    } else if (now - lastStatus >= 1000) {
      lastStatus = now
      const queues = View.levels.map((priority) => `${View.priorityName(priority)} ${queuedByPriority[priority]}`).join("  ")
      const paused = Object.entries(metrics.keys).filter(([, key]) => key.paused).map(([key]) => key)
      terminal.line(View.logLine(
        c,
        now,
        "status",
        `running ${metrics.running}/${pool.config.workers}`,
        `queued ${queues}  completed ${metrics.tasksCompleted}  failed ${metrics.tasksFailed}` +
          (paused.length > 0 ? `  paused ${paused.join(", ")}` : "")
      ))
    }
  }).pipe(Effect.repeat(Schedule.spaced("100 millis")))
}

/**
 * `tsx` (which `npm start` runs) runs this file in a child process and sends a Ctrl-C on to it;
 * when the child is slow to acknowledge, it sends the signal a second time, which would end the
 * process in the middle of the drain. So a repeat within a second of the first is ignored; a
 * later Ctrl-C quits at once, without waiting for the drain.
 */
const ignoreRepeatedCtrlC = Effect.acquireRelease(
  Effect.sync(() => {
    let first: number | undefined
    const listener = () => {
      if (first === undefined) first = Date.now()
      else if (Date.now() - first > 1000) process.exit(130)
    }
    process.on("SIGINT", listener)
    return listener
  }),
  (listener) => Effect.sync(() => process.off("SIGINT", listener))
)

/** The demo as `npm start` runs it: `DEMO_TASKS` calls (default 60), to stdout. */
export const main = Effect.gen(function*() {
  const tasks = yield* Config.integer("DEMO_TASKS").pipe(Config.withDefault(60))
  yield* ignoreRepeatedCtrlC
  yield* demo(tasks, Terminal.make(process.stdout))
}).pipe(Effect.scoped, Effect.provide(WorkerPool.layer(poolOptions)))

// Run when executed directly (`npm start`, `npx tsx examples/demo.ts`), not when imported.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) NodeRuntime.runMain(main)

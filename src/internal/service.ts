import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { OverflowPolicy, ResolvedPoolConfig } from "../PoolConfig.js"
import { InvalidTaskError, PoolConfigError } from "../PoolError.js"
import type { Task } from "../Task.js"
import type { SubmitOptions, WorkerPoolService } from "../WorkerPoolService.js"
import * as Batch from "./batch.js"
import { decodeDurationInput, durationRule } from "./duration.js"
import { EventHub } from "./events.js"
import * as Instruments from "./instruments.js"
import { PoolCore } from "./pool.js"
import { integerRule } from "./rules.js"
import { PoolStats } from "./stats.js"

// The pool service: the commands of `WorkerPoolService`, with their input checked, over a `PoolCore`.

const overflowPolicies: ReadonlySet<OverflowPolicy> = new Set(["backpressure", "reject", "evict-lowest"])

/** What is wrong with submit options (JavaScript callers may send anything), if anything. */
const checkSubmitOptions = (task: unknown, options: unknown): InvalidTaskError | undefined => {
  if (typeof options !== "object" || options === null) {
    return invalidArgument(task, "options", options, "expected an object such as { overflow: \"reject\" }")
  }
  for (const field in options) {
    if (field !== "overflow") return invalidArgument(task, field, (options as Record<string, unknown>)[field], "unknown submit option; the options are overflow")
  }
  const overflow = (options as SubmitOptions).overflow
  if (overflow !== undefined && !overflowPolicies.has(overflow)) {
    return invalidArgument(task, "overflow", overflow, `expected one of ${[...overflowPolicies].join(", ")}`)
  }
  return undefined
}

const isKey = (key: unknown): key is string => typeof key === "string" && key.length > 0

const invalidArgument = (task: unknown, field: string, value: unknown, reason: string) =>
  new InvalidTaskError({
    taskId: typeof (task as Task.Any | undefined)?.id === "string" ? (task as Task.Any).id : undefined,
    field,
    value,
    reason
  })

/**
 * A running pool with this configuration, shut down when the scope closes.
 *
 * @internal
 */
export const fromResolved = (config: ResolvedPoolConfig): Effect.Effect<WorkerPoolService, never, Scope.Scope> =>
  Effect.gen(function*() {
    const clock = yield* Effect.clock
    const runtime = yield* Effect.runtime<never>()
    const shutdownDone = yield* Deferred.make<void>()
    const stats = new PoolStats(config.enableMetrics ? Instruments.make(config.name) : undefined, config.workers)
    const hub = new EventHub(config.eventBufferSize, () => clock.unsafeCurrentTimeMillis())
    const core = new PoolCore(config, clock, runtime, stats, hub, shutdownDone)
    yield* Effect.addFinalizer(() => core.shutdown)
    const service: WorkerPoolService = {
      config,
      submit: (task: Task.Any, options?: SubmitOptions) =>
        options === undefined ? core.submit(task, config.overflow) : Effect.suspend(() => {
          const problem = checkSubmitOptions(task, options)
          return problem === undefined
            ? core.submit(task, options.overflow ?? config.overflow)
            : Effect.fail(problem)
        }),
      trySubmit: (task) => core.submit(task, "reject"),
      pauseKey: (key, duration) =>
        Effect.suspend(() => {
          if (!isKey(key)) return Effect.fail(invalidArgument(undefined, "key", key, "expected a non-empty string"))
          const decoded = decodeDurationInput(duration)
          if (decoded === undefined) return Effect.fail(invalidArgument(undefined, "duration", duration, durationRule))
          return Effect.sync(() => core.pauseKey(key, decoded))
        }),
      resumeKey: (key) =>
        isKey(key)
          ? Effect.sync(() => core.resumeKey(key))
          : Effect.fail(invalidArgument(undefined, "key", key, "expected a non-empty string")),
      run: (task) =>
        Effect.uninterruptibleMask((restore) =>
          Effect.flatMap(
            restore(core.submit(task, "backpressure")),
            (handle) => Effect.onInterrupt(restore(handle.join), () => handle.cancel)
          )
        ),
      runAll: (tasks) => Batch.runAll(core, tasks),
      submitBatch: (tasks) => Batch.submitBatch(core, tasks),
      metrics: core.metrics,
      shutdown: core.shutdown,
      cancel: (taskId) => core.cancelById(taskId),
      pause: Effect.sync(() => core.pause()),
      resume: Effect.sync(() => core.resume()),
      resize: (workers) =>
        Number.isInteger(workers) && workers >= 1
          ? Effect.sync(() => core.resize(workers))
          : Effect.fail(new PoolConfigError({ field: "workers", value: workers, rule: integerRule(1) })),
      tasks: core.tasksSnapshot,
      events: hub.stream
    }
    return service
  })

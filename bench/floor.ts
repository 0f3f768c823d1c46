/**
 * The fiber floor of W1 and W2: what a fiber per task costs with Effect's
 * public API, before any pool feature. The smallest dispatcher that runs
 * each task on a fiber of its own, forked with `Runtime.runFork` from the
 * submitter's runtime as our pool does, with none of the pool's features:
 * no priorities, ids, timeouts, metrics, keys, callbacks, backpressure,
 * cancellation or shutdown.
 *
 * At most `concurrency` tasks run. A queued task starts either on a turn
 * of Effect's scheduler, asked for when a slot is free at submission (so
 * that no fiber starts inside the submitter's stack), or right inside the
 * observer of a task whose fiber has just ended. A flag keeps a task that
 * ends synchronously inside the start loop (its observer is called at once)
 * from starting the loop again inside itself.
 */
import { Effect, type Exit, Runtime } from "effect"

/** The name of the floor's row, which W1 and W2 compare the other contenders with. */
export const fiberFloorName = "fiber per task (public-API floor)"

/** A submitted task: its effect, the runtime it is forked from, and its exit once it has ended. */
export interface FloorEntry<A, E> {
  /** Its requirements are in the context of `runtime`, the submitter's. */
  readonly effect: Effect.Effect<A, E>
  readonly runtime: Runtime.Runtime<never>
  exit: Exit.Exit<A, E> | undefined
  /** The awaiters of a task still running (made by the first). */
  observers: Array<(exit: Exit.Exit<A, E>) => void> | undefined
}

export const makeFiberFloor = (concurrency: number) => {
  const queue: Array<FloorEntry<any, any> | undefined> = []
  let head = 0
  let running = 0
  let starting = false
  let scheduled = false

  const startQueued = (): void => {
    if (starting) return
    starting = true
    while (running < concurrency && head < queue.length) {
      const entry = queue[head]!
      queue[head++] = undefined
      running++
      Runtime.runFork(entry.runtime, entry.effect).addObserver((exit) => {
        running--
        entry.exit = exit
        const observers = entry.observers
        entry.observers = undefined
        if (observers !== undefined) for (const observer of observers) observer(exit)
        startQueued()
      })
    }
    if (head === queue.length) queue.length = head = 0
    starting = false
  }

  const tick = (): void => {
    scheduled = false
    startQueued()
  }

  const submit = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<FloorEntry<A, E>, never, R> =>
    Effect.withFiberRuntime((fiber, status) => {
      const runtime = Runtime.make({
        context: fiber.currentContext,
        fiberRefs: fiber.getFiberRefs(),
        runtimeFlags: status.runtimeFlags
      })
      const entry: FloorEntry<A, E> = {
        effect: effect as Effect.Effect<A, E>,
        runtime,
        exit: undefined,
        observers: undefined
      }
      queue.push(entry)
      if (running < concurrency && !scheduled) {
        scheduled = true
        fiber.currentScheduler.scheduleTask(tick, 0)
      }
      return Effect.succeed(entry)
    })

  const await_ = <A, E>(entry: FloorEntry<A, E>): Effect.Effect<A, E> =>
    Effect.async<A, E>((resume) => {
      if (entry.exit !== undefined) resume(entry.exit)
      else (entry.observers ??= []).push(resume)
    })

  return { submit, await: await_ }
}

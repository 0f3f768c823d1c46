/**
 * Gathers single operations from many fibers into batches, so a runner
 * writes the bookkeeping of hundreds of tasks in one statement instead of
 * one round trip each.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"

interface Pending<I, O, E> {
  readonly input: I
  readonly done: Deferred.Deferred<O, E>
}

/**
 * A function that queues one input and waits for its output. `runBatch`
 * gets up to `maxBatch` inputs, in arrival order, and returns one output per
 * input in the same order. `lanes` batches may be in flight at once. The
 * lanes stop with the scope.
 */
export const make = <I, O, E>(options: {
  readonly runBatch: (inputs: ReadonlyArray<I>) => Effect.Effect<ReadonlyArray<O>, E>
  readonly maxBatch: number
  readonly lanes: number
}): Effect.Effect<(input: I) => Effect.Effect<O, E>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const queue = yield* Effect.acquireRelease(Queue.unbounded<Pending<I, O, E>>(), Queue.shutdown)
    const lane = Queue.takeBetween(queue, 1, options.maxBatch).pipe(
      Effect.flatMap((chunk) => {
        const pending = Array.from(chunk)
        return options.runBatch(pending.map((entry) => entry.input)).pipe(
          Effect.exit,
          Effect.flatMap((exit) =>
            Effect.forEach(pending, (entry, index) =>
              Deferred.complete(entry.done, Effect.map(exit, (outputs) => outputs[index]!)), { discard: true })
          )
        )
      }),
      Effect.forever
    )
    for (let index = 0; index < options.lanes; index++) yield* Effect.forkScoped(lane)
    return (input: I) =>
      Effect.flatMap(Deferred.make<O, E>(), (done) =>
        Effect.zipRight(Queue.offer(queue, { input, done }), Deferred.await(done)))
  })

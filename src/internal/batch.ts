import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Chunk from "effect/Chunk"
import * as Mailbox from "effect/Mailbox"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { InvalidTaskError, type PoolShutdownError } from "../PoolError.js"
import * as Priority from "../Priority.js"
import type { Task } from "../Task.js"
import type { PoolCore } from "./pool.js"
import type { Origin } from "./origin.js"
import { Result } from "./result.js"
import { type AnyResult, TaskEntry } from "./taskEntry.js"
import { duplicateId, validateTask, type ValidTask } from "./validateTask.js"

/** The result of a task the pool refused because it was shutting down. */
const refused = (task: Pick<ValidTask, "id" | "priority">, error: PoolShutdownError): AnyResult =>
  new Result(task.id, task.priority, Exit.fail(error), 0, 0, 0)

/**
 * Validates every task, then submits them in order (waiting for room as
 * needed) and returns their results in input order. The batch's tasks share
 * one origin: the caller's runtime as it was when it called. Interrupting
 * the caller cancels what was accepted, queued tasks first.
 *
 * @internal
 */
export const runAll = (
  pool: PoolCore,
  tasks: Iterable<Task.Any>
): Effect.Effect<ReadonlyArray<AnyResult>, InvalidTaskError, any> =>
  Effect.withFiberRuntime((fiber, status) => {
    const valid: Array<ValidTask> = []
    const ids = new Set<string>()
    for (const task of tasks) {
      const checked = validateTask(task)
      if (checked instanceof InvalidTaskError) return Effect.fail(checked)
      if (ids.has(checked.id)) return Effect.fail(duplicateId(checked.id, "in the same batch"))
      ids.add(checked.id)
      valid.push(checked)
    }
    return runValid(pool, valid, pool.originFor(fiber, status.runtimeFlags))
  })

/** How many tasks of a batch `runAll` submits before it yields. */
const yieldEvery = 1024

const runValid = (
  pool: PoolCore,
  valid: ReadonlyArray<ValidTask>,
  origin: Origin
): Effect.Effect<ReadonlyArray<AnyResult>, InvalidTaskError> => {
  // In input order: the task's entry once accepted, or the result of its refusal.
  const slots: Array<TaskEntry | AnyResult> = new Array(valid.length)
  const accepted: Array<TaskEntry> = []
  let unsettled = 0
  let wake: (() => void) | undefined
  const settledOne = () => {
    if (--unsettled === 0 && wake !== undefined) wake()
  }
  const place = (index: number, offered: TaskEntry | PoolShutdownError) => {
    if (offered instanceof TaskEntry) {
      slots[index] = offered
      accepted.push(offered)
      unsettled++
      offered.observe(settledOne)
    } else {
      slots[index] = refused(valid[index]!, offered)
    }
  }
  const allSettled = Effect.suspend(() =>
    unsettled === 0 ? Effect.void : Effect.async<void>((resume) => {
      wake = () => resume(Effect.void)
      return Effect.sync(() => {
        wake = undefined
      })
    })
  )
  return Effect.uninterruptibleMask((restore) => {
    // Submits from `start` on, synchronously while there is room.
    const submitFrom = (start: number): Effect.Effect<void, InvalidTaskError> => {
      for (let index = start; index < valid.length; index++) {
        // Lets the pool run what it has taken now and then, rather than
        // taking the whole batch in before it starts any of it.
        if (index > start && index % yieldEvery === 0) {
          return Effect.zipRight(restore(Effect.yieldNow()), Effect.suspend(() => submitFrom(index)))
        }
        const offered = pool.tryOffer(valid[index]!, origin, "backpressure")
        if (offered === undefined) {
          return restore(pool.waitForRoom(valid[index]!, origin)).pipe(
            Effect.catchTag("PoolShutdownError", (error) => Effect.succeed(error)),
            Effect.flatMap((waited) => {
              place(index, waited)
              return submitFrom(index + 1)
            })
          )
        }
        if (offered instanceof InvalidTaskError) return Effect.fail(offered)
        place(index, offered as TaskEntry | PoolShutdownError)
      }
      return Effect.void
    }
    return submitFrom(0).pipe(
      Effect.zipRight(restore(pool.lendWhile(allSettled))),
      Effect.onError(() =>
        Effect.withFiberRuntime((fiber) => {
          pool.cancelAll(accepted, fiber.id())
          return allSettled
        })
      ),
      Effect.map(() => slots.map((slot) => (slot instanceof TaskEntry ? slot.result! : slot)))
    )
  })
}

/**
 * Streams results in completion order. One fiber submits the tasks as the
 * pool has room (so the whole batch shares one origin and its workers run
 * task after task), holding no more than `workers + queueSize` tasks of the
 * batch at once, counted until the consumer has taken their results. Closing
 * the stream early cancels the batch's tasks still in the pool.
 *
 * @internal
 */
export const submitBatch = (
  pool: PoolCore,
  tasks: Iterable<Task.Any>
): Stream.Stream<AnyResult, InvalidTaskError, any> =>
  Stream.unwrapScoped(Effect.withFiberRuntime((fiber, status) => {
    // The batch's tasks share one origin: the consumer's runtime as it was when the stream started.
    const origin = pool.originFor(fiber, status.runtimeFlags)
    const span = fiber.currentSpan
    return Effect.gen(function*() {
      const limit = pool.config.workers + pool.config.queueSize
      const results = yield* Mailbox.make<AnyResult, InvalidTaskError>()
      const inPool = new Set<TaskEntry>()
      let outstanding = 0
      let wakeProducer: (() => void) | undefined
      // The producer sleeps until half the room is free again, so that it
      // submits in runs rather than waking for every result taken.
      const release = (count: number) => {
        outstanding -= count
        if (wakeProducer === undefined || outstanding > limit >> 1) return
        const wake = wakeProducer
        wakeProducer = undefined
        wake()
      }
      const roomForOne = Effect.suspend(() =>
        outstanding < limit ? Effect.void : Effect.async<void>((resume) => {
          wakeProducer = () => resume(Effect.void)
        })
      )
      const submitOne = (task: Task.Any) =>
        Effect.zipRight(
          roomForOne,
          Effect.suspend(() => {
            const valid = validateTask(task)
            if (valid instanceof InvalidTaskError) return Effect.fail(valid)
            pool.recordSubmission(span, valid)
            return pool.offer(valid, origin, "backpressure")
          }).pipe(
            Effect.map((entry: TaskEntry) => {
              outstanding++
              inPool.add(entry)
              entry.observe((result) => {
                inPool.delete(entry)
                results.unsafeOffer(result)
              })
            }),
            Effect.catchTag("PoolShutdownError", (error: PoolShutdownError) =>
              Effect.sync(() => {
                outstanding++
                const priority = task.priority ?? Priority.defaultPriority
                results.unsafeOffer(refused({ id: error.taskId, priority }, error))
              }))
          )
        )
      const awaitDrained = Effect.suspend(() =>
        inPool.size === 0 ? Effect.void : Effect.forEach([...inPool], (entry) => entry.await, { discard: true })
      )
      // Not `Effect.forEach`, which would copy the whole iterable into an array first.
      const iterator = tasks[Symbol.iterator]()
      let next = iterator.next()
      const submitAll = Effect.whileLoop({
        while: () => next.done !== true,
        body: () => submitOne(next.value),
        step: () => {
          next = iterator.next()
        }
      })
      yield* submitAll.pipe(
        Effect.zipRight(awaitDrained),
        Effect.zipRight(results.end),
        Effect.catchAll((error) => results.fail(error)),
        Effect.onExit(() =>
          Effect.withFiberRuntime((producer) => {
            const left = [...inPool]
            pool.cancelAll(left, producer.id())
            return Effect.forEach(left, (entry) => entry.await, { discard: true })
          })
        ),
        Effect.forkScoped
      )
      // A pull that has to wait is a wait on the pool (see `PoolCore.lendWhile`).
      const takeAll = results.takeAll
      const pull = Effect.suspend(() =>
        Option.getOrElse(results.unsafeSize(), () => 0) > 0 ? takeAll : pool.lendWhile(takeAll)
      ).pipe(
        Effect.mapError(Option.some),
        Effect.flatMap(([chunk, done]) => {
          if (done && Chunk.isEmpty(chunk)) return Effect.fail(Option.none())
          release(Chunk.size(chunk))
          return Effect.succeed(chunk)
        })
      )
      return Stream.repeatEffectChunkOption(pull)
    })
  }))

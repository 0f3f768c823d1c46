import * as Cause from "effect/Cause"
import type * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import type * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as Stream from "effect/Stream"
import type { ResolvedPoolConfig } from "../PoolConfig.js"
import { InvalidTaskError, PoolShutdownError, QueueFullError, TaskTimeoutError } from "../PoolError.js"
import type { PoolMetrics } from "../PoolMetrics.js"
import * as Priority from "../Priority.js"
import type { Task } from "../Task.js"
import type { Instruments } from "./instruments.js"
import { currentFiberRefs, replaceFiberRefs } from "./fiberRefsAccess.js"
import { LevelQueue } from "./levelQueue.js"
import {
  type AnyResult,
  type EntryOwner,
  type Origin,
  originOf,
  Phase,
  TaskEntry,
  type Worker
} from "./taskEntry.js"
import { validateTask, type ValidTask } from "./validateTask.js"

interface Waiter {
  readonly entry: TaskEntry
  readonly resume: (effect: Effect.Effect<TaskEntry, PoolShutdownError>) => void
}

const nanosToSeconds = (nanos: bigint): number => Number(nanos) / 1e9

/**
 * The dispatcher. Its state is plain data updated synchronously: JavaScript
 * runs one fiber step at a time, so each transition below is atomic, and the
 * per-task path pays for no `Ref`, `Queue`, semaphore or `Deferred`.
 *
 * Tasks run on workers. A worker is a fiber made with a task's origin (the
 * submitter's runtime); it forks each task as a child, so the task inherits
 * the submitter's services and fiber refs, and can be interrupted alone.
 * After a task settles, the worker takes the next queued task itself when it
 * has the same origin, and otherwise hands it to a new worker made with that
 * origin. A worker exists only while there is work, and `busy` counts them.
 *
 * Invariant: unless the pool is being forced to stop, a task is queued only
 * while all `workers` workers are busy.
 */
export class PoolCore implements EntryOwner {
  private readonly queue = new LevelQueue<TaskEntry>(Priority.levels)
  private readonly running = new Set<TaskEntry>()
  private readonly waiters = new Set<Waiter>()
  /** Fibers running callbacks of tasks settled off a worker. */
  private readonly callbackFibers = new Set<Fiber.RuntimeFiber<unknown, unknown>>()
  private readonly idleWaiters = new Set<() => void>()
  private busy = 0
  private unsettled = 0
  private accepting = true
  private shutdownStarted = false
  /** Set when the shutdown deadline passed: the pool is being forced to stop. */
  private stoppedBy: FiberId.FiberId | undefined = undefined

  private submitted = 0
  private completed = 0
  private failed = 0
  private cancelled = 0
  private callbackFailures = 0
  private finishedNanos = 0n

  constructor(
    readonly config: ResolvedPoolConfig,
    private readonly clock: Clock.Clock,
    private readonly instruments: Instruments | undefined,
    private readonly shutdownDone: Deferred.Deferred<void>
  ) {}

  // ---- submission ----

  submit(task: Task<any, any, any>, wait: boolean): Effect.Effect<TaskEntry, any, any> {
    return Effect.withFiberRuntime((fiber, status) => {
      const valid = validateTask(task)
      if (valid instanceof InvalidTaskError) return Effect.fail(valid)
      return this.offer(valid, originOf(fiber, status.runtimeFlags), wait)
    })
  }

  offer(valid: ValidTask, origin: Origin, wait: true): Effect.Effect<TaskEntry, PoolShutdownError>
  offer(valid: ValidTask, origin: Origin, wait: boolean): Effect.Effect<TaskEntry, PoolShutdownError | QueueFullError>
  offer(valid: ValidTask, origin: Origin, wait: boolean): Effect.Effect<TaskEntry, PoolShutdownError | QueueFullError> {
    if (!this.accepting) return Effect.fail(this.shutdownError(valid.id))
    const entry = new TaskEntry(this, valid, origin)
    if (this.hasRoom()) {
      this.accept(entry)
      return Effect.succeed(entry)
    }
    if (!wait) {
      return Effect.fail(
        new QueueFullError({ pool: this.config.name, taskId: valid.id, queueSize: this.config.queueSize })
      )
    }
    return Effect.async<TaskEntry, PoolShutdownError>((resume) => {
      const waiter: Waiter = { entry, resume }
      this.waiters.add(waiter)
      return Effect.sync(() => {
        this.waiters.delete(waiter)
      })
    })
  }

  private hasRoom(): boolean {
    return this.busy < this.config.workers || this.queue.size < this.config.queueSize
  }

  private accept(entry: TaskEntry): void {
    this.unsettled++
    this.submitted++
    this.instruments?.submitted.update(1)
    entry.submittedAt = this.clock.unsafeCurrentTimeNanos()
    if (this.busy < this.config.workers) this.spawnWorker(entry)
    else this.queue.push(entry)
  }

  private admitWaiters(): void {
    for (const waiter of this.waiters) {
      if (!this.hasRoom()) return
      this.waiters.delete(waiter)
      this.accept(waiter.entry)
      waiter.resume(Effect.succeed(waiter.entry))
    }
  }

  // ---- workers ----

  private spawnWorker(first: TaskEntry): void {
    this.busy++
    // Not started on the spot: that would run the worker inside the
    // submitter's (or another worker's) stack.
    Runtime.runFork(first.origin.runtime, this.worker(first), { immediate: false })
  }

  /**
   * A worker runs its tasks inline, one after another, in an uninterruptible
   * loop that makes only the task itself (and its callback) interruptible.
   * Cancelling a running task interrupts the worker and dooms it: the worker
   * settles that task and then stops, so the interruption can never reach a
   * later task; a new worker takes its place.
   */
  private worker(first: TaskEntry): Effect.Effect<void, never, any> {
    const origin = first.origin
    const worker: Worker = { fiber: undefined, doomed: false }
    return Effect.uninterruptibleMask((restore) =>
      Effect.withFiberRuntime<void, never, any>((fiber) => {
        worker.fiber = fiber
        const baseline = fiber.getFiberRefs()
        let current = first
        const run = (entry: TaskEntry): Effect.Effect<void, never, any> => {
          current = entry
          this.start(entry, worker)
          return Effect.flatMap(Effect.exit(restore(this.program(entry))), onExit)
        }
        const onExit = (exit: Exit.Exit<unknown, unknown>): Effect.Effect<void, never, any> => {
          const result = this.onTaskExit(current, exit)
          const callback = current.valid.task.callback
          if (callback === undefined || worker.doomed) {
            this.complete(current, result)
            return proceed()
          }
          return Effect.flatMap(Effect.exit(restore(this.callbackProgram(callback, result))), (callbackExit) => {
            if (Exit.isFailure(callbackExit)) this.callbackFailures++
            this.settle(current, result)
            return proceed()
          })
        }
        const proceed = (): Effect.Effect<void, never, any> => {
          // A task may have set fiber refs (`FiberRef.set`): the next task
          // must start from the submitter's refs again.
          if (currentFiberRefs(fiber) !== baseline) replaceFiberRefs(fiber, baseline)
          const next = this.next(origin, worker.doomed)
          return next === undefined ? Effect.void : run(next)
        }
        return run(first)
      })
    )
  }

  /** The next task for a worker of `origin`, or `undefined` when the worker should stop. */
  private next(origin: Origin, doomed: boolean): TaskEntry | undefined {
    const entry = this.stoppedBy === undefined ? this.queue.shift() : undefined
    if (entry !== undefined && entry.origin === origin && !doomed) {
      this.admitWaiters()
      return entry
    }
    this.busy--
    if (entry !== undefined) this.spawnWorker(entry)
    this.admitWaiters()
    this.checkIdle()
    return undefined
  }

  private start(entry: TaskEntry, worker: Worker): void {
    entry.phase = Phase.Running
    entry.worker = worker
    this.running.add(entry)
    entry.startedAt = this.clock.unsafeCurrentTimeNanos()
    const waited = entry.startedAt - entry.submittedAt
    entry.waitTime = Duration.nanos(waited)
    this.instruments?.wait.update(nanosToSeconds(waited))
  }

  private program(entry: TaskEntry): Effect.Effect<unknown, unknown, any> {
    const { task, id, priority } = entry.valid
    const timeout = entry.valid.timeout ?? this.config.taskTimeout
    const execute: Effect.Effect<unknown, unknown, any> = timeout !== undefined && Duration.isFinite(timeout)
      ? Effect.timeoutFail(task.execute, {
        duration: timeout,
        onTimeout: () => new TaskTimeoutError({ taskId: id, timeout })
      })
      : task.execute
    if (!entry.origin.traced) return execute
    return Effect.withSpan(execute, "WorkerPool.task", {
      attributes: { "task.id": id, "task.priority": priority, "pool.name": this.config.name },
      captureStackTrace: false
    })
  }

  /** Counts a finished run and makes its result. */
  private onTaskExit(entry: TaskEntry, exit: Exit.Exit<unknown, unknown>): AnyResult {
    entry.phase = Phase.Callback
    const ran = this.clock.unsafeCurrentTimeNanos() - entry.startedAt
    if (Exit.isSuccess(exit)) {
      this.completed++
      this.finishedNanos += ran
      this.instruments?.completed.update(1)
      this.instruments?.duration.update(nanosToSeconds(ran))
    } else if (Cause.isInterruptedOnly(exit.cause)) {
      this.cancelled++
    } else {
      this.failed++
      this.finishedNanos += ran
      this.instruments?.failed.update(1)
      this.instruments?.duration.update(nanosToSeconds(ran))
    }
    return this.resultOf(entry, exit, Duration.nanos(ran))
  }

  private resultOf(entry: TaskEntry, exit: Exit.Exit<any, any>, duration: Duration.Duration): AnyResult {
    return { taskId: entry.valid.id, priority: entry.valid.priority, exit, duration, waitTime: entry.waitTime }
  }

  /** Settles a task that never ran: cancelled while queued, or shut down. */
  private settleUnrun(entry: TaskEntry, exit: Exit.Exit<never, unknown>): void {
    this.cancelled++
    entry.waitTime = Duration.nanos(this.clock.unsafeCurrentTimeNanos() - entry.submittedAt)
    this.complete(entry, this.resultOf(entry, exit, Duration.zero))
  }

  private callbackProgram(
    callback: (result: AnyResult) => unknown,
    result: AnyResult
  ): Effect.Effect<unknown, unknown, any> {
    return Effect.suspend(() => {
      const returned: unknown = callback(result)
      return Effect.isEffect(returned) ? returned : Effect.void
    }).pipe(
      Effect.onError((cause) =>
        Effect.logWarning(`WorkerPool "${this.config.name}": callback of task "${result.taskId}" failed`, cause)
      )
    )
  }

  /**
   * Settles a task off its worker: runs its callback, if any, on a fiber of
   * its own (with the submitter's runtime), then settles it.
   */
  private complete(entry: TaskEntry, result: AnyResult): void {
    const callback = entry.valid.task.callback
    if (callback === undefined) return this.settle(entry, result)
    entry.phase = Phase.Callback
    // Once the pool is being forced to stop, a callback runs on the spot and
    // is cut off at its first suspension, so that it cannot hold shutdown.
    const stoppedBy = this.stoppedBy
    const fiber = Runtime.runFork(entry.origin.runtime, this.callbackProgram(callback, result), {
      immediate: stoppedBy !== undefined
    })
    this.callbackFibers.add(fiber)
    fiber.addObserver((exit) => {
      this.callbackFibers.delete(fiber)
      if (Exit.isFailure(exit)) this.callbackFailures++
      this.settle(entry, result)
    })
    if (stoppedBy !== undefined) fiber.unsafeInterruptAsFork(stoppedBy)
  }

  private settle(entry: TaskEntry, result: AnyResult): void {
    this.running.delete(entry)
    entry.worker = undefined
    this.unsettled--
    entry.settle(result)
    this.checkIdle()
  }

  cancel(entry: TaskEntry, by: FiberId.FiberId): void {
    if (entry.phase === Phase.Queued) {
      this.queue.remove(entry)
      this.settleUnrun(entry, Exit.interrupt(by))
      if (this.accepting) this.admitWaiters()
    } else if (entry.worker !== undefined && !entry.worker.doomed && (entry.phase === Phase.Running || this.stoppedBy !== undefined)) {
      entry.worker.doomed = true
      entry.worker.fiber?.unsafeInterruptAsFork(by)
    }
  }

  // ---- shutdown ----

  private checkIdle(): void {
    if (this.unsettled === 0 && this.busy === 0 && this.idleWaiters.size > 0) {
      for (const resume of this.idleWaiters) resume()
      this.idleWaiters.clear()
    }
  }

  private readonly awaitIdle: Effect.Effect<void> = Effect.suspend(() =>
    this.unsettled === 0 && this.busy === 0 ? Effect.void : Effect.async<void>((resume) => {
      const waiter = () => resume(Effect.void)
      this.idleWaiters.add(waiter)
      return Effect.sync(() => {
        this.idleWaiters.delete(waiter)
      })
    })
  )

  private stopAccepting(): void {
    this.accepting = false
    for (const waiter of this.waiters) waiter.resume(Effect.fail(this.shutdownError(waiter.entry.taskId)))
    this.waiters.clear()
  }

  private forceStop(by: FiberId.FiberId): void {
    this.stoppedBy = by
    for (const entry of this.queue.drain()) {
      this.settleUnrun(entry, Exit.fail(this.shutdownError(entry.taskId)))
    }
    for (const entry of this.running) this.cancel(entry, by)
    for (const fiber of this.callbackFibers) fiber.unsafeInterruptAsFork(by)
  }

  private readonly drain: Effect.Effect<void> = Effect.uninterruptible(
    Effect.withFiberRuntime((fiber) => {
      this.stopAccepting()
      return Effect.interruptible(this.awaitIdle).pipe(
        Effect.timeoutOption(this.config.shutdownTimeout),
        Effect.flatMap((drained) => {
          if (Option.isSome(drained)) return Effect.void
          this.forceStop(fiber.id())
          return this.awaitIdle
        })
      )
    })
  )

  readonly shutdown: Effect.Effect<void> = Effect.suspend(() => {
    if (this.shutdownStarted) return Deferred.await(this.shutdownDone)
    this.shutdownStarted = true
    return Effect.ensuring(this.drain, Deferred.done(this.shutdownDone, Exit.void))
  })

  private shutdownError(taskId: string): PoolShutdownError {
    return new PoolShutdownError({ pool: this.config.name, taskId })
  }

  // ---- batches ----

  runAll(tasks: Iterable<Task<any, any, any>>): Effect.Effect<ReadonlyArray<AnyResult>, InvalidTaskError, any> {
    return Effect.withFiberRuntime((fiber, status) => {
      const valid: Array<ValidTask> = []
      for (const task of tasks) {
        const checked = validateTask(task)
        if (checked instanceof InvalidTaskError) return Effect.fail(checked)
        valid.push(checked)
      }
      const origin = originOf(fiber, status.runtimeFlags)
      const accepted: Array<TaskEntry> = []
      return Effect.uninterruptibleMask((restore) =>
        Effect.forEach(valid, (task) =>
          restore(this.offer(task, origin, true)).pipe(
            Effect.map((entry) => {
              accepted.push(entry)
              return entry.await
            }),
            Effect.catchTag("PoolShutdownError", (error) => Effect.succeed(Effect.succeed(this.refused(task, error))))
          )).pipe(
            Effect.flatMap((results) => restore(Effect.all(results))),
            Effect.onInterrupt(() => Effect.forEach(accepted, (entry) => entry.cancel, { discard: true }))
          )
      )
    })
  }

  submitBatch(tasks: Iterable<Task<any, any, any>>): Stream.Stream<AnyResult, InvalidTaskError, any> {
    return Stream.mapEffect(Stream.fromIterable(tasks), (task) => this.settleOne(task), {
      concurrency: this.config.workers + this.config.queueSize,
      unordered: true
    })
  }

  private settleOne(task: Task<any, any, any>): Effect.Effect<AnyResult, InvalidTaskError, any> {
    return Effect.uninterruptibleMask((restore) =>
      restore(this.submit(task, true)).pipe(
        Effect.flatMap((entry: TaskEntry) => Effect.onInterrupt(restore(entry.await), () => entry.cancel)),
        Effect.catchTag("PoolShutdownError", (error: PoolShutdownError) =>
          Effect.succeed(
            this.refused({ id: error.taskId, priority: task.priority ?? Priority.defaultPriority }, error)
          ))
      )
    )
  }

  private refused(task: Pick<ValidTask, "id" | "priority">, error: PoolShutdownError): AnyResult {
    return {
      taskId: task.id,
      priority: task.priority,
      exit: Exit.fail(error),
      duration: Duration.zero,
      waitTime: Duration.zero
    }
  }

  // ---- observation ----

  readonly metrics: Effect.Effect<PoolMetrics> = Effect.sync(() => {
    const finished = this.completed + this.failed
    return {
      tasksSubmitted: this.submitted,
      tasksCompleted: this.completed,
      tasksFailed: this.failed,
      tasksCancelled: this.cancelled,
      callbackFailures: this.callbackFailures,
      totalDuration: Duration.nanos(this.finishedNanos),
      averageTaskTime: finished === 0 ? Duration.zero : Duration.nanos(this.finishedNanos / BigInt(finished)),
      queued: this.queue.size,
      running: this.running.size
    }
  })
}

import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Runtime from "effect/Runtime"
import type { PoolMetrics } from "../PoolMetrics.js"
import type { TaskInfo } from "../TaskInfo.js"
import { currentTask } from "./currentTask.js"
import * as Observe from "./observe.js"
import { forever } from "./scheduler.js"
import { type Drainable, drain } from "./shutdown.js"
import { Phase, TaskEntry } from "./taskEntry.js"
import { PoolQueue } from "./queue.js"

/**
 * The pool: its queue and dispatch (`PoolQueue`), and the commands of a
 * running pool: key pauses, pause and resume, resize, cancellation, the
 * graceful shutdown, and what it reports of itself.
 *
 * @internal
 */
export class PoolCore extends PoolQueue implements Drainable {
  pauseKey(name: string, duration: Duration.Duration): void {
    const now = this.now()
    const key = this.scheduler.keyState(name)
    this.scheduler.pause(key, now + Duration.toMillis(duration), now)
    const until = key.pausedUntil!
    this.hub.keyPaused(name, until - now)
    if (until !== forever) {
      this.timers.schedule(until, () => {
        if (key.pausedUntil === until && !key.isPaused(until)) this.hub.keyResumed(name)
      })
    }
    // waiters for this key now need a wake-up at the pause's end
    this.admitWaiters()
  }

  resumeKey(name: string): void {
    const key = this.scheduler.keyState(name)
    const wasPaused = key.isPaused(this.now())
    this.scheduler.resume(key, this.now())
    if (wasPaused) this.hub.keyResumed(name)
    this.dispatch()
  }

  /** `pool.pause`: no task starts until `resume`; running ones go on. */
  pause(): void {
    if (this.paused || !this.accepting) return
    this.paused = true
    this.hub.pool("PoolPaused")
  }

  resume(): void {
    if (!this.paused) return
    this.paused = false
    this.hub.pool("PoolResumed")
    this.dispatch()
  }

  /** `pool.resize`: growing starts queued tasks at once; shrinking interrupts nothing. */
  resize(workers: number): void {
    this.workers = workers
    this.stats.onResized(workers, this.runner.busy)
    this.hub.poolResized(workers)
    this.dispatch()
  }

  cancel(entry: TaskEntry, by: FiberId.FiberId): void {
    if (entry.phase === Phase.Queued) {
      this.unqueue(entry)
      this.stats.onSettledUnrun(entry.priority)
      this.runner.settleUnrun(entry, Exit.interrupt(by), this.stoppedBy === undefined ? "cancelled" : "shutdown")
      this.admitWaiters()
      return
    }
    if (entry.phase === Phase.Retrying) {
      this.timers.cancel(entry.deadline!)
      entry.deadline = undefined
      this.stats.onSettledUnrun(entry.priority)
      this.runner.settleUnrun(entry, Exit.interrupt(by), "cancelled")
      return
    }
    // A callback is not cancelled, except to end a forced shutdown.
    if (entry.phase === Phase.Running || (entry.phase === Phase.Callback && this.runner.cutBy !== undefined)) {
      this.runner.interruptRun(entry, by)
    }
  }

  /**
   * Cancels many tasks at once: the queued ones leave the queue before any
   * running one is interrupted, so that no slot freed by an interruption
   * goes to one of them.
   */
  cancelAll(entries: Iterable<TaskEntry>, by: FiberId.FiberId): void {
    const started: Array<TaskEntry> = []
    for (const entry of entries) {
      if (entry.phase === Phase.Queued) this.cancel(entry, by)
      else started.push(entry)
    }
    for (const entry of started) this.cancel(entry, by)
  }

  /** `pool.cancel(taskId)`: cancels the accepted task of that id as its handle would; `false` if there is none. */
  cancelById(taskId: string): Effect.Effect<boolean> {
    return Effect.suspend(() => {
      const entry = typeof taskId === "string" ? this.tasks.get(taskId) : undefined
      if (entry === undefined || entry.seq < 0) return Effect.succeed(false)
      return Effect.as(entry.cancel, true)
    })
  }

  // ---- shutdown ----

  readonly awaitIdle: Effect.Effect<void> = this.settlement.awaitAllBut(undefined)

  stopAccepting(): void {
    this.accepting = false
    this.hub.pool("ShutdownStarted")
    // No new attempt starts: a task waiting for one (out waiting its delay,
    // or back in the queue) settles with its last failure, before a resume
    // could start it.
    for (const entry of this.tasks.values()) {
      const waiting = entry.phase === Phase.Retrying || (entry.phase === Phase.Queued && entry.lastResult !== undefined)
      if (!waiting) continue
      if (entry.phase === Phase.Queued) this.unqueue(entry)
      this.runner.settleRetrying(entry)
    }
    this.resume()
    this.admission.refuseAll((entry) => {
      this.stats.onRejected("shutdown")
      return this.shutdownError(entry.taskId)
    })
  }

  /**
   * At the shutdown deadline: queued tasks settle with `PoolShutdownError`,
   * then running ones are interrupted. Their callbacks still run.
   */
  forceStop(by: FiberId.FiberId): void {
    this.stoppedBy = by
    for (const entry of this.scheduler.removeAll(this.now())) {
      this.leftQueue(entry)
      this.stats.onSettledUnrun(entry.priority)
      this.runner.settleUnrun(entry, Exit.fail(this.shutdownError(entry.taskId)), "shutdown")
    }
    this.lending.resumeAll()
    this.cancelOnWorkers(by)
  }

  private cancelOnWorkers(by: FiberId.FiberId): void {
    for (const entry of this.tasks.values()) if (entry.phase !== Phase.Queued) this.cancel(entry, by)
  }

  /**
   * After the callbacks' grace: callbacks still running are interrupted (and
   * counted as callback failures), so that shutdown cannot hang on one.
   */
  cutCallbacks(by: FiberId.FiberId): void {
    this.runner.cutCallbacks(by)
    this.cancelOnWorkers(by)
  }

  isIdle(): boolean {
    return this.settlement.isIdle()
  }

  readonly close: Effect.Effect<void> = Effect.zipRight(
    Effect.suspend(() => this.timers.close),
    Effect.sync(() => {
      this.lastOrigin = undefined
    })
  )

  /**
   * The drain runs on a fiber of its own, so that a caller that is itself
   * one of the pool's tasks (a task that shuts its pool down) can be
   * interrupted at the deadline like any other task.
   */
  readonly shutdown: Effect.Effect<void> = Effect.withFiberRuntime((fiber) => {
    if (!this.shutdownStarted) {
      this.shutdownStarted = true
      Runtime.runFork(
        this.runtime,
        Effect.ensuring(
          drain(this, this.config.shutdownTimeout),
          Effect.zipRight(Deferred.done(this.shutdownDone, Exit.void), Effect.sync(() => this.shutdownCompleted()))
        )
      )
    }
    // Called by one of the pool's own tasks (or its callback): waiting for
    // that task would wait for the caller itself.
    const caller = fiber.getFiberRef(currentTask)
    return caller !== undefined && caller.owner === this && caller.phase !== Phase.Settled
      ? this.settlement.awaitAllBut(caller)
      : Deferred.await(this.shutdownDone)
  })

  private shutdownCompleted(): void {
    this.hub.pool("ShutdownCompleted")
    this.hub.end()
  }

  // ---- observation ----

  readonly metrics: Effect.Effect<PoolMetrics> = Effect.sync(() =>
    this.stats.snapshot(
      this.scheduler.size,
      this.runner.busy,
      Observe.keyMetrics(this.scheduler, this.now()),
      this.paused
    )
  )

  readonly tasksSnapshot: Effect.Effect<ReadonlyArray<TaskInfo>> = Effect.sync(() =>
    Observe.taskInfos(this.scheduler, this.tasks.values(), this.now())
  )
}


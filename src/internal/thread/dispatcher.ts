import type * as PlatformWorker from "@effect/platform/Worker"
import { WorkerError } from "@effect/platform/WorkerError"
import type { Worker } from "node:worker_threads"
import { ThreadCrashedError, ThreadStartError } from "../../ThreadError.js"
import type { ThreadInstruments } from "./instruments.js"
import { type Job, type Request, type Response, toReply } from "./job.js"
import type { ResolvedThreadOptions } from "./options.js"
import { spawnThread } from "./spawn.js"

type EndReason = "terminated" | "closed" | "recycled" | "startup-timeout"

/** One `worker_threads.Worker` the pool holds, and the requests running on it. */
class PoolThread {
  ready = false
  nextId = 0
  served = 0
  interrupting = 0
  retiring = false
  endReason: EndReason | undefined = undefined
  error: unknown = undefined
  startupTimer: ReturnType<typeof setTimeout> | undefined = undefined
  readonly running = new Map<number, Job>()
  /** Read at spawn: `worker.threadId` is -1 once the thread has exited. */
  readonly threadId: number
  constructor(readonly worker: Worker) {
    this.threadId = worker.threadId
  }
}


const closeGraceMillis = 1_000
const maxRespawnDelayMillis = 30_000

/**
 * The thread pool's machinery: the threads it spawned itself (so that it can
 * terminate any of them), a FIFO queue of requests waiting for a free slot,
 * and the wire protocol of `@effect/platform`'s serialized workers
 * (`Worker.Request` / `Worker.Response`), which `WorkerRunner.layerSerialized`
 * speaks on the thread side. State is plain data changed from Node's event
 * callbacks and from `execute`'s synchronous steps.
 *
 * @internal
 */
export class ThreadDispatcher {
  private readonly threads = new Set<PoolThread>()
  private queue: Array<Job> = []
  private queueHead = 0
  private closed = false
  private busyThreads = 0
  private respawnFailures = 0
  private respawnTimer: ReturnType<typeof setTimeout> | undefined = undefined
  private onStartup: ((error: ThreadStartError | undefined) => void) | undefined = undefined
  private startupPending = 0
  private onEmpty: (() => void) | undefined = undefined
  requests = 0
  crashes = 0
  restarts = 0
  terminatedOnInterrupt = 0

  constructor(private readonly options: ResolvedThreadOptions, private readonly instruments: ThreadInstruments) {}

  /** Spawns `size` threads and calls `done` once all are ready, or with the first start failure. */
  start(done: (error: ThreadStartError | undefined) => void): void {
    this.onStartup = done
    this.startupPending = this.options.size
    for (let i = 0; i < this.options.size && this.onStartup !== undefined; i++) this.spawn()
  }

  /** Live threads that have reported ready. */
  get liveThreads(): number {
    let count = 0
    for (const thread of this.threads) if (thread.ready && thread.endReason === undefined) count++
    return count
  }

  get busy(): number {
    return this.busyThreads
  }

  /** Queues a request and starts it at once when a thread has room. */
  submit(job: Job): void {
    if (this.closed) {
      job.state = "settled"
      job.reply({ _tag: "crashed", error: new ThreadCrashedError({ request: job.tag, threadId: -1, reason: "closed" }) })
      return
    }
    this.queue.push(job)
    this.dispatch()
  }

  /**
   * The caller of `execute` was interrupted. A queued request leaves the
   * queue; a running one is interrupted in its thread, which must confirm
   * within `interruptGrace` or be terminated (a synchronous loop never
   * confirms), so that the next request does not wait behind it.
   */
  cancel(job: Job): void {
    if (job.state === "queued") {
      job.state = "settled"
      return
    }
    if (job.state !== "running") return
    const thread = job.thread as PoolThread
    job.state = "interrupting"
    thread.interrupting++
    this.post(thread, [job.id, 1], [])
    job.graceTimer = setTimeout(() => {
      if (job.state === "interrupting" && thread.endReason === undefined) {
        this.terminatedOnInterrupt++
        this.end(thread, "terminated")
      }
    }, this.options.interruptGraceMillis)
  }

  /** Closes every thread: a close message first, then termination after a second; returns once all exited. */
  close(done: () => void): void {
    this.closed = true
    clearTimeout(this.respawnTimer)
    this.failQueued((job) => new ThreadCrashedError({ request: job.tag, threadId: -1, reason: "closed" }))
    if (this.threads.size === 0) return done()
    this.onEmpty = done
    for (const thread of this.threads) {
      if (thread.endReason !== undefined && thread.endReason !== "recycled") continue
      thread.endReason = "closed"
      thread.retiring = true
      if (!thread.ready) {
        void thread.worker.terminate()
        continue
      }
      this.post(thread, [1], [])
      setTimeout(() => void thread.worker.terminate(), closeGraceMillis).unref()
    }
  }

  private spawn(): void {
    let worker: Worker
    try {
      worker = spawnThread(this.options.script, this.options.resourceLimits)
    } catch (error) {
      this.startFailed(new ThreadStartError({ script: this.options.script.href, reason: "error", cause: error }))
      return
    }
    const thread = new PoolThread(worker)
    this.threads.add(thread)
    thread.startupTimer = setTimeout(() => {
      if (!thread.ready) this.end(thread, "startup-timeout")
    }, this.options.startupTimeoutMillis)
    worker.on("message", (message: PlatformWorker.BackingWorker.Message<Response>) => {
      if (message[0] === 0) this.ready(thread)
      else this.answer(thread, message[1])
    })
    worker.on("error", (error) => {
      thread.error ??= error
    })
    worker.on("exit", (code) => this.exited(thread, code))
  }

  private ready(thread: PoolThread): void {
    clearTimeout(thread.startupTimer)
    if (thread.endReason !== undefined) return
    thread.ready = true
    this.respawnFailures = 0
    if (this.onStartup !== undefined && --this.startupPending === 0) {
      const done = this.onStartup
      this.onStartup = undefined
      done(undefined)
    }
    this.dispatch()
  }

  private answer(thread: PoolThread, response: Response): void {
    const job = thread.running.get(response[0])
    if (job === undefined) return
    this.finish(thread, job)
    if (job.state === "interrupting") {
      job.state = "settled"
    } else {
      job.state = "settled"
      job.reply(toReply(response))
    }
    this.afterFinish(thread)
  }

  /** Takes a settled or crashed job off its thread and records how long it ran. */
  private finish(thread: PoolThread, job: Job): void {
    thread.running.delete(job.id)
    if (job.state === "interrupting") thread.interrupting--
    clearTimeout(job.graceTimer)
    this.instruments.requestSeconds(job.tag).update((performance.now() - job.startedAt) / 1000)
    if (thread.running.size === 0) this.setBusy(-1)
  }

  private afterFinish(thread: PoolThread): void {
    if (thread.retiring && thread.endReason === "recycled" && thread.running.size === 0) {
      this.post(thread, [1], [])
      setTimeout(() => void thread.worker.terminate(), closeGraceMillis).unref()
    }
    this.dispatch()
  }

  private setBusy(delta: number): void {
    this.busyThreads += delta
    this.instruments.busy.update(this.busyThreads)
  }

  /** Starts queued requests while some thread has room, the least loaded thread first. */
  private dispatch(): void {
    while (this.queueHead < this.queue.length) {
      const job = this.queue[this.queueHead]!
      if (job.state !== "queued") {
        this.queueHead++
        continue
      }
      const thread = this.freeThread()
      if (thread === undefined) break
      this.queueHead++
      this.run(thread, job)
    }
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead)
      this.queueHead = 0
    }
  }

  private freeThread(): PoolThread | undefined {
    let best: PoolThread | undefined
    for (const thread of this.threads) {
      if (!thread.ready || thread.retiring || thread.interrupting > 0) continue
      const load = thread.running.size
      if (load >= this.options.concurrencyPerThread) continue
      if (best === undefined || load < best.running.size) best = thread
      if (load === 0) break
    }
    return best
  }

  private run(thread: PoolThread, job: Job): void {
    job.id = thread.nextId++
    job.thread = thread
    job.state = "running"
    job.startedAt = performance.now()
    if (thread.running.size === 0) this.setBusy(1)
    thread.running.set(job.id, job)
    this.requests++
    try {
      thread.worker.postMessage([0, [job.id, 0, job.payload, job.span]], job.transfers as Array<any>)
    } catch (error) {
      this.finish(thread, job)
      job.state = "settled"
      job.reply({ _tag: "defect", cause: WorkerError.decodeCause({ _tag: "Die", defect: error }) })
      return
    }
    if (++thread.served >= this.options.maxRequestsPerThread) {
      thread.retiring = true
      thread.endReason = "recycled"
      this.restart()
    }
  }

  private post(thread: PoolThread, request: Request | readonly [1], transfers: Array<any>): void {
    try {
      thread.worker.postMessage(request.length === 1 ? request : [0, request], transfers)
    } catch {
      // The thread is exiting; its exit event settles what ran on it.
    }
  }

  private end(thread: PoolThread, reason: EndReason): void {
    thread.endReason = reason
    thread.retiring = true
    void thread.worker.terminate()
  }

  private exited(thread: PoolThread, code: number): void {
    clearTimeout(thread.startupTimer)
    this.threads.delete(thread)
    if (!thread.ready) {
      this.startFailed(this.startError(thread, code))
    } else {
      const reason = thread.endReason
      for (const job of thread.running.values()) {
        const state = job.state
        this.finish(thread, job)
        job.state = "settled"
        if (state === "running") job.reply({ _tag: "crashed", error: this.crashError(thread, job, code) })
      }
      if (reason === undefined) {
        this.crashes++
        this.instruments.crashes.update(1)
      }
      if (!this.closed && reason !== "recycled") this.restart()
    }
    if (this.threads.size === 0 && this.onEmpty !== undefined) {
      const done = this.onEmpty
      this.onEmpty = undefined
      done()
    }
    this.dispatch()
  }

  private startError(thread: PoolThread, code: number): ThreadStartError {
    const script = this.options.script.href
    if (thread.endReason === "startup-timeout") {
      return new ThreadStartError({ script, reason: "timeout", cause: this.options.startupTimeoutMillis })
    }
    return thread.error !== undefined
      ? new ThreadStartError({ script, reason: "error", cause: thread.error })
      : new ThreadStartError({ script, reason: "exit", cause: code })
  }

  private crashError(thread: PoolThread, job: Job, code: number): ThreadCrashedError {
    const threadId = thread.threadId
    switch (thread.endReason) {
      case "closed":
        return new ThreadCrashedError({ request: job.tag, threadId, reason: "closed", exitCode: code })
      case "terminated":
        return new ThreadCrashedError({ request: job.tag, threadId, reason: "terminated", exitCode: code })
      default:
        return thread.error !== undefined
          ? new ThreadCrashedError({ request: job.tag, threadId, reason: "error", exitCode: code, cause: thread.error })
          : new ThreadCrashedError({ request: job.tag, threadId, reason: "exit", exitCode: code })
    }
  }

  /** Starts a thread in place of one that ended. */
  private restart(): void {
    if (this.closed) return
    this.restarts++
    this.instruments.restarts.update(1)
    this.spawn()
  }

  /**
   * A thread did not start. While the pool itself is starting, this fails
   * it (terminating the others). Later, a replacement that does not start is
   * tried again with a growing delay; the queued requests fail when no thread
   * is left to run them, so that no caller waits for a thread that may never
   * come.
   */
  private startFailed(error: ThreadStartError): void {
    if (this.onStartup !== undefined) {
      const done = this.onStartup
      this.onStartup = undefined
      this.close(() => done(error))
      return
    }
    if (this.closed) return
    if (this.liveThreads === 0) {
      this.failQueued((job) =>
        new ThreadCrashedError({ request: job.tag, threadId: -1, reason: "error", cause: error })
      )
    }
    const delay = Math.min(maxRespawnDelayMillis, 1_000 * 2 ** this.respawnFailures++)
    this.respawnTimer = setTimeout(() => this.restart(), delay)
  }

  private failQueued(error: (job: Job) => ThreadCrashedError): void {
    const queued = this.queue.slice(this.queueHead)
    this.queue = []
    this.queueHead = 0
    for (const job of queued) {
      if (job.state !== "queued") continue
      job.state = "settled"
      job.reply({ _tag: "crashed", error: error(job) })
    }
  }
}

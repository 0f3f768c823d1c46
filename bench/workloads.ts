/**
 * The workloads of `npm run bench` and the contenders each runs. Every
 * contender's `run` builds its inputs first, then times only the work: from
 * making its pool or queue to the completion of the last task.
 */
import { Effect, Fiber, Option, Stream } from "effect"
import { Priority, type Task, type TaskHandle, WorkerPool } from "../src/index.js"
import {
  asyncPriorityQueueLibrary,
  asyncQueueLibrary,
  bareName,
  controlVariants,
  fastqLibrary,
  type Job,
  pLimitLibrary,
  type PoolVariant,
  poolVariants,
  pQueueLibrary,
  pQueuePriorityLibrary,
  type QueueLibrary,
  rawBuckets,
  rawLoops,
  resolved,
  runVariant,
  takeRecordedSpans,
  withKey
} from "./contenders.js"
import { fiberFloorName, makeFiberFloor } from "./floor.js"
import { type Contender, liveHeap, makeGate, type Measurement, now, snapshotHeap } from "./harness.js"

export type WorkloadId = "W1" | "W2" | "W3" | "W5"

export interface Workload {
  readonly id: WorkloadId
  readonly title: string
  /** Tasks per sample (W5: queued tasks, gates aside). */
  readonly tasks: number
  readonly concurrency: number
  readonly rounds: number
  /** Contenders of the warm-up round, or none. */
  readonly warmup: ReadonlyArray<Contender> | undefined
  readonly contenders: ReadonlyArray<Contender>
  /** W2: the wall time of a perfect pool, tasks / concurrency x 1 ms. */
  readonly idealMs?: number
  readonly notes: ReadonlyArray<string>
}

export interface Sizes {
  readonly w1: number
  readonly w2: number
  readonly w3: number
  readonly w5: number
  readonly rounds: number
  readonly w5Rounds: number
  readonly warmup: boolean
  /** W5's warm-up runs this fraction of the tasks. */
  readonly w5WarmupFraction: number
  readonly batchQueueSizes: ReadonlyArray<number>
}

const timed = async (work: () => Promise<unknown>): Promise<Measurement> => {
  const start = now()
  await work()
  return { ms: now() - start }
}

const noopJob: Job = () => resolved

/**
 * A sample of our pool: after it, a variant that records its spans adds
 * how many it recorded, and how many it should have (a span per task and
 * the "bench" span), to the sample's detail.
 */
const withSpanCount = (variant: PoolVariant, measurement: Measurement, expected: number): Measurement => {
  const spans = takeRecordedSpans(variant)
  return spans === undefined
    ? measurement
    : { ...measurement, detail: { ...measurement.detail, spans, spansExpected: expected } }
}

const fmt = (n: number) => n.toLocaleString("en-US")

/** Fails the sample when some of our tasks did not succeed. */
const countFailures = (results: Iterable<{ readonly exit: { readonly _tag: string } }>) => {
  let failed = 0
  for (const result of results) if (result.exit._tag !== "Success") failed++
  return failed
}

const dieOnFailures = (failed: number) =>
  failed === 0 ? Effect.void : Effect.die(new Error(`${failed} tasks did not succeed`))

/** Submits every task to a library's queue, then waits for every task's promise. */
const submitAllToLibrary = (library: QueueLibrary, jobs: ReadonlyArray<Job>, concurrency: number) => {
  const queue = library.make(concurrency)
  const promises: Array<Promise<void>> = []
  for (const job of jobs) promises.push(queue.push(job, 0))
  return Promise.all(promises)
}

/**
 * Our pool's tasks, built before the timed part: ids are unique (the pool
 * refuses a second task with the id of one queued or running), keys spread
 * over 8 when the variant is keyed.
 */
const poolTasks = (variant: PoolVariant, count: number, execute: Effect.Effect<void>): Array<Task<void>> =>
  Array.from({ length: count }, (_, i) => withKey(variant, i, { id: `task-${i}`, execute }))

/** Our pool: submit every task, then await every handle. */
const submitAllToPool = (variant: PoolVariant, tasks: ReadonlyArray<Task<void>>, concurrency: number) =>
  Effect.scoped(Effect.gen(function*() {
    const pool = yield* WorkerPool.make({ ...variant.options, workers: concurrency, queueSize: tasks.length })
    if (variant.events === true) {
      yield* Effect.forkScoped(Stream.runDrain(pool.events))
      yield* Effect.yieldNow()
    }
    const handles: Array<TaskHandle<void>> = []
    for (const task of tasks) handles.push(yield* pool.submit(task))
    let failed = 0
    for (const handle of handles) {
      const result = yield* handle.await
      if (result.exit._tag !== "Success") failed++
    }
    yield* dieOnFailures(failed)
  }))

/** The fiber floor (bench/floor.ts), measured as our pool is: submit every task, then await every handle. */
const submitAllToFloor = (effects: ReadonlyArray<Effect.Effect<void>>, concurrency: number) =>
  Effect.runPromise(Effect.gen(function*() {
    const floor = makeFiberFloor(concurrency)
    const handles = []
    for (const effect of effects) handles.push(yield* floor.submit(effect))
    for (const handle of handles) yield* floor.await(handle)
  }))

/** Our pool's `runAll` over every task: results in input order. */
const runAllOnPool = (tasks: ReadonlyArray<Task<void>>, concurrency: number) =>
  Effect.scoped(Effect.gen(function*() {
    const pool = yield* WorkerPool.make({ enableMetrics: false, workers: concurrency, queueSize: tasks.length })
    const results = yield* pool.runAll(tasks)
    yield* dieOnFailures(countFailures(results))
  }))

/** W1 and W2: `tasks` identical tasks at `concurrency`, every contender. */
const uniformContenders = (
  tasks: number,
  concurrency: number,
  job: Job,
  effect: Effect.Effect<void>,
  withRunAll: boolean,
  extraVariants: ReadonlyArray<PoolVariant> = []
): Array<Contender> => {
  const jobs: ReadonlyArray<Job> = Array.from({ length: tasks }, () => job)
  const effects: ReadonlyArray<Effect.Effect<void>> = Array.from({ length: tasks }, () => effect)
  const variants = poolVariants(concurrency)
  const bare = variants.find((variant) => variant.name === bareName)!
  return [
    { name: "raw promise pool", kind: "floor", run: () => timed(() => rawLoops(jobs, concurrency)) },
    {
      name: fiberFloorName,
      kind: "floor",
      run: () => timed(() => submitAllToFloor(effects, concurrency))
    },
    ...[pLimitLibrary, pQueueLibrary, fastqLibrary, asyncQueueLibrary].map((library): Contender => ({
      name: library.name,
      kind: "peer",
      run: () => timed(() => submitAllToLibrary(library, jobs, concurrency))
    })),
    {
      name: "Effect.forEach",
      kind: "effect",
      run: () =>
        timed(() =>
          Effect.runPromise(Effect.forEach(effects, (effect) => effect, { concurrency, discard: true }))
        )
    },
    ...[...variants, ...extraVariants].map((variant): Contender => ({
      name: variant.name,
      kind: "ours",
      run: async () => {
        const built = poolTasks(variant, tasks, effect)
        const measured = await timed(() => runVariant(variant, submitAllToPool(variant, built, concurrency)))
        return withSpanCount(variant, measured, tasks + 1)
      }
    })),
    ...(withRunAll
      ? [{
        name: "pool runAll",
        kind: "ours",
        run: () => {
          const built = poolTasks(bare, tasks, effect)
          return timed(() => Effect.runPromise(runAllOnPool(built, concurrency)))
        }
      } satisfies Contender]
      : [])
  ]
}

export const w1 = (sizes: Sizes): Workload => {
  const concurrency = 16
  const make = (tasks: number) => uniformContenders(tasks, concurrency, noopJob, Effect.void, true, controlVariants)
  return {
    id: "W1",
    title: `W1 overhead: ${fmt(sizes.w1)} tasks that do nothing, concurrency ${concurrency}`,
    tasks: sizes.w1,
    concurrency,
    rounds: sizes.rounds,
    warmup: sizes.warmup ? make(sizes.w1) : undefined,
    contenders: make(sizes.w1),
    notes: [
      "Promise contenders push every task and then await `Promise.all` of the task promises; a task returns one shared resolved promise.",
      "Our pool submits every task (queueSize = tasks), then awaits every handle; pool creation and shutdown are inside the time. Its task objects (unique ids, which the pool requires) are built before the timed part, as the promise contenders' task functions are.",
      "pool runAll: the bare configuration (metrics off, workers = concurrency, queueSize = tasks) running `pool.runAll` over task objects built the same way; pool creation and shutdown inside the time.",
      fiberFloorNote,
      tracerNote
    ]
  }
}

export const w2 = (sizes: Sizes): Workload => {
  const concurrency = 256
  const job: Job = () => new Promise<void>((resolve) => setTimeout(resolve, 1))
  const make = (tasks: number) => uniformContenders(tasks, concurrency, job, Effect.sleep("1 millis"), false)
  return {
    id: "W2",
    title: `W2 io: ${fmt(sizes.w2)} tasks each awaiting a 1 ms timer, concurrency ${concurrency}`,
    tasks: sizes.w2,
    concurrency,
    rounds: sizes.rounds,
    warmup: sizes.warmup ? make(sizes.w2) : undefined,
    contenders: make(sizes.w2),
    idealMs: sizes.w2 / concurrency,
    notes: [
      "Promise tasks: `new Promise(r => setTimeout(r, 1))`; Effect tasks: `Effect.sleep(\"1 millis\")`.",
      `Ideal: ${fmt(sizes.w2)} / ${concurrency} x 1 ms = ${(sizes.w2 / concurrency).toFixed(1)} ms.`,
      fiberFloorNote,
      tracerNote
    ]
  }
}

const fiberFloorNote =
  "fiber per task (public-API floor): what a fiber per task costs with Effect's public API, before any pool feature (bench/floor.ts): each task forked with `Runtime.runFork` from the submitter's runtime, at most `concurrency` at once, a plain array as the queue; measured as our pool is (submit every task, then await every handle)."

const tracerNote =
  "pool (tracer): metrics off, no keys, inside `Effect.withSpan(\"bench\")` with `NodeSdk.layer` exporting every span through a `SimpleSpanProcessor` to an `InMemorySpanExporter` (the tracer provider made and shut down inside the time); the spans are counted and dropped after each sample. pool (keys + aging + tracer) makes every span and drops it (`NoopSpanProcessor`)."

// ---- W3 priority ----

/** A small seeded PRNG (mulberry32), so that every run draws the same priorities. */
const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

/** Records the order in which tasks start, and checks it. */
class StartRecorder {
  readonly order: Int32Array
  position = 0
  constructor(readonly priorities: Uint8Array) {
    this.order = new Int32Array(priorities.length)
  }
  reset(): void {
    this.position = 0
  }
  record(index: number): void {
    this.order[this.position++] = index
  }
  /**
   * Priority order is exact when the started priorities never rise (3 is
   * the most urgent); FIFO within a level when, among tasks of one level,
   * indices only grow.
   */
  check(): Record<string, number | boolean> {
    const count = this.priorities.length
    let inversions = 0
    let fifoBreaks = 0
    const lastIndex = [-1, -1, -1, -1]
    for (let k = 0; k < this.position; k++) {
      const index = this.order[k]!
      const priority = this.priorities[index]!
      if (k > 0 && priority > this.priorities[this.order[k - 1]!]!) inversions++
      if (index < lastIndex[priority]!) fifoBreaks++
      lastIndex[priority] = index
    }
    return {
      started: this.position,
      allStarted: this.position === count,
      orderExact: inversions === 0 && this.position === count,
      inversions,
      fifoWithinLevel: fifoBreaks === 0,
      fifoBreaks
    }
  }
}

const w3Contenders = (tasks: number, concurrency: number, priorities: Uint8Array): Array<Contender> => {
  const recorder = new StartRecorder(priorities)
  const jobs: ReadonlyArray<Job> = Array.from({ length: tasks }, (_, i) => () => {
    recorder.record(i)
    return resolved
  })
  const effects: ReadonlyArray<Effect.Effect<void>> = Array.from(
    { length: tasks },
    (_, i) => Effect.sync(() => recorder.record(i))
  )
  const withCheck = async (work: () => Promise<unknown>): Promise<Measurement> => {
    recorder.reset()
    const measured = await timed(work)
    return { ...measured, detail: recorder.check() }
  }
  const gated = (library: QueueLibrary): Contender => ({
    name: library.name,
    kind: "peer",
    run: () =>
      withCheck(async () => {
        // Gates hold every worker until all tasks are queued, so that the
        // start order is the queue's order, not the submission order.
        const gate = makeGate()
        const queue = library.make(concurrency)
        const promises: Array<Promise<void>> = []
        for (let g = 0; g < concurrency; g++) promises.push(queue.push(() => gate.promise, 3))
        for (let i = 0; i < tasks; i++) promises.push(queue.push(jobs[i]!, priorities[i]!))
        gate.open()
        await Promise.all(promises)
      })
  })
  const builtTasks = new Map<PoolVariant, ReadonlyArray<Task<void>>>()
  const tasksOf = (variant: PoolVariant) => {
    let built = builtTasks.get(variant)
    if (built === undefined) {
      built = effects.map((execute, i) =>
        withKey(variant, i, { id: `task-${i}`, execute, priority: priorities[i]! as Priority })
      )
      builtTasks.set(variant, built)
    }
    return built
  }
  return [
    {
      name: "raw pool, 4 buckets",
      kind: "floor",
      run: () =>
        withCheck(async () => {
          const gate = makeGate()
          const pool = rawBuckets(concurrency)
          for (let g = 0; g < concurrency; g++) pool.push(() => gate.promise, 3)
          for (let i = 0; i < tasks; i++) pool.push(jobs[i]!, priorities[i]!)
          gate.open()
          await pool.done()
        })
    },
    gated(asyncPriorityQueueLibrary),
    gated(pQueuePriorityLibrary),
    {
      name: "Effect.forEach (no priorities)",
      kind: "effect",
      run: () =>
        withCheck(() =>
          Effect.runPromise(Effect.forEach(effects, (effect) => effect, { concurrency, discard: true }))
        )
    },
    ...poolVariants(concurrency).map((variant): Contender => ({
      name: variant.name,
      kind: "ours",
      run: async () => {
        const built = tasksOf(variant)
        const measured = await withCheck(() =>
          runVariant(
            variant,
            Effect.scoped(Effect.gen(function*() {
              const pool = yield* WorkerPool.make({ ...variant.options, workers: concurrency, queueSize: tasks })
              const gate = yield* Effect.makeLatch(false)
              const handles: Array<TaskHandle<void>> = []
              for (let g = 0; g < concurrency; g++) {
                handles.push(
                  yield* pool.submit(
                    withKey(variant, g, { id: `gate-${g}`, execute: gate.await, priority: Priority.Critical })
                  )
                )
              }
              for (const task of built) handles.push(yield* pool.submit(task))
              yield* gate.open
              const results: Array<{ readonly exit: { readonly _tag: string } }> = []
              for (const handle of handles) results.push(yield* handle.await)
              yield* dieOnFailures(countFailures(results))
            }))
          )
        )
        return withSpanCount(variant, measured, concurrency + tasks + 1)
      }
    }))
  ]
}

export const w3 = (sizes: Sizes): Workload => {
  const concurrency = 8
  const random = seeded(20261126)
  const priorities = Uint8Array.from({ length: sizes.w3 }, () => Math.floor(random() * 4))
  return {
    id: "W3",
    title: `W3 priority: ${fmt(sizes.w3)} tasks with random priorities 0..3 submitted at once, concurrency ${concurrency}`,
    tasks: sizes.w3,
    concurrency,
    rounds: sizes.rounds,
    warmup: sizes.warmup ? w3Contenders(sizes.w3, concurrency, priorities) : undefined,
    contenders: w3Contenders(sizes.w3, concurrency, priorities),
    notes: [
      `${concurrency} gate tasks are submitted first and hold every worker until all tasks are queued; each task records when it starts.`,
      "Priority order is exact when the started priorities never rise; FIFO within a level is required of our pool only.",
      "Priorities come from a seeded PRNG: every run and contender gets the same sequence.",
      `${tracerNote} The gate tasks have spans too.`
    ]
  }
}

// ---- W5 memory ----

interface Latches {
  readonly gate: Effect.Latch
  readonly arrived: Effect.Latch
  /** The gate task: counts arrivals, opens `arrived` once all workers are held. */
  readonly gateEffect: Effect.Effect<void>
}

const makeLatches = (concurrency: number): Latches => {
  const gate = Effect.runSync(Effect.makeLatch(false))
  const arrived = Effect.runSync(Effect.makeLatch(false))
  let count = 0
  const gateEffect = Effect.suspend(() => {
    if (++count === concurrency) arrived.unsafeOpen()
    return gate.await
  })
  return { gate, arrived, gateEffect }
}

/**
 * One W5 sample of a promise contender: `concurrency` gate tasks first
 * (they hold every worker), then `tasks` no-op tasks; once every gate task
 * has started, the heap is taken; then the gates open and everything drains.
 */
const memoryOfPromises = async (
  tasks: number,
  concurrency: number,
  submit: (jobs: ReadonlyArray<Job>, handles: Array<Promise<unknown> | undefined>) => Promise<unknown> | undefined
): Promise<Measurement> => {
  const gate = makeGate()
  const arrived = makeGate()
  let count = 0
  const gateJob: Job = () => {
    if (++count === concurrency) arrived.open()
    return gate.promise
  }
  const jobs: Array<Job> = Array.from({ length: tasks + concurrency }, (_, i) => (i < concurrency ? gateJob : noopJob))
  const handles: Array<Promise<unknown> | undefined> = Array.from({ length: tasks + concurrency }, () => undefined)
  const before = liveHeap()
  const start = now()
  const done = submit(jobs, handles)
  await arrived.promise
  const snapshot = snapshotHeap()
  gate.open()
  await (done ?? Promise.all(handles))
  return { ms: now() - start - snapshot.ms, heapBytes: snapshot.bytes - before, detail: { queued: tasks } }
}

const memoryOfLibrary = (library: QueueLibrary, tasks: number, concurrency: number): Contender => ({
  name: library.name,
  kind: "peer",
  run: () =>
    memoryOfPromises(tasks, concurrency, (jobs, handles) => {
      const queue = library.make(concurrency)
      for (let i = 0; i < jobs.length; i++) handles[i] = queue.push(jobs[i]!, 0)
      return undefined
    })
})

const memoryOfForEach = (tasks: number, concurrency: number): Contender => ({
  name: "Effect.forEach",
  kind: "effect",
  run: async () => {
    const latches = makeLatches(concurrency)
    const effects: Array<Effect.Effect<void>> = Array.from(
      { length: tasks + concurrency },
      (_, i) => (i < concurrency ? latches.gateEffect : Effect.void)
    )
    const before = liveHeap()
    const start = now()
    const snapshot = await Effect.runPromise(Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.forEach(effects, (effect) => effect, { concurrency, discard: true }))
      yield* latches.arrived.await
      const snapshot = snapshotHeap()
      yield* latches.gate.open
      yield* Fiber.join(fiber)
      return snapshot
    }))
    return { ms: now() - start - snapshot.ms, heapBytes: snapshot.bytes - before, detail: { queued: tasks } }
  }
})

const memoryOfPool = (variant: PoolVariant, tasks: number, concurrency: number): Contender => ({
  name: variant.name,
  kind: "ours",
  run: async () => {
    const latches = makeLatches(concurrency)
    const gates: Array<Task<void>> = Array.from(
      { length: concurrency },
      (_, g) => withKey(variant, g, { id: `gate-${g}`, execute: latches.gateEffect })
    )
    const queued = poolTasks(variant, tasks, Effect.void)
    const handles: Array<TaskHandle<void> | undefined> = Array.from({ length: tasks + concurrency }, () => undefined)
    const before = liveHeap()
    const start = now()
    const { inQueue, snapshot } = await runVariant(
      variant,
      Effect.scoped(Effect.gen(function*() {
        const pool = yield* WorkerPool.make({ ...variant.options, workers: concurrency, queueSize: tasks + concurrency })
        for (let g = 0; g < concurrency; g++) handles[g] = yield* pool.submit(gates[g]!)
        for (let i = 0; i < tasks; i++) handles[concurrency + i] = yield* pool.submit(queued[i]!)
        yield* latches.arrived.await
        const snapshot = snapshotHeap()
        const inQueue = (yield* pool.metrics).queued
        yield* latches.gate.open
        let failed = 0
        for (const handle of handles) {
          const result = yield* handle!.await
          if (result.exit._tag !== "Success") failed++
        }
        yield* dieOnFailures(failed)
        return { inQueue, snapshot }
      }))
    )
    return { ms: now() - start - snapshot.ms, heapBytes: snapshot.bytes - before, detail: { queued: inQueue } }
  }
})

/** How long a submitBatch sample may take before it counts as stalled. */
const batchDeadline = "2 minutes"

/** The batch: `gates` gate tasks, then `count` no-op tasks, made one at a time as the pool asks. */
function* lazyTasks(gate: Effect.Effect<void>, gates: number, count: number): Generator<Task<void>> {
  for (let g = 0; g < gates; g++) yield { id: `gate-${g}`, execute: gate }
  for (let i = 0; i < count; i++) yield { id: `task-${i}`, execute: Effect.void }
}

/**
 * Our pool fed from a lazy generator through `submitBatch`. Gate tasks at
 * the head of the batch hold every worker, so the pool fills up to
 * workers + queueSize tasks of the batch and the producer waits; the heap is
 * taken then, the gates open and the batch drains. The live heap should
 * follow workers + queueSize, whatever the batch's size.
 */
const memoryOfBatch = (queueSize: number, tasks: number, concurrency: number): Contender => ({
  name: `pool submitBatch, lazy (queueSize ${fmt(queueSize)})`,
  kind: "ours",
  run: async () => {
    const latches = makeLatches(concurrency)
    const room = concurrency + queueSize
    const before = liveHeap()
    const start = now()
    const outcome = await Effect.runPromise(
      Effect.scoped(Effect.gen(function*() {
        const pool = yield* WorkerPool.make({ workers: concurrency, queueSize, enableMetrics: false })
        let seen = 0
        let failed = 0
        const consumer = yield* Effect.fork(
          Stream.runForEachChunk(pool.submitBatch(lazyTasks(latches.gateEffect, concurrency, tasks)), (chunk) =>
            Effect.sync(() => {
              failed += countFailures(chunk)
              seen += chunk.length
            }))
        )
        // Wait until the pool holds as many of the batch's tasks as it may.
        let inPool = 0
        const untilFull: Effect.Effect<void> = Effect.suspend(() =>
          Effect.flatMap(pool.metrics, (metrics) => {
            inPool = metrics.queued + metrics.running
            return inPool >= room ? Effect.void : Effect.zipRight(Effect.sleep("1 millis"), untilFull)
          })
        )
        const filled = yield* Effect.timeoutOption(untilFull, "30 seconds")
        const snapshot = snapshotHeap()
        yield* latches.gate.open
        // A stream that stalls or ends early is recorded rather than fatal:
        // the suite reports it as a defect of the pool.
        const consumed = yield* Effect.timeoutOption(Fiber.join(consumer), batchDeadline)
        yield* dieOnFailures(failed)
        return { snapshot, inPool, seen, filled: Option.isSome(filled), stalled: Option.isNone(consumed) }
      }))
    )
    const expected = tasks + concurrency
    return {
      ms: now() - start - outcome.snapshot.ms,
      heapBytes: outcome.snapshot.bytes - before,
      detail: {
        batch: tasks,
        queueSize,
        workers: concurrency,
        inPoolAtSnapshot: outcome.inPool,
        filled: outcome.filled,
        resultsReceived: outcome.seen,
        resultsMissing: expected - outcome.seen,
        stalled: outcome.stalled
      }
    }
  }
})

const w5Contenders = (tasks: number, concurrency: number, batchQueueSizes: ReadonlyArray<number>): Array<Contender> => [
  {
    name: "raw promise pool (lazy)",
    kind: "floor",
    run: () => memoryOfPromises(tasks, concurrency, (jobs) => rawLoops(jobs, concurrency))
  },
  ...[pLimitLibrary, pQueueLibrary, fastqLibrary, asyncQueueLibrary].map((library) =>
    memoryOfLibrary(library, tasks, concurrency)
  ),
  memoryOfForEach(tasks, concurrency),
  // The recorded tracer stays out of W5: it would hold 1,000,000 spans in memory.
  ...poolVariants(concurrency).filter((variant) => variant.tracing !== "recorded").map((variant) =>
    memoryOfPool(variant, tasks, concurrency)
  ),
  ...batchQueueSizes.map((queueSize) => memoryOfBatch(queueSize, tasks, concurrency))
]

export const w5 = (sizes: Sizes): Workload => {
  const concurrency = 4
  const warmupTasks = Math.max(1000, Math.round(sizes.w5 * sizes.w5WarmupFraction))
  return {
    id: "W5",
    title: `W5 memory: ${fmt(sizes.w5)} tasks queued at once, concurrency ${concurrency}, tasks finish at once`,
    tasks: sizes.w5,
    concurrency,
    rounds: sizes.w5Rounds,
    warmup: sizes.warmup ? w5Contenders(warmupTasks, concurrency, sizes.batchQueueSizes) : undefined,
    contenders: w5Contenders(sizes.w5, concurrency, sizes.batchQueueSizes),
    notes: [
      `${sizes.w5Rounds} measured round${sizes.w5Rounds === 1 ? "" : "s"} (not 5: with 1,000,000 tasks a sample of our pool with a tracer takes about 40 s, and 5 rounds would take the suite past 10 minutes)${
        sizes.warmup ? `, after a warm-up round with ${fmt(warmupTasks)} tasks` : ""
      }.`,
      `${concurrency} gate tasks hold every worker while the ${
        fmt(sizes.w5)
      } tasks are submitted; once they have all started, the live heap is taken after a full GC and compared with the heap before the run (inputs and the handle array already allocated). The GC's time is left out of the drain time.`,
      "Live heap per queued task = (heap with all queued - heap before) / tasks. Promise contenders keep each task's promise, our pool each handle.",
      "submitBatch rows: a lazy generator of tasks, gate tasks first, so the pool fills to workers + queueSize of the batch; the heap is taken then. It should follow workers + queueSize, not the batch; per batch task it is that heap / tasks."
    ]
  }
}

export const allWorkloads: ReadonlyArray<WorkloadId> = ["W1", "W2", "W3", "W5"]

export const makeWorkload = (id: WorkloadId, sizes: Sizes): Workload => {
  switch (id) {
    case "W1":
      return w1(sizes)
    case "W2":
      return w2(sizes)
    case "W3":
      return w3(sizes)
    case "W5":
      return w5(sizes)
  }
}

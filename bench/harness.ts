/**
 * The measuring harness of `npm run bench`.
 *
 * Why our own and not tinybench or mitata: every sample here is one whole
 * macro run (200,000 to 1,000,000 tasks through a pool), not a function
 * called in a timed loop. We need, in one process, (1) contenders alternated
 * between repetitions with the order rotated every round, so that drift in a
 * shared, noisy machine's load falls on every contender alike; (2) the live
 * heap after a full GC taken in the middle of a sample (with every task
 * queued), with the time of that measurement left out of the sample's time;
 * and (3) a correctness check on each sample (priority order, every task
 * settled). tinybench and mitata run one benchmark's iterations to the end
 * before the next, pick iteration counts by themselves and report only their
 * own timings (mitata's heap figure is allocation while looping, not live
 * heap at a chosen point), so they could do none of the three.
 */
import { readFileSync } from "node:fs"
import { performance } from "node:perf_hooks"

const exposedGc = (globalThis as { gc?: () => void }).gc

/** Runs two full collections; fails loudly without `--expose-gc`. */
export const collect = (): void => {
  if (exposedGc === undefined) {
    throw new Error("run with node --expose-gc (npm run bench does): the suite measures the heap after GC")
  }
  exposedGc()
  exposedGc()
}

/** The live heap in bytes after a full collection. */
export const liveHeap = (): number => {
  collect()
  return process.memoryUsage().heapUsed
}

export const now = (): number => performance.now()

/**
 * A heap snapshot taken in the middle of a sample, and how long it took, so
 * that the sample's time can leave it out.
 */
export interface HeapSnapshot {
  readonly bytes: number
  readonly ms: number
}

export const snapshotHeap = (): HeapSnapshot => {
  const start = now()
  const bytes = liveHeap()
  return { bytes, ms: now() - start }
}

/** What one run of one contender reports. */
export interface Measurement {
  /** Wall time of the run, measurement pauses left out. */
  readonly ms: number
  /** Live heap above the baseline with every task queued (W5). */
  readonly heapBytes?: number
  /** Per-contender details: order checks, tasks in the pool when the heap was taken, ... */
  readonly detail?: Readonly<Record<string, number | string | boolean>>
}

export interface Contender {
  readonly name: string
  /** "floor" (hand-written), "peer" (npm library), "effect" (Effect itself), "ours". */
  readonly kind: "floor" | "peer" | "effect" | "ours"
  readonly run: () => Promise<Measurement>
}

export interface Sample extends Measurement {
  /** 0 is the warm-up (not used in the statistics). */
  readonly round: number
  /** Position of the contender in that round's order, from 0. */
  readonly position: number
}

export interface ContenderResult {
  readonly name: string
  readonly kind: Contender["kind"]
  readonly warmup: ReadonlyArray<Sample>
  readonly samples: ReadonlyArray<Sample>
}

export interface Stats {
  readonly median: number
  readonly min: number
  readonly max: number
}

export const stats = (xs: ReadonlyArray<number>): Stats => {
  if (xs.length === 0) return { median: NaN, min: NaN, max: NaN }
  const sorted = [...xs].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! }
}

/** CPU use of the whole machine, from /proc/stat (Linux), to tell how busy other processes kept it. */
interface CpuTimes {
  readonly busyMs: number
  readonly totalMs: number
}

const readCpuTimes = (): CpuTimes | undefined => {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!
    const fields = line.trim().split(/\s+/).slice(1).map(Number)
    // user nice system idle iowait irq softirq steal (guest fields are already in user)
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields
    const tick = 10 // USER_HZ is 100 on Linux: 10 ms per tick
    const busy = user + nice + system + irq + softirq + steal
    return { busyMs: busy * tick, totalMs: (busy + idle + iowait) * tick }
  } catch {
    return undefined
  }
}

/** How busy the machine was while a workload ran: our process, and everything else. */
export interface NoiseReport {
  readonly wallMs: number
  /** Cores our process kept busy on average. */
  readonly ownCores: number
  /** Cores other processes kept busy on average (undefined off Linux). */
  readonly otherCores: number | undefined
  readonly loadavgStart: ReadonlyArray<number>
  readonly loadavgEnd: ReadonlyArray<number>
}

export const noiseMeter = (loadavg: () => ReadonlyArray<number>) => {
  const start = now()
  const cpuStart = readCpuTimes()
  const ownStart = process.cpuUsage()
  const loadavgStart = loadavg()
  return (): NoiseReport => {
    const wallMs = now() - start
    const own = process.cpuUsage(ownStart)
    const ownMs = (own.user + own.system) / 1000
    const cpuEnd = readCpuTimes()
    const otherCores = cpuStart !== undefined && cpuEnd !== undefined
      ? Math.max(0, cpuEnd.busyMs - cpuStart.busyMs - ownMs) / wallMs
      : undefined
    return { wallMs, ownCores: ownMs / wallMs, otherCores, loadavgStart, loadavgEnd: loadavg() }
  }
}

/** Lets pending callbacks, timers and finalizers of the previous sample run out. */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 5))

/**
 * Runs one warm-up round (with `warmup`, the same contenders built for the
 * warm-up's size, in the same order) and `rounds` measured rounds of every
 * contender. In round r the order starts at contender r mod count, so each
 * contender takes every position in turn. The heap is collected before
 * every sample, outside its time.
 */
export const runRounds = async (
  contenders: ReadonlyArray<Contender>,
  options: {
    readonly rounds: number
    readonly warmup: ReadonlyArray<Contender> | undefined
    readonly onSample?: (contender: Contender, sample: Sample) => void
  }
): Promise<Array<ContenderResult>> => {
  const results = contenders.map((contender) => ({
    name: contender.name,
    kind: contender.kind,
    warmup: [] as Array<Sample>,
    samples: [] as Array<Sample>
  }))
  const first = options.warmup !== undefined ? 0 : 1
  for (let round = first; round <= options.rounds; round++) {
    const roster = round === 0 ? options.warmup! : contenders
    for (let position = 0; position < roster.length; position++) {
      const index = (position + round) % roster.length
      const contender = roster[index]!
      await settle()
      collect()
      const measurement = await contender.run()
      const sample: Sample = { ...measurement, round, position }
      if (round === 0) results[index]!.warmup.push(sample)
      else results[index]!.samples.push(sample)
      options.onSample?.(contender, sample)
    }
  }
  return results
}

/** A promise with its resolver: the gate that holds the first tasks until every task is queued. */
export interface Gate {
  readonly promise: Promise<void>
  readonly open: () => void
}

export const makeGate = (): Gate => {
  let open!: () => void
  const promise = new Promise<void>((resolve) => {
    open = resolve
  })
  return { promise, open }
}

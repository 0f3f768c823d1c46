/**
 * Turns the samples of `npm run bench` into summaries, Markdown tables and
 * the JSON record.
 */
import { asyncPriorityQueueLibrary, bareName } from "./contenders.js"
import { fiberFloorName } from "./floor.js"
import type { ContenderResult, NoiseReport, Stats } from "./harness.js"
import { stats } from "./harness.js"
import type { Workload, WorkloadId } from "./workloads.js"

export interface WorkloadRun {
  readonly workload: Workload
  readonly results: ReadonlyArray<ContenderResult>
  readonly noise: NoiseReport
}

export interface ContenderSummary {
  readonly name: string
  readonly kind: ContenderResult["kind"]
  readonly rounds: number
  readonly ms: Stats
  readonly nsPerTask: Stats
  /** Live heap per queued task in bytes (W5). */
  readonly heapPerTask?: Stats
  /** Live heap above the baseline in bytes (W5). */
  readonly heapBytes?: Stats
  /** Ratio of medians of time to p-queue's (W3: p-queue with its priority option). */
  readonly vsPQueue: number | undefined
  /** Ratio of medians of time to Effect.forEach's. */
  readonly vsForEach: number | undefined
  /** Ratio of medians of time to our pool's bare configuration's. */
  readonly vsPoolBare: number | undefined
  /** W1, W2: ratio of medians of time to the fiber floor's (a fiber per task with Effect's public API). */
  readonly vsFiberFloor: number | undefined
  /** W3: ratio of medians of time to async.priorityQueue's. */
  readonly vsAsyncPriorityQueue: number | undefined
  /** W5: ratio of medians of live heap per task to p-queue's. */
  readonly heapVsPQueue?: number | undefined
  /** W2: median wall time / ideal. */
  readonly vsIdeal?: number
  /** W3: in how many samples the priority order was exact, and FIFO within levels held. */
  readonly orderExact?: string
  readonly fifoWithinLevel?: string
  readonly inversions?: Stats
  /** W5 submitBatch: results the stream never emitted, and samples that stalled. */
  readonly resultsMissing?: Stats
  readonly stalled?: number
  /** Variants that record their spans: in how many samples every expected span was recorded. */
  readonly spansComplete?: string
  /** Details of the last sample. */
  readonly detail?: Readonly<Record<string, number | string | boolean>>
}

export interface WorkloadSummary {
  readonly id: WorkloadId
  readonly title: string
  readonly tasks: number
  readonly concurrency: number
  readonly rounds: number
  readonly warmup: boolean
  readonly idealMs?: number
  readonly notes: ReadonlyArray<string>
  readonly noise: NoiseReport
  readonly contenders: ReadonlyArray<ContenderSummary>
}

const ratio = (a: number, b: number | undefined) => (b === undefined || !(b > 0) ? undefined : a / b)

export const summarize = (run: WorkloadRun): WorkloadSummary => {
  const { workload, results } = run
  const base = results.map((result) => {
    const ms = stats(result.samples.map((s) => s.ms))
    const nsPerTask = stats(result.samples.map((s) => (s.ms * 1e6) / workload.tasks))
    const withHeap = result.samples.filter((s) => s.heapBytes !== undefined)
    const heapBytes = withHeap.length > 0 ? stats(withHeap.map((s) => s.heapBytes!)) : undefined
    const heapPerTask = withHeap.length > 0 ? stats(withHeap.map((s) => s.heapBytes! / workload.tasks)) : undefined
    return { result, ms, nsPerTask, heapBytes, heapPerTask }
  })
  const find = (predicate: (name: string) => boolean) => base.find((b) => predicate(b.result.name))
  const pQueue = find((name) => name.startsWith("p-queue"))
  const forEach = find((name) => name.startsWith("Effect.forEach"))
  const poolBare = find((name) => name === bareName)
  const fiberFloor = find((name) => name === fiberFloorName)
  const asyncPriorityQueue = find((name) => name === asyncPriorityQueueLibrary.name)
  const contenders = base.map(({ heapBytes, heapPerTask, ms, nsPerTask, result }): ContenderSummary => {
    const summary: Record<string, unknown> = {
      name: result.name,
      kind: result.kind,
      rounds: result.samples.length,
      ms,
      nsPerTask,
      vsPQueue: ratio(ms.median, pQueue?.ms.median),
      vsForEach: ratio(ms.median, forEach?.ms.median),
      vsPoolBare: ratio(ms.median, poolBare?.ms.median),
      vsFiberFloor: ratio(ms.median, fiberFloor?.ms.median),
      vsAsyncPriorityQueue: ratio(ms.median, asyncPriorityQueue?.ms.median)
    }
    if (heapPerTask !== undefined) {
      summary.heapPerTask = heapPerTask
      summary.heapBytes = heapBytes
      summary.heapVsPQueue = ratio(heapPerTask.median, pQueue?.heapPerTask?.median)
    }
    if (workload.idealMs !== undefined) summary.vsIdeal = ms.median / workload.idealMs
    if (workload.id === "W3") {
      const checks = result.samples.map((s) => s.detail ?? {})
      const count = (key: string) => checks.filter((c) => c[key] === true).length
      summary.orderExact = `${count("orderExact")}/${checks.length}`
      summary.fifoWithinLevel = `${count("fifoWithinLevel")}/${checks.length}`
      summary.inversions = stats(checks.map((c) => Number(c.inversions ?? NaN)))
    }
    if (result.samples.some((s) => s.detail?.resultsMissing !== undefined)) {
      summary.resultsMissing = stats(result.samples.map((s) => Number(s.detail?.resultsMissing ?? NaN)))
      summary.stalled = result.samples.filter((s) => s.detail?.stalled === true).length
    }
    if (result.samples.some((s) => s.detail?.spans !== undefined)) {
      const complete = result.samples.filter((s) => s.detail?.spans === s.detail?.spansExpected).length
      summary.spansComplete = `${complete}/${result.samples.length}`
    }
    const last = result.samples[result.samples.length - 1]
    if (last?.detail !== undefined) summary.detail = last.detail
    return summary as unknown as ContenderSummary
  })
  return {
    id: workload.id,
    title: workload.title,
    tasks: workload.tasks,
    concurrency: workload.concurrency,
    rounds: workload.rounds,
    warmup: workload.warmup !== undefined,
    ...(workload.idealMs === undefined ? {} : { idealMs: workload.idealMs }),
    notes: workload.notes,
    noise: run.noise,
    contenders
  }
}

// ---- formatting ----

const group = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })

/** Three significant figures, grouped. */
const sig = (n: number) => {
  if (!Number.isFinite(n)) return "-"
  const abs = Math.abs(n)
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3
  return group(n, digits)
}

const times = (r: number | undefined) => (r === undefined ? "-" : `${sig(r)}x`)

const row = (cells: ReadonlyArray<string>) => `| ${cells.join(" | ")} |`

/** A Markdown table: the first column aligned left, the others right unless `leftAligned`. */
const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>, leftAligned = false) =>
  [row(header), row(header.map((_, i) => (i === 0 || leftAligned ? "---" : "---:"))), ...rows.map(row)].join("\n")

const bytes = (n: number) => `${Math.abs(n) >= 100 ? group(n) : group(n, 1)} B`

const kb = (n: number) => `${group(n / 1024)} KB`

const nameOf = (c: ContenderSummary) => (c.kind === "ours" ? `**${c.name}**` : c.name)

export const markdownTable = (w: WorkloadSummary): string => {
  switch (w.id) {
    case "W1":
      return table(
        ["contender", "ns/task (median)", "min", "max", "vs p-queue", "vs Effect.forEach", "vs pool (bare)", "vs fiber floor"],
        w.contenders.map((c) => [
          nameOf(c),
          group(c.nsPerTask.median),
          group(c.nsPerTask.min),
          group(c.nsPerTask.max),
          times(c.vsPQueue),
          times(c.vsForEach),
          times(c.vsPoolBare),
          times(c.vsFiberFloor)
        ])
      )
    case "W2":
      return table(
        [
          "contender",
          "ms (median)",
          "min",
          "max",
          "wall / ideal",
          "vs p-queue",
          "vs Effect.forEach",
          "vs pool (bare)",
          "vs fiber floor"
        ],
        w.contenders.map((c) => [
          nameOf(c),
          sig(c.ms.median),
          sig(c.ms.min),
          sig(c.ms.max),
          times(c.vsIdeal),
          times(c.vsPQueue),
          times(c.vsForEach),
          times(c.vsPoolBare),
          times(c.vsFiberFloor)
        ])
      )
    case "W3":
      return table(
        [
          "contender",
          "ms (median)",
          "min",
          "max",
          "throughput vs p-queue",
          "time vs async.priorityQueue",
          "time vs Effect.forEach",
          "exact priority order",
          "FIFO within level",
          "inversions (median)"
        ],
        w.contenders.map((c) => {
          const ordered = c.name.startsWith("Effect.forEach")
          return [
            nameOf(c),
            sig(c.ms.median),
            sig(c.ms.min),
            sig(c.ms.max),
            times(c.vsPQueue === undefined ? undefined : 1 / c.vsPQueue),
            times(c.vsAsyncPriorityQueue),
            times(c.vsForEach),
            ordered ? "n/a (no priorities)" : c.orderExact ?? "-",
            ordered ? "n/a" : c.fifoWithinLevel ?? "-",
            ordered ? "n/a" : group(c.inversions?.median ?? NaN)
          ]
        })
      )
    case "W5":
      return [
        table(
          [
            "contender",
            "drain ms (median)",
            "min",
            "max",
            "live heap / queued task (median)",
            "min",
            "max",
            "time vs p-queue",
            "heap vs p-queue",
            "time vs Effect.forEach"
          ],
          w.contenders.map((c) => [
            nameOf(c) + (c.name.includes("submitBatch") ? " (per batch task)" : ""),
            group(c.ms.median),
            group(c.ms.min),
            group(c.ms.max),
            bytes(c.heapPerTask?.median ?? NaN),
            bytes(c.heapPerTask?.min ?? NaN),
            bytes(c.heapPerTask?.max ?? NaN),
            times(c.vsPQueue),
            times(c.heapVsPQueue),
            times(c.vsForEach)
          ])
        ),
        "",
        "submitBatch over a lazy generator: live heap against the pool's room (workers + queueSize)",
        "",
        table(
          [
            "contender",
            "batch",
            "live heap (median)",
            "min",
            "max",
            "per pool slot (median)",
            "tasks in pool at snapshot",
            "results missing (median, max)",
            "stalled samples"
          ],
          w.contenders.filter((c) => c.name.includes("submitBatch")).map((c) => {
            const d = c.detail ?? {}
            const slots = Number(d.workers ?? 0) + Number(d.queueSize ?? 0)
            return [
              nameOf(c),
              group(Number(d.batch ?? w.tasks)),
              kb(c.heapBytes?.median ?? NaN),
              kb(c.heapBytes?.min ?? NaN),
              kb(c.heapBytes?.max ?? NaN),
              bytes((c.heapBytes?.median ?? NaN) / slots),
              group(Number(d.inPoolAtSnapshot ?? NaN)),
              `${group(c.resultsMissing?.median ?? NaN)}, ${group(c.resultsMissing?.max ?? NaN)}`,
              `${c.stalled ?? 0}/${c.rounds}`
            ]
          })
        )
      ].join("\n")
  }
}

// ---- targets ----

/** What one target measured in this run: the ratio, whether it was met, and any condition besides. */
interface TargetOutcome {
  readonly ratio: number | undefined
  readonly met: boolean
  readonly note?: string
}

/** A performance target of the README, checked against this run's summaries. */
interface Target {
  readonly workload: WorkloadId
  readonly label: string
  readonly check: (w: WorkloadSummary) => TargetOutcome | undefined
}

const roundsOf = (c: ContenderSummary, passed: string | undefined) => passed === `${c.rounds}/${c.rounds}`

/** A target on a ratio of medians of one row: met when the ratio is at most `limit`. */
const ratioTarget = (
  workload: WorkloadId,
  subject: string,
  limit: number,
  reference: string,
  pick: (c: ContenderSummary) => number | undefined,
  extra?: (c: ContenderSummary) => { readonly ok: boolean; readonly note: string } | undefined
): Target => ({
  workload,
  label: `${workload}: ${subject} time <= ${Number.isInteger(limit) ? limit.toFixed(1) : String(limit)}x ${reference}`,
  check: (w) => {
    const c = w.contenders.find((c) => c.name === subject)
    if (c === undefined) return undefined
    const ratio = pick(c)
    const more = extra?.(c)
    return {
      ratio,
      met: ratio !== undefined && ratio <= limit && (more?.ok ?? true),
      ...(more === undefined ? {} : { note: more.note })
    }
  }
})

/** The README's performance targets. */
const targets: ReadonlyArray<Target> = [
  ratioTarget("W1", bareName, 1.5, "Effect.forEach", (c) => c.vsForEach),
  ratioTarget("W1", bareName, 0.6, "p-queue", (c) => c.vsPQueue),
  ratioTarget("W1", "pool (timeout + metrics)", 1.15, bareName, (c) => c.vsPoolBare),
  ratioTarget("W1", "pool runAll", 1.0, "Effect.forEach", (c) => c.vsForEach),
  ratioTarget("W1", "pool (retry set)", 1.05, bareName, (c) => c.vsPoolBare),
  ratioTarget("W1", "pool (events subscriber)", 1.5, bareName, (c) => c.vsPoolBare),
  // The span count is reported, not required: the target is on time.
  ratioTarget("W1", "pool (tracer)", 3, bareName, (c) => c.vsPoolBare, (c) =>
    c.spansComplete === undefined ? undefined : {
      ok: true,
      note: `every span recorded in ${c.spansComplete} samples (last: ${c.detail?.spans ?? "?"} of ${
        c.detail?.spansExpected ?? "?"
      })`
    }),
  ratioTarget("W2", bareName, 1.0, "Effect.forEach", (c) => c.vsForEach),
  {
    ...ratioTarget("W3", bareName, 1.0, asyncPriorityQueueLibrary.name, (c) => c.vsAsyncPriorityQueue, (c) => ({
      ok: roundsOf(c, c.orderExact) && roundsOf(c, c.fifoWithinLevel),
      note: `exact order in ${c.orderExact ?? "-"} rounds, FIFO within level in ${c.fifoWithinLevel ?? "-"}`
    })),
    label: `W3: ${bareName} time <= 1.0x ${asyncPriorityQueueLibrary.name}, with exact priority order and FIFO within level in every round`
  },
  {
    ...ratioTarget("W5", bareName, 0.5, "p-queue", (c) => c.heapVsPQueue),
    label: `W5: ${bareName} live heap per queued task <= 0.5x p-queue`
  }
]

/**
 * The README's targets, each with the ratio this run measured and whether
 * it was met: a Markdown table. A target of a workload not in the run says
 * so.
 */
export const targetsTable = (workloads: ReadonlyArray<WorkloadSummary>): string =>
  table(
    ["target", "measured", "result"],
    targets.map((target) => {
      const w = workloads.find((w) => w.id === target.workload)
      const outcome = w === undefined ? undefined : target.check(w)
      if (outcome === undefined) {
        return [target.label, "-", w === undefined ? `not measured (${target.workload} not run)` : "not measured"]
      }
      const measured = `${times(outcome.ratio)}${outcome.note === undefined ? "" : `; ${outcome.note}`}`
      return [target.label, measured, outcome.met ? "met" : "**not met**"]
    }),
    true
  )

export interface Machine {
  readonly node: string
  readonly platform: string
  readonly arch: string
  readonly cpuModel: string
  readonly cores: number
  readonly totalMemoryGiB: number
  readonly packages: Readonly<Record<string, string>>
}

export const machineLine = (m: Machine) =>
  `node ${m.node}, ${m.platform} ${m.arch}, ${m.cores} x ${m.cpuModel}, ${group(m.totalMemoryGiB)} GiB; ` +
  Object.entries(m.packages).map(([name, version]) => `${name} ${version}`).join(", ")

const noiseLine = (n: NoiseReport) => {
  const others = n.otherCores === undefined ? "unknown" : `${sig(n.otherCores)} cores`
  return `${group(n.wallMs / 1000, 1)} s; other processes kept ${others} busy on average, this process ${
    sig(n.ownCores)
  }; load average ${n.loadavgStart.map((l) => l.toFixed(2)).join("/")} at start, ${
    n.loadavgEnd.map((l) => l.toFixed(2)).join("/")
  } at end`
}

export const markdownReport = (options: {
  readonly date: string
  readonly machine: Machine
  readonly wallMs: number
  readonly args: ReadonlyArray<string>
  readonly workloads: ReadonlyArray<WorkloadSummary>
  readonly noise: NoiseReport
}): string => {
  const lines = [
    `# Benchmarks ${options.date}`,
    "",
    `Machine: ${machineLine(options.machine)}.`,
    "",
    `Command: \`npm run bench${options.args.length > 0 ? ` -- ${options.args.join(" ")}` : ""}\`, one process, ` +
    `wall time ${group(options.wallMs / 1000, 1)} s. Other processes kept ${
      options.noise.otherCores === undefined ? "an unknown share" : `${sig(options.noise.otherCores)} of ${options.machine.cores} cores`
    } busy on average over the whole run.`,
    "",
    "Each round runs every contender once, the order rotated by one each round; the first round is a warm-up and is left out. " +
    "Figures are the median, min and max of the measured rounds; ratios are ratios of medians from this run (ratios between runs on this machine move by 20-30%).",
    ""
  ]
  for (const w of options.workloads) {
    lines.push(`## ${w.title}`, "")
    lines.push(
      `${w.rounds} measured round${w.rounds === 1 ? "" : "s"}${w.warmup ? " after a warm-up" : ", no warm-up"}. Noise: ${noiseLine(w.noise)}.`,
      ""
    )
    for (const note of w.notes) lines.push(`- ${note}`)
    lines.push("", markdownTable(w), "")
  }
  const quick = options.args.includes("--quick")
  lines.push(
    "## Targets",
    "",
    "The README's performance targets, against this run's ratios of medians" +
    (quick ? " (a quick smoke run: smaller counts and one round, so these are no measurement)." : "."),
    "",
    targetsTable(options.workloads),
    ""
  )
  return lines.join("\n")
}

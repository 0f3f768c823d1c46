/**
 * `npm run bench`: the benchmark suite, in one process
 * (`node --expose-gc --import tsx bench/run.ts`).
 *
 * Workloads (see bench/workloads.ts and shared/notes/performance-baselines.md):
 * - W1 overhead: 200,000 tasks that do nothing, concurrency 16.
 * - W2 io: 20,000 tasks each awaiting a 1 ms timer, concurrency 256 (ideal 78 ms).
 * - W3 priority: 50,000 tasks with random priorities 0..3 submitted at once,
 *   concurrency 8, with a check of the start order.
 * - W5 memory: 1,000,000 tasks queued at once, concurrency 4: live heap per
 *   queued task and time to drain; and our pool's `submitBatch` over a lazy
 *   generator.
 *
 * - W4 threads (bench/threads.ts): CPU-bound and tiny requests on 2 worker
 *   threads, against piscina and tinypool; recovery from a runaway task.
 * - W6 cluster (bench/cluster.ts): two runner processes on PostgreSQL and a
 *   client, against BullMQ on Redis with two worker processes; failover
 *   after a SIGKILL.
 *
 * Contenders: a hand-written promise pool (the floor), in W1 and W2 a fiber
 * per task with Effect's public API (the fiber floor, bench/floor.ts),
 * p-limit, p-queue, fastq, async.queue / async.priorityQueue,
 * `Effect.forEach`, and our pool bare (metrics off), with a task timeout and
 * metrics, with an OpenTelemetry tracer recording every span (not in W5),
 * and with keys, aging and a tracer that drops its spans; in W1 also our
 * pool's `runAll`. Each workload runs one warm-up round and 5
 * measured rounds, the order of the contenders rotated each round; the
 * harness (bench/harness.ts) says why it is our own. W5 runs 3 measured
 * rounds after a warm-up at a tenth of the size: with 1,000,000 tasks a
 * sample of our pool with a tracer takes about 40 s, so 5 rounds would take
 * the suite past 10 minutes on the 2-core machine.
 *
 * Writes bench/results/<YYYY-MM-DD>.json (every sample, machine and
 * versions), bench/results/<YYYY-MM-DD>.md (a table per workload, and the
 * README's performance targets met or not) and
 * bench/results/chart.svg. A run that is not the full suite (`--quick`,
 * `--only`, `--rounds`) writes to names with a suffix, such as
 * `<date>-quick.json` and `chart-quick.svg`, and leaves the full run's files alone.
 *
 * Options:
 *   --quick          smaller counts (a tenth, W5 a twentieth), 1 round, no warm-up: a smoke run
 *   --only W1,W3     run only these workloads
 *   --rounds N       measured rounds of W1-W3 (default 5)
 *   --w5-rounds N    measured rounds of W5 (default 3, and never more than --rounds)
 */
import { execSync } from "node:child_process"
import { createHash } from "node:crypto"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import * as os from "node:os"
import { renderChart } from "./chart.js"
import { noiseMeter, runRounds } from "./harness.js"
import {
  machineLine,
  markdownReport,
  markdownTable,
  type Machine,
  summarize,
  targetsTable,
  type WorkloadSummary
} from "./report.js"
import { runClusterBenchmark } from "./cluster.js"
import { runThreadsBenchmark } from "./threads.js"
import { allWorkloads, makeWorkload, type Sizes, type WorkloadId } from "./workloads.js"

const argv = process.argv.slice(2)

const optionValue = (name: string): string | undefined => {
  const inline = argv.find((arg) => arg.startsWith(`--${name}=`))
  if (inline !== undefined) return inline.slice(name.length + 3)
  const index = argv.indexOf(`--${name}`)
  return index >= 0 ? argv[index + 1] : undefined
}

const known = new Set(["--quick", "--only", "--rounds", "--w5-rounds"])
for (const [i, arg] of argv.entries()) {
  const flag = arg.split("=")[0]!
  const isValue = i > 0 && ["--only", "--rounds", "--w5-rounds"].includes(argv[i - 1]!)
  if (!isValue && !known.has(flag)) {
    console.error(`unknown option ${arg}; the options are --quick, --only W1,W2,W3,W4,W5,W6, --rounds N and --w5-rounds N`)
    process.exit(2)
  }
}

const quick = argv.includes("--quick")
const onlyArg = optionValue("only")
/** Workloads with harnesses of their own: threads and processes, run after the in-process ones. */
const separateWorkloads = ["W4", "W6"] as const
type SeparateId = (typeof separateWorkloads)[number]
const requested: ReadonlyArray<string> = onlyArg === undefined
  ? [...allWorkloads, ...separateWorkloads]
  : onlyArg.split(",").map((id) => id.trim().toUpperCase()).map((id) => {
    if (![...allWorkloads, ...separateWorkloads].includes(id as WorkloadId)) {
      console.error(`unknown workload ${id}; the workloads are ${[...allWorkloads, ...separateWorkloads].join(", ")}`)
      process.exit(2)
    }
    return id
  })
const only = allWorkloads.filter((id) => requested.includes(id))
const separate = separateWorkloads.filter((id: SeparateId) => requested.includes(id))
const roundsArg = optionValue("rounds")
const rounds = roundsArg === undefined ? (quick ? 1 : 5) : Number(roundsArg)
const w5RoundsArg = optionValue("w5-rounds")
const w5Rounds = Math.min(rounds, w5RoundsArg === undefined ? 3 : Number(w5RoundsArg))
for (const [name, value] of [["--rounds", rounds], ["--w5-rounds", w5Rounds]] as const) {
  if (!Number.isInteger(value) || value < 1) {
    console.error(`${name} expects an integer >= 1`)
    process.exit(2)
  }
}

const sizes: Sizes = quick
  ? {
    w1: 20_000,
    w2: 2_000,
    w3: 5_000,
    w5: 50_000,
    rounds,
    w5Rounds,
    warmup: false,
    w5WarmupFraction: 0.1,
    batchQueueSizes: [1_024, 16_384]
  }
  : {
    w1: 200_000,
    w2: 20_000,
    w3: 50_000,
    w5: 1_000_000,
    rounds,
    w5Rounds,
    warmup: true,
    w5WarmupFraction: 0.1,
    batchQueueSizes: [1_024, 16_384]
  }

// ---- machine and versions ----

const root = new URL("../", import.meta.url)

const versionOf = (name: string): string => {
  try {
    return (JSON.parse(readFileSync(new URL(`node_modules/${name}/package.json`, root), "utf8")) as { version: string })
      .version
  } catch {
    return "not installed"
  }
}

const gitRevision = (): string => {
  try {
    const head = execSync("git rev-parse --short HEAD", { cwd: root, stdio: ["ignore", "pipe", "ignore"] }).toString().trim()
    const dirty = execSync("git status --porcelain -- src", { cwd: root, stdio: ["ignore", "pipe", "ignore"] })
      .toString().trim().length > 0
    if (!dirty) return head
    const diff = execSync("git diff HEAD -- src", { cwd: root, stdio: ["ignore", "pipe", "ignore"] })
    return `${head} + uncommitted src/ changes (diff sha1 ${createHash("sha1").update(diff).digest("hex").slice(0, 10)})`
  } catch {
    return "unknown"
  }
}

const ownVersion = (JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as { version: string }).version

const machine: Machine = {
  node: process.version,
  platform: os.platform(),
  arch: os.arch(),
  cpuModel: os.cpus()[0]?.model ?? "unknown",
  cores: os.cpus().length,
  totalMemoryGiB: os.totalmem() / 1024 ** 3,
  packages: {
    "@helixagent/concurrency": `${ownVersion} @ ${gitRevision()}`,
    effect: versionOf("effect"),
    "@effect/opentelemetry": versionOf("@effect/opentelemetry"),
    "@opentelemetry/sdk-trace-base": versionOf("@opentelemetry/sdk-trace-base"),
    "p-queue": versionOf("p-queue"),
    "p-limit": versionOf("p-limit"),
    fastq: versionOf("fastq"),
    async: versionOf("async"),
    tsx: versionOf("tsx")
  }
}

const pad = (n: number) => String(n).padStart(2, "0")
const today = new Date()
const date = `${today.getFullYear()}-${pad(today.getMonth() + 1)}-${pad(today.getDate())}`
const full = !quick && onlyArg === undefined && roundsArg === undefined && w5RoundsArg === undefined
const suffix = full ? "" : [
  quick ? "-quick" : "",
  onlyArg !== undefined ? `-${requested.join("-")}` : "",
  roundsArg !== undefined ? `-r${rounds}` : "",
  w5RoundsArg !== undefined ? `-w5r${w5Rounds}` : ""
].join("")

// ---- run ----

console.log(`@helixagent/concurrency benchmarks${quick ? " (quick smoke run)" : ""}: ${requested.join(", ")}`)
console.log(machineLine(machine))
console.log("")

const whole = noiseMeter(os.loadavg)
const summaries: Array<WorkloadSummary> = []
const records: Array<unknown> = []
for (const id of only) {
  const workload = makeWorkload(id, sizes)
  console.log(`== ${workload.title}`)
  console.log(
    `   ${workload.rounds} measured round(s)${workload.warmup !== undefined ? " after a warm-up" : ", no warm-up"}`
  )
  const meter = noiseMeter(os.loadavg)
  const results = await runRounds(workload.contenders, {
    rounds: workload.rounds,
    warmup: workload.warmup,
    onSample: (contender, sample) => {
      const label = sample.round === 0 ? "warm-up" : `round ${sample.round}`
      const heap = sample.heapBytes === undefined ? "" : `  heap ${(sample.heapBytes / 1024 / 1024).toFixed(1)} MB`
      const spans = sample.detail?.spans === undefined
        ? ""
        : `  spans ${sample.detail.spans} (expected ${sample.detail.spansExpected})`
      console.log(
        `   ${label.padEnd(8)} ${contender.name.padEnd(44)} ${sample.ms.toFixed(1).padStart(10)} ms${heap}${spans}`
      )
    }
  })
  const noise = meter()
  const summary = summarize({ workload, results, noise })
  summaries.push(summary)
  records.push({ ...summary, samples: results })
  console.log("")
  console.log(markdownTable(summary))
  console.log("")
}
const sections: Array<string> = []
const separateRecords: Record<string, unknown> = {}
if (separate.includes("W4")) {
  console.log("== W4 threads: CPU-bound and tiny requests on 2 threads, recovery from a runaway task")
  const threads = await runThreadsBenchmark({ threads: 2, quick })
  console.log(threads.markdown)
  sections.push(threads.markdown)
  separateRecords.W4 = threads
}
if (separate.includes("W6")) {
  console.log("== W6 cluster: 2 runner processes on PostgreSQL against BullMQ on Redis with 2 workers")
  const cluster = await runClusterBenchmark({ tasks: quick ? 1_000 : 10_000, failover: !quick })
  console.log(cluster.markdown)
  sections.push(cluster.markdown)
  separateRecords.W6 = cluster.rows
}
const noise = whole()
console.log("Targets")
console.log("")
console.log(targetsTable(summaries))
console.log("")

// ---- write ----

const resultsDir = new URL("bench/results/", root)
mkdirSync(resultsDir, { recursive: true })
const report = markdownReport({ date, machine, wallMs: noise.wallMs, args: argv, workloads: summaries, noise })
writeFileSync(
  new URL(`${date}${suffix}.json`, resultsDir),
  JSON.stringify(
    {
      date,
      finishedAt: new Date().toISOString(),
      command: `npm run bench${argv.length > 0 ? ` -- ${argv.join(" ")}` : ""}`,
      quick,
      wallMs: noise.wallMs,
      noise,
      machine,
      sizes,
      workloads: records,
      separate: separateRecords
    },
    null,
    2
  ) + "\n"
)
writeFileSync(new URL(`${date}${suffix}.md`, resultsDir), [report, ...sections].join("\n\n") + "\n")
writeFileSync(
  new URL(`chart${suffix}.svg`, resultsDir),
  renderChart(summaries, [
    `${date}${quick ? " (quick smoke run)" : ""}: node ${machine.node}, ${machine.platform} ${machine.arch}, ${machine.cores} x ${machine.cpuModel}`,
    Object.entries(machine.packages).map(([name, version]) => `${name} ${version}`).join(", "),
    `Median of the measured rounds (W1-W3: ${sizes.rounds}, W5: ${sizes.w5Rounds}); W5 bars are drain time / ${
      sizes.w5.toLocaleString("en-US")
    } queued tasks.`,
    `Wall time of the run ${(noise.wallMs / 1000).toFixed(0)} s; other processes kept ${
      noise.otherCores === undefined ? "an unknown share" : `${noise.otherCores.toFixed(2)} of ${machine.cores} cores`
    } busy on average.`
  ])
)
console.log(`wrote bench/results/${date}${suffix}.json, ${date}${suffix}.md and chart${suffix}.svg`)
console.log(`wall time ${(noise.wallMs / 1000).toFixed(1)} s`)

/**
 * Runs every program in examples/ and checks what it produced: the short
 * README examples and the four seed uses in-process (importing the exported
 * `main` Effect), and the `npm start` demo as a child process with stdout a
 * pipe, once to the end and once interrupted with SIGINT.
 */
import { describe, expect, it } from "@effect/vitest"
import { type ChildProcess, spawn } from "node:child_process"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"
import { Duration, Effect, Fiber, Option, TestClock } from "effect"
import { afterAll, beforeAll, vi } from "vitest"
import * as BackgroundJobs from "../examples/background-jobs.js"
import * as Basic from "../examples/basic.js"
import * as Batch from "../examples/batch.js"
import * as BatchVerification from "../examples/batch-verification.js"
import * as Callbacks from "../examples/callbacks.js"
import * as Control from "../examples/control.js"
import * as Debate from "../examples/debate.js"
import * as LlmFallback from "../examples/llm-fallback.js"
import * as LlmProviders from "../examples/llm-providers.js"
import * as Prometheus from "../examples/prometheus.js"
import * as Shutdown from "../examples/shutdown.js"
import * as Telemetry from "../examples/telemetry.js"
import { fetchText, freePort } from "./support/net.js"
import { withLogs } from "./helpers.js"

/** Runs a program on the TestClock, moving it `step` at a time until the program is done. */
const onTestClock = <A, E>(program: Effect.Effect<A, E>, step: Duration.DurationInput) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(program)
    while (Option.isNone(yield* Fiber.poll(fiber))) yield* TestClock.adjust(step)
    return yield* Fiber.join(fiber)
  })

// These do not depend on timing, so they run side by side (the 10,000-task batch takes longest).
describe.concurrent("README examples", () => {
  it.live("basic: submit, await, run", () =>
    Effect.gen(function*() {
      const { lines, result } = yield* withLogs(Basic.main)
      expect(result).toBe(42)
      expect(lines.some((line) => line.startsWith("INFO summarize took"))).toBe(true)
    }))

  it.live("callbacks: the typed error comes back through join", () =>
    Effect.gen(function*() {
      const { lines, result } = yield* withLogs(Callbacks.main)
      expect(result).toBe(30)
      expect(lines).toContain("INFO ok -> fine")
      expect(lines.some((line) => line.startsWith("WARN limited failed"))).toBe(true)
    }))

  // On the real clock: on the TestClock, 10,000 tasks need too many clock adjustments.
  it.live("batch: 10,000 lazy checks all pass; runAll keeps input order", () =>
    Effect.gen(function*() {
      const result = yield* Batch.main
      expect(result).toEqual({ passed: 10_000, firstIds: ["verify-1", "verify-2", "verify-3"] })
    }))

  it.live("shutdown: waits for queued jobs, then refuses new ones", () =>
    Effect.gen(function*() {
      expect(yield* Shutdown.main).toEqual({ refused: true, completed: 10 })
    }))

  it.effect("llm-providers: every request settles, within each provider's limits", () =>
    Effect.gen(function*() {
      const { lines, result } = yield* withLogs(onTestClock(LlmProviders.main, "20 millis"))
      expect(result.succeeded + result.failed).toBe(37)
      expect(Object.keys(result.keys).sort()).toEqual(["anthropic", "mistral", "openai"])
      for (const key of Object.values(result.keys)) expect(key).toMatchObject({ running: 0, queued: 0 })
      expect(lines.filter((line) => line.includes("waited"))).toHaveLength(37)
    }))

  it.live("prometheus: serves the pool's metrics while the workload runs", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(freePort)
      const server = yield* Effect.fork(withLogs(Prometheus.serve(port, Option.some(Duration.millis(1500)))))
      yield* Effect.sleep("600 millis")
      const body = yield* Effect.promise(() => fetchText(`http://127.0.0.1:${port}/metrics`))
      expect(body).toMatch(/^workerpool_tasks_submitted_total\{pool="example"[^}]*\} [1-9]/m)
      expect(body).toMatch(/^workerpool_queue_depth\{pool="example"/m)
      const { lines } = yield* Fiber.join(server)
      expect(lines).toContain(`INFO serving metrics on http://127.0.0.1:${port}/metrics`)
    }))

  it.live("telemetry: the traced task's span is exported", () =>
    Effect.gen(function*() {
      const dir = vi.spyOn(console, "dir").mockImplementation(() => {})
      try {
        expect(yield* Telemetry.main).toBe("done")
        const spans = dir.mock.calls.map(([span]) => span as { name?: string })
        expect(spans.map((span) => span.name)).toEqual(expect.arrayContaining(["request", "WorkerPool.task"]))
      } finally {
        dir.mockRestore()
      }
    }))
})

describe("controlling a running pool", () => {
  it.live("control: a retried call, a cancelled report, the queue while paused, a resize, the events", () =>
    Effect.gen(function*() {
      const { lines, result } = yield* withLogs(Control.main)
      expect(result).toStrictEqual({
        attempts: 3,
        cancelled: true,
        queued: ["report-north", "report-south", "report-east", "report-west"],
        outcomes: ["Success", "Success", "Success", "Failure"],
        workers: 4
      })
      expect(lines).toContain("INFO ask answered after 3 attempts")
      expect(lines).toContain("INFO report-west: cancelled after 0 attempt(s)")
      expect(lines.at(-1)).toBe("INFO shut down")
    }))
})

describe("the seed's uses", () => {
  it.live("llm-fallback: a prompt the primary fails on is answered by the second provider", () =>
    Effect.gen(function*() {
      const { lines, result } = yield* withLogs(LlmFallback.main)
      expect(result.map((answer) => answer.prompt)).toEqual(LlmFallback.prompts)
      for (const answer of result) {
        const expected = LlmFallback.outage[answer.prompt] === undefined ? "claude" : "gpt"
        expect(answer.provider, answer.prompt).toBe(expected)
        expect(answer.answer).toContain(`${expected}'s answer`)
      }
      expect(lines.filter((line) => line.endsWith("asking gpt"))).toHaveLength(Object.keys(LlmFallback.outage).length)
      expect(lines.some((line) => line.includes("timed out"))).toBe(true) // the primary that never answers
    }))

  it.live("batch-verification: every claim is verified and exactly the wrong ones are caught", () =>
    Effect.gen(function*() {
      const { lines, result } = yield* withLogs(BatchVerification.main)
      const wrong = Array.from({ length: BatchVerification.claimCount }, (_, n) => n)
        .filter(BatchVerification.isWrong)
        .map((n) => `claim-${n}`)
      expect(result.verified).toBe(BatchVerification.claimCount)
      expect([...result.invalid].sort()).toEqual(wrong.sort())
      expect(result.retried.length).toBeGreaterThan(0) // the verifier was briefly unavailable, and retried
      expect(result.failed).toBe(0)
      expect(lines).toContain(`INFO ${BatchVerification.claimCount} claims verified`)
    }))

  it.live("background-jobs: jobs complete while the foreground serves requests ahead of them", () =>
    Effect.gen(function*() {
      const { lines, result } = yield* withLogs(BackgroundJobs.main)
      expect(result.requests).toHaveLength(BackgroundJobs.requestCount)
      expect(result.jobsDone).toBe(BackgroundJobs.jobCount)
      // Some jobs finished while requests were being served, and some were still to do.
      expect(result.jobsDoneWhileServing).toBeGreaterThan(0)
      expect(result.requests.some((request) => request.jobsDoneBefore > 0)).toBe(true)
      // Requests jumped the queue of jobs: none waited as long as the longest-waiting job.
      expect(result.longestRequestWait).toBeLessThan(result.longestJobWait)
      expect(lines.at(-1)).toBe(`INFO all ${BackgroundJobs.jobCount} background jobs done`)
    }))

  it.live("debate: rounds of agents in parallel, then the judge picks from the last round", () =>
    Effect.gen(function*() {
      const { lines, result } = yield* withLogs(Debate.main)
      const { transcript, verdict } = result
      expect(transcript).toHaveLength(Debate.rounds)
      const names = (round: ReadonlyArray<Debate.Argument>) => round.map((argument) => argument.agent)
      expect(names(transcript[0]!)).toEqual(["optimist", "skeptic", "pragmatist"])
      expect(names(transcript[1]!)).toEqual(["optimist", "pragmatist"]) // the skeptic timed out in round 2
      const last = transcript[Debate.rounds - 1]!
      expect(last).toContainEqual(verdict)
      expect(verdict.round).toBe(Debate.rounds)
      expect(verdict.confidence).toBe(Math.max(...last.map((argument) => argument.confidence)))
      expect(lines).toContain("WARN round-2/skeptic did not answer; it sits this round out")
      expect(lines.at(-1)).toBe(`INFO the judge sides with the ${verdict.agent}: ${verdict.text}`)
    }))
})

// ---------------------------------------------------------------------------------------------
// The demo, as `npm start` runs it (`tsx examples/demo.ts`), in a child process whose stdout is a
// pipe: plain lines, no live view.

const root = fileURLToPath(new URL("..", import.meta.url))
const tsx = createRequire(import.meta.url).resolve("tsx/cli")

interface Run {
  readonly stdout: string
  readonly stderr: string
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

const children = new Set<ChildProcess>()

/**
 * Runs the demo, with `tsx examples/demo.ts` as `npm start` does, or in one process with
 * `node --import tsx examples/demo.ts`. `interruptWhen` sends SIGINT the first time it holds for
 * the output so far.
 */
const runDemo = (
  how: "tsx" | "node --import tsx",
  env: Record<string, string>,
  interruptWhen?: (stdout: string) => boolean
): Promise<Run> =>
  new Promise((resolve, reject) => {
    const args = how === "tsx" ? [tsx, "examples/demo.ts"] : ["--import", "tsx", "examples/demo.ts"]
    // In a process group of its own, as a shell runs a job.
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true
    })
    children.add(child)
    let stdout = ""
    let stderr = ""
    let interrupted = false
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk
      if (interruptWhen !== undefined && !interrupted && interruptWhen(stdout)) {
        interrupted = true
        process.kill(-child.pid!, "SIGINT") // as Ctrl-C does: to the whole process group
      }
    })
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    child.on("error", reject)
    child.on("close", (code, signal) => {
      children.delete(child)
      resolve({ stdout, stderr, code, signal })
    })
  })

interface Line {
  readonly at: number
  readonly verb: string
  readonly subject: string
  readonly details: string
}

const parse = (stdout: string): Array<Line> =>
  stdout.split("\n").flatMap((text) => {
    const match = /^\s*(\d+\.\d{3})s {2}(\S+)\s+(\S+(?: calls)?)\s*(.*)$/.exec(text)
    return match ? [{ at: Number(match[1]) * 1000, verb: match[2]!, subject: match[3]!, details: match[4]! }] : []
  })

const settledVerbs = new Set(["done", "fail", "timeout", "cancel", "dropped"])
const finished = (lines: ReadonlyArray<Line>) => lines.filter((line) => settledVerbs.has(line.verb))
const millis = (details: string, label: "waited" | "ran") => Number(new RegExp(`${label}\\s+(\\d+) ms`).exec(details)?.[1])

/** The counters of the final metrics block. */
const finalCounts = (stdout: string) => {
  const match = /submitted (\d+) {2}completed (\d+) {2}failed (\d+) \(timed out (\d+)\) {2}cancelled (\d+)/.exec(stdout)
  expect(match, "final metrics").not.toBeNull()
  const [submitted, completed, failed, timedOut, cancelled] = match!.slice(1).map(Number) as [number, number, number, number, number]
  return { submitted, completed, failed, timedOut, cancelled }
}

// Both runs start before the tests above, and go on while they run.
let fullRun: Promise<Run>
let interruptedRun: Promise<Run>
beforeAll(() => {
  fullRun = runDemo("tsx", { DEMO_TASKS: "17" })
  // SIGINT once a Critical task has finished, while Low ones are still queued. In one process:
  // the tsx CLI runs the program in a child process and passes a signal on with a 30 ms
  // handshake, which a loaded machine can miss (the demo copes with the repeated SIGINT that
  // follows, but the CLI's last resort is SIGKILL), so the run would depend on the load.
  interruptedRun = runDemo("node --import tsx", {}, (stdout) => /done\s+\S+\s+priority=Critical/.test(stdout))
})
afterAll(() => {
  // Only when a run was cut short (a filtered or failed test run): its process group goes too.
  for (const child of children) {
    try {
      process.kill(-child.pid!, "SIGKILL")
    } catch {
      // already gone
    }
  }
})

describe("npm start (examples/demo.ts), stdout not a TTY", () => {
  it("prints one labelled line per finished task, the 429 pause, the timeout and the final metrics", async () => {
    const run = await fullRun
    expect(run.stderr).toBe("")
    expect({ code: run.code, signal: run.signal }).toEqual({ code: 0, signal: null })
    expect(run.stdout).not.toMatch(/\x1b\[/) // plain lines: no cursor movement, no colour

    const lines = parse(run.stdout)
    expect(lines.filter((line) => line.verb === "submit").map((line) => /priority=(\w+)/.exec(line.details)?.[1]))
      .toEqual(["Low", "Critical", "Normal", "High"])
    expect(lines.some((line) => line.verb === "status")).toBe(true)
    expect(run.stdout).toMatch(/ done {5}claude\/judge-1\s+priority=Critical\s+waited\s+\d+ ms\s+ran\s+\d+ ms/)

    // Each task printed once, and every submitted task printed.
    const ids = finished(lines).map((line) => line.subject)
    expect(new Set(ids).size).toBe(ids.length)
    const counts = finalCounts(run.stdout)
    expect(ids).toHaveLength(counts.submitted)
    expect(counts).toMatchObject({ failed: 2, timedOut: 1, cancelled: 0, completed: counts.submitted - 2 })

    // gpt answered 429: gpt paused, the call failed, was submitted again and answered.
    expect(lines.find((line) => line.verb === "pause")?.subject).toBe("gpt")
    expect(lines.find((line) => line.verb === "fail")).toMatchObject({ subject: "gpt/turn-2" })
    expect(lines.find((line) => line.verb === "fail")?.details).toContain("429")
    expect(lines.some((line) => line.verb === "retry" && line.subject === "gpt/turn-2")).toBe(true)
    expect(lines.some((line) => line.verb === "done" && line.subject === "gpt/turn-2-retry")).toBe(true)
    // The call that never answered was cut off by its timeout.
    expect(lines.find((line) => line.verb === "timeout")).toMatchObject({ subject: "gemini/verify-1" })
    expect(millis(lines.find((line) => line.verb === "timeout")!.details, "ran")).toBeGreaterThanOrEqual(1500)

    // Critical calls overtook the Low ones still queued when they arrived.
    const criticalArrived = lines.find((line) => line.verb === "submit" && line.details.includes("Critical"))!.at
    const started = (line: Line) => line.at - millis(line.details, "ran")
    const critical = finished(lines).filter((line) => line.details.includes("priority=Critical"))
    const overtaken = finished(lines).filter((line) => line.details.includes("priority=Low") && started(line) > criticalArrived)
    expect(overtaken.length).toBeGreaterThan(0)
    const lastCriticalStart = Math.max(...critical.map(started))
    for (const low of overtaken) expect(started(low), low.subject).toBeGreaterThanOrEqual(lastCriticalStart - 2)

    expect(run.stdout).toMatch(/final {4}metrics\s+pool "demo" after \d+\.\d s\n\s+submitted/)
    expect(run.stdout).toMatch(/average wait {2}Critical \d+ ms/)
  })

  it("on SIGINT prints that the pool is shutting down, drains, prints the final metrics and exits 0", async () => {
    const run = await interruptedRun
    expect(run.stderr).toBe("")
    // NodeRuntime.runMain exits with 0 when the program ended by interruption only.
    expect({ code: run.code, signal: run.signal }).toEqual({ code: 0, signal: null })

    const lines = parse(run.stdout)
    const stop = lines.findIndex((line) => line.verb === "stop")
    expect(stop).toBeGreaterThan(0)
    expect(lines[stop]!.details).toMatch(/^pool shutting down: queued and running calls get 3 s to finish/)
    const final = lines.findIndex((line) => line.verb === "final")
    expect(final).toBeGreaterThan(stop)
    // The drain took no longer than the shutdown timeout (plus a little).
    expect(lines[final]!.at - lines[stop]!.at).toBeLessThan(3500)

    // Nothing lost: every accepted task settled and was printed once.
    const counts = finalCounts(run.stdout)
    expect(counts.completed + counts.failed + counts.cancelled).toBe(counts.submitted)
    const ids = finished(lines).map((line) => line.subject)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids).toHaveLength(counts.submitted)
    expect(counts.submitted).toBeLessThan(61) // interrupted before every wave was submitted
    expect(run.stdout).toMatch(/still queued 0 {2}running 0/)
  })
})

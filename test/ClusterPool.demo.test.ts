/**
 * `npm run cluster:demo` as a user runs it, with stdout a pipe: two runner
 * processes, a client, runner-2 SIGKILLed halfway, and every task settled
 * once. Needs PostgreSQL, like test/ClusterPool.postgres.test.ts.
 */
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { createDatabase, reachable } from "./cluster/postgres.js"

const available = await reachable()
if (!available && process.env["CI"] === undefined) {
  console.log("cluster demo test SKIPPED: no PostgreSQL on 127.0.0.1:5432 (it runs whenever CI is set)")
}

const root = fileURLToPath(new URL("..", import.meta.url))

/** Runs an example file to its end; its exit code and output. */
const runExample = (file: string, env: Record<string, string>) =>
  new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", file], { cwd: root, env: { ...process.env, ...env } })
    let output = ""
    child.stdout.on("data", (chunk) => (output += String(chunk)))
    child.stderr.on("data", (chunk) => (output += String(chunk)))
    child.on("exit", (code) => resolve({ code, output }))
  })

describe.runIf(available || process.env["CI"] !== undefined)("the cluster examples", () => {
  it("examples/cluster/client.ts against a runner of examples/cluster/runner.ts", async () => {
    const database = await createDatabase("cp_example")
    const runner = spawn(process.execPath, ["--import", "tsx", "examples/cluster/runner.ts"], {
      cwd: root,
      env: { ...process.env, CLUSTER_DATABASE_URL: database.url, RUNNER_PORT: String(44_000 + Math.floor(Math.random() * 1_000)) },
      stdio: ["ignore", "pipe", "inherit"]
    })
    try {
      await new Promise<void>((resolve) => runner.stdout.on("data", (chunk) => String(chunk).includes("Listening") && resolve()))
      const { code, output } = await runExample("examples/cluster/client.ts", { CLUSTER_DATABASE_URL: database.url })
      expect(code, output).toBe(0)
      expect(output).toContain("claude: 16 characters in 3 lines")
      expect(output).toContain("3 embeddings")
      expect(output).toContain("gpt: 15 characters in 3 lines")
    } finally {
      runner.kill("SIGKILL")
      await new Promise((resolve) => runner.once("exit", resolve))
      await database.drop()
    }
  }, 60_000)

  it("npm run cluster:demo kills runner-2 halfway and still settles every task once", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "examples/cluster/demo.ts"], {
      cwd: root,
      env: { ...process.env, CLUSTER_DEMO_TASKS: "80" },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    child.stdout.on("data", (chunk) => (output += String(chunk)))
    child.stderr.on("data", (chunk) => (output += String(chunk)))
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve))
    expect(code, output).toBe(0)
    expect(output).toMatch(/kill\s+runner-2\s+SIGKILL/)
    expect(output).toMatch(/final\s+80\/80 done\s+one result per id \(80 ids\)/)
  }, 90_000)
})

import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

const source = (file: string) => fileURLToPath(new URL(`./src/${file}`, import.meta.url))

export default defineConfig({
  resolve: {
    // The examples import the package by its name, as a user would; here it resolves to the
    // sources (as tsconfig.json's `paths` does for tsc and tsx), so no build is needed.
    alias: [
      { find: /^@helixagent\/concurrency$/, replacement: source("index.ts") },
      { find: /^@helixagent\/concurrency\/telemetry$/, replacement: source("telemetry.ts") },
      { find: /^@helixagent\/concurrency\/threads$/, replacement: source("threads.ts") },
      { find: /^@helixagent\/concurrency\/cluster$/, replacement: source("cluster.ts") }
    ]
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    // `global.gc` for the tests that check what stays reachable (test/WorkerPool.fiber.test.ts).
    poolOptions: {
      forks: { execArgv: ["--expose-gc"] }
    }
  }
})

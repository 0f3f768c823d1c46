import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    // `global.gc` for the tests that check what stays reachable (test/WorkerPool.fiber.test.ts).
    poolOptions: {
      forks: { execArgv: ["--expose-gc"] }
    }
  }
})

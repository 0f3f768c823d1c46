/**
 * Runs the thread examples in-process (importing their exported `main`) and
 * checks what they produced.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as BatchVerificationThreads from "../examples/batch-verification-threads.js"
import * as CpuPool from "../examples/threads/cpu-pool.js"
import { withLogs } from "./helpers.js"

describe("thread examples", () => {
  it.live("threads/cpu-pool: hashes on threads; the runaway task times out and its thread is replaced", () =>
    Effect.gen(function*() {
      const result = yield* CpuPool.main
      expect(result).toMatchObject({ hashed: 8, runaway: "TaskTimeoutError", terminatedOnInterrupt: 1 })
      expect(result.after).toMatch(/^[0-9a-f]{12}$/)
    }), 90_000)

  it.live("batch-verification-threads: every claim is verified on threads and exactly the wrong ones are caught", () =>
    Effect.gen(function*() {
      const { lines, result } = yield* withLogs(BatchVerificationThreads.main)
      const wrong = Array.from({ length: BatchVerificationThreads.claimCount }, (_, n) => n)
        .filter(BatchVerificationThreads.isWrong)
        .map((n) => `claim-${n}`)
      expect(result.verified).toBe(BatchVerificationThreads.claimCount)
      expect([...result.invalid].sort()).toEqual(wrong.sort())
      expect(result.failed).toBe(0)
      expect(result.threadRequests).toBe(BatchVerificationThreads.claimCount)
      expect(lines).toContain(`INFO ${BatchVerificationThreads.claimCount} claims verified`)
    }), 90_000)
})

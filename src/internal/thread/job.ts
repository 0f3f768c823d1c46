import type * as PlatformWorker from "@effect/platform/Worker"
import { WorkerError } from "@effect/platform/WorkerError"
import type * as Cause from "effect/Cause"
import type { ThreadCrashedError } from "../../ThreadError.js"

/** @internal */
export type Request = PlatformWorker.Worker.Request<unknown>

/** @internal */
export type Response = PlatformWorker.Worker.Response<unknown, unknown>

/**
 * How a thread answered a request, or why it never will.
 *
 * @internal
 */
export type Reply =
  | { readonly _tag: "success"; readonly value: unknown }
  | { readonly _tag: "failure"; readonly error: unknown }
  | { readonly _tag: "defect"; readonly cause: Cause.Cause<WorkerError> }
  | { readonly _tag: "crashed"; readonly error: ThreadCrashedError }

/**
 * One request: waiting in the queue, running on a thread, or interrupted
 * and waiting for its thread to confirm.
 *
 * @internal
 */
export interface Job {
  readonly tag: string
  readonly payload: unknown
  readonly transfers: ReadonlyArray<unknown>
  readonly span: PlatformWorker.Worker.Span | undefined
  readonly reply: (reply: Reply) => void
  state: "queued" | "running" | "interrupting" | "settled"
  id: number
  /** The thread it runs on, once dispatched (the dispatcher's own record). */
  thread: unknown
  startedAt: number
  graceTimer: ReturnType<typeof setTimeout> | undefined
}

/**
 * Reads a response of the serialized worker protocol as a `Reply`.
 *
 * @internal
 */
export const toReply = (response: Response): Reply => {
  switch (response[1]) {
    case 0:
      return { _tag: "success", value: response[2][0] }
    case 1:
      return response.length === 3 && response[2].length > 0
        ? { _tag: "success", value: response[2][0] }
        : {
          _tag: "defect",
          cause: WorkerError.decodeCause({ _tag: "Die", defect: new Error("the handler ended without a result") })
        }
    case 2:
      return { _tag: "failure", error: response[2] }
    case 3:
      return { _tag: "defect", cause: WorkerError.decodeCause(response[2]) }
  }
}

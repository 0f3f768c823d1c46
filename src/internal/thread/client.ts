import type * as PlatformWorker from "@effect/platform/Worker"
import * as Transferable from "@effect/platform/Transferable"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import type * as ParseResult from "effect/ParseResult"
import * as Runtime from "effect/Runtime"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Tracer from "effect/Tracer"
import type { ThreadCrashedError, ThreadStartError } from "../../ThreadError.js"
import type { ThreadPoolMetrics } from "../../ThreadPool.js"
import { ThreadDispatcher } from "./dispatcher.js"
import type { Job, Reply } from "./job.js"
import { makeThreadInstruments } from "./instruments.js"
import type { ResolvedThreadOptions } from "./options.js"

type Decoder = (value: unknown) => Either.Either<unknown, ParseResult.ParseError>

interface Codec {
  readonly success: Decoder
  readonly failure: Decoder
}

/**
 * What `ThreadPool.make` builds: `execute` and `metrics` over a dispatcher
 * whose threads are started, and closed with the scope.
 *
 * @internal
 */
export interface ThreadClient {
  readonly execute: (request: Schema.TaggedRequest.All) => Effect.Effect<unknown, unknown>
  readonly metrics: Effect.Effect<ThreadPoolMetrics>
}

const parentSpanOf = (context: Context.Context<never>): PlatformWorker.Worker.Span | undefined => {
  const span = Context.getOption(context, Tracer.ParentSpan)
  return span._tag === "Some" ? [span.value.traceId, span.value.spanId, span.value.sampled] : undefined
}

/** A defect in the thread stays a defect here; a protocol failure (a request the thread could not decode) too. */
const defect = (cause: Cause.Cause<unknown>) => Effect.failCause(Cause.flatMap(cause, (error) => Cause.die(error)))

/** @internal */
export const makeThreadClient = (
  options: ResolvedThreadOptions
): Effect.Effect<ThreadClient, ThreadStartError, Scope.Scope> =>
  Effect.gen(function*() {
    const dispatcher = new ThreadDispatcher(options, makeThreadInstruments(options.name))
    yield* Effect.acquireRelease(
      Effect.async<void, ThreadStartError>((resume) => {
        dispatcher.start((error) => resume(error === undefined ? Effect.void : Effect.fail(error)))
        return Effect.async<void>((closed) => dispatcher.close(() => closed(Effect.void)))
      }),
      () => Effect.async<void>((closed) => dispatcher.close(() => closed(Effect.void)))
    )

    const encode = Schema.encode(options.schema)
    const codecs = new Map<string, Codec>()
    const codecOf = (request: Schema.TaggedRequest.All): Codec => {
      let codec = codecs.get(request._tag)
      if (codec === undefined) {
        // Result schemas that need services are outside what a thread pool can decode with.
        const result = request as Schema.WithResult.Any
        codec = {
          success: Schema.decodeUnknownEither(Schema.successSchema(result) as Schema.Schema<unknown, unknown, never>),
          failure: Schema.decodeUnknownEither(Schema.failureSchema(result) as Schema.Schema<unknown, unknown, never>)
        }
        codecs.set(request._tag, codec)
      }
      return codec
    }

    const toEffect = (codec: Codec, reply: Reply): Effect.Effect<unknown, unknown> => {
      switch (reply._tag) {
        case "success": {
          const decoded = codec.success(reply.value)
          return Either.isRight(decoded) ? Exit.succeed(decoded.right) : Exit.die(decoded.left)
        }
        case "failure": {
          const decoded = codec.failure(reply.error)
          return Either.isRight(decoded) ? Exit.fail(decoded.right) : Exit.die(decoded.left)
        }
        case "defect":
          return defect(reply.cause)
        case "crashed":
          return Effect.fail(reply.error satisfies ThreadCrashedError)
      }
    }

    // Encoding runs synchronously on a runtime of its own that holds the
    // collector, so that `Transferable` fields are moved: providing the
    // collector to the caller's fiber on every request would cost more than
    // the encoding itself.
    const collector = Transferable.unsafeMakeCollector()
    const encodeNow = Runtime.runSyncExit(Runtime.defaultRuntime.pipe(Runtime.provideService(Transferable.Collector, collector)))

    const execute = (request: Schema.TaggedRequest.All): Effect.Effect<unknown, unknown> =>
      Effect.withFiberRuntime((fiber) => {
        collector.unsafeClear()
        const encoded = encodeNow(encode(request))
        if (Exit.isFailure(encoded)) return Effect.die(Cause.squash(encoded.cause))
        const transfers = collector.unsafeClear()
        const span = parentSpanOf(fiber.getFiberRef(FiberRef.currentContext))
        const codec = codecOf(request)
        return Effect.async<unknown, unknown>((resume) => {
          const job: Job = {
            tag: request._tag,
            payload: encoded.value,
            transfers,
            span,
            reply: (reply) => resume(toEffect(codec, reply)),
            state: "queued",
            id: -1,
            thread: undefined,
            startedAt: 0,
            graceTimer: undefined
          }
          dispatcher.submit(job)
          return Effect.sync(() => dispatcher.cancel(job))
        })
      })

    const metrics = Effect.sync((): ThreadPoolMetrics => ({
      threads: dispatcher.liveThreads,
      busy: dispatcher.busy,
      requests: dispatcher.requests,
      crashes: dispatcher.crashes,
      restarts: dispatcher.restarts,
      terminatedOnInterrupt: dispatcher.terminatedOnInterrupt
    }))

    return { execute, metrics }
  })

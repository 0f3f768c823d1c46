import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"

const liveClock = Context.get(DefaultServices.liveServices, Clock.Clock)

/**
 * The pool's time, in milliseconds as a plain number. The per-task path
 * reads it several times per task, and `Clock.unsafeCurrentTimeNanos`
 * allocates a bigint on every read: with Effect's live clock the pool reads
 * `performance.now()` (sub-microsecond, monotonic) instead; with any other
 * clock, `TestClock` included, it asks the clock for its milliseconds.
 * Only differences between readings are used, and timers sleep on the
 * clock itself, so both agree.
 *
 * @internal
 */
export const make = (clock: Clock.Clock): () => number =>
  clock === liveClock ? () => performance.now() : () => clock.unsafeCurrentTimeMillis()

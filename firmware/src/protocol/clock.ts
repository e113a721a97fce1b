// The time source the engine injects. Everything in protocol/ takes the current time as an argument instead of
// reading a clock, so tests can jump by REKEY_AFTER_TIME instantly; this is the shape the engine reads it from.
// io/clock.ts's Clock (and its fake) satisfy it structurally.

export interface Clock {
  /**
   * Milliseconds on a monotonic clock: never goes backwards, unrelated to the calendar, may be fractional.
   * Every `now` argument in protocol/ (keypair age, cookie secret age, rate limiter tokens) uses this scale.
   */
  now(): number;
  /** Milliseconds since the Unix epoch (the wall clock): used only for TAI64N handshake timestamps. */
  wallTime(): number;
}

// Constants of the WireGuard protocol. Specification values (whitepaper §6.1, §5.4) come first, under the paper's
// names; values that are choices of this implementation follow separately. Times are milliseconds of the monotonic
// clock (see clock.ts), hence the _MS suffix.

// ---- Specification: Noise construction and labels (whitepaper §5.4) -------------------------------------------

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

export const CONSTRUCTION = ascii('Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s');
export const IDENTIFIER = ascii('WireGuard v1 zx2c4 Jason@zx2c4.com');
export const LABEL_MAC1 = ascii('mac1----');
export const LABEL_COOKIE = ascii('cookie--');

// ---- Specification: limits and timers (whitepaper §6.1) --------------------------------------------------------

/** After this many messages sent with a keypair, the sender starts a new handshake. */
export const REKEY_AFTER_MESSAGES = 2n ** 60n;
/** No message may be sent or accepted with a counter at or above this value. */
export const REJECT_AFTER_MESSAGES = 2n ** 64n - 2n ** 13n - 1n;
/** An initiator whose current keypair is older than this starts a new handshake when it next sends. */
export const REKEY_AFTER_TIME_MS = 120_000;
/** A keypair older than this is never used again, in either direction. */
export const REJECT_AFTER_TIME_MS = 180_000;
/** For this long after data first needed a handshake, initiations are retried; then the queued data is dropped. */
export const REKEY_ATTEMPT_TIME_MS = 90_000;
/** An initiation without a response is retried after this long (plus jitter). */
export const REKEY_TIMEOUT_MS = 5_000;
/** A receiver that got data and sent nothing for this long sends a keepalive. */
export const KEEPALIVE_TIMEOUT_MS = 10_000;
/** Cookie secrets rotate, and received cookies expire, after this long. */
export const COOKIE_REFRESH_TIME_MS = 120_000;

// ---- Specification: wire format --------------------------------------------------------------------------------

export const MESSAGE_TYPE_INITIATION = 1;
export const MESSAGE_TYPE_RESPONSE = 2;
export const MESSAGE_TYPE_COOKIE_REPLY = 3;
export const MESSAGE_TYPE_TRANSPORT = 4;

/** Transport plaintext is zero-padded to a multiple of this, capped at the MTU. */
export const PADDING_MULTIPLE = 16;

// ---- Implementation choices ----------------------------------------------------------------------------------

/** Initiations from one peer closer together than this are dropped as a flood (wireguard-go: 50 per second). */
export const HANDSHAKE_INITIATION_RATE_MS = 1000 / 50;
/** Handshake initiations accepted per second from one source address before the rate limiter drops them. */
export const RATE_LIMIT_PACKETS_PER_SECOND = 20;
/** How many initiations one source may send at once before the per-second rate applies. */
export const RATE_LIMIT_BURST = 5;
/** Rate limiter entries idle for longer than this are forgotten. */
export const RATE_LIMIT_GARBAGE_COLLECT_MS = 1_000;
/** At most this many source addresses are tracked by the rate limiter; new sources beyond it are refused. */
export const RATE_LIMIT_MAX_ENTRIES = 65_536;
/** Up to this much random extra delay is added to each REKEY_TIMEOUT, so both sides do not retry in lockstep. */
export const REKEY_TIMEOUT_JITTER_MAX_MS = 334;
/** Initiation attempts before giving up: REKEY_ATTEMPT_TIME / REKEY_TIMEOUT. */
export const MAX_TIMER_HANDSHAKES = REKEY_ATTEMPT_TIME_MS / REKEY_TIMEOUT_MS;
/** Bits in the replay window's ring; the usable window is one 32-bit block less (RFC 6479). */
export const REPLAY_RING_BITS = 8192;

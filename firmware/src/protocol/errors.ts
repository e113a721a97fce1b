// Every way a WireGuard message can be refused, as values: the protocol core never throws on bad input.

/** Why a message or operation was refused. The names follow boringtun's WireGuardError where they overlap. */
export const WireGuardError = {
  /** The datagram's length does not fit its message type. */
  WrongSize: 'WrongSize',
  /** The first four bytes are not one of the four message types (the three reserved bytes must be zero). */
  UnknownType: 'UnknownType',
  /** MAC1 (or MAC2 where it is required) does not authenticate the handshake message. */
  InvalidMac: 'InvalidMac',
  /** A ChaCha20-Poly1305 or XChaCha20-Poly1305 tag did not verify. */
  InvalidAeadTag: 'InvalidAeadTag',
  /** A transport counter was already received, or is too old for the replay window. */
  DuplicateCounter: 'DuplicateCounter',
  /** A message names a receiver index that does not belong to the handshake or keypair it was routed to. */
  WrongIndex: 'WrongIndex',
  /** The responder is under load and the message carries no valid MAC2: answer with a cookie reply. */
  UnderLoad: 'UnderLoad',
  /** The initiation's TAI64N timestamp is not newer than the last one accepted from this peer (a replay). */
  StaleTimestamp: 'StaleTimestamp',
  /** The initiation arrived sooner after the previous one than the flood limit allows. */
  HandshakeFlood: 'HandshakeFlood',
  /** The initiator's static key is not a configured peer. */
  UnknownPeer: 'UnknownPeer',
  /** A Diffie-Hellman result was all zeros (a low-order public key), or a needed key is missing. */
  InvalidPublicKey: 'InvalidPublicKey',
  /** The handshake is not in the state this step needs (e.g. a response without an outstanding initiation). */
  WrongState: 'WrongState',
  /** A cookie reply arrived but no handshake message was sent to that peer since the last one. */
  UnexpectedCookieReply: 'UnexpectedCookieReply',
  /** The keypair is older than REJECT_AFTER_TIME or has been cleared. */
  ExpiredKeypair: 'ExpiredKeypair',
  /** The keypair has used every counter it may (REJECT_AFTER_MESSAGES): a new handshake is required. */
  CounterExhausted: 'CounterExhausted',
  /** A caller-provided buffer is too small for the result. */
  BufferTooSmall: 'BufferTooSmall',
} as const;

export type WireGuardError = (typeof WireGuardError)[keyof typeof WireGuardError];

export interface Success<T> {
  readonly ok: true;
  readonly value: T;
}

export interface Failure {
  readonly ok: false;
  readonly error: WireGuardError;
  /** Extra context for logs (sizes, types); never contains secrets. */
  readonly detail?: string;
}

export type Result<T> = Success<T> | Failure;

export function ok<T>(value: T): Success<T> {
  return { ok: true, value };
}

// Failures without detail are shared frozen objects, so refusing a flood of bad packets allocates nothing.
const bareFailures = new Map<WireGuardError, Failure>(
  Object.values(WireGuardError).map((error) => [error, Object.freeze({ ok: false as const, error })]),
);

export function fail(error: WireGuardError, detail?: string): Failure {
  if (detail === undefined) {
    return bareFailures.get(error) as Failure;
  }
  return { ok: false, error, detail };
}

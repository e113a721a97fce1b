// The cipher's own limit: seal and open of transport-sized packets per second on each AEAD path the engine can use,
// on one core, so the tunnel figures can be read against it: the per-packet implementations (aead-select.ts) and
// the data path's batches (transport-aead.ts: the native addon, a batch of 64 messages per call).
import { aeadImplementations } from '@burrow/firmware/crypto/aead-select';
import { AEAD_KEY_LENGTH, AEAD_TAG_LENGTH, counterNonce } from '@burrow/firmware/crypto/aead';
import { nativeTransportAead } from '@burrow/firmware/crypto/transport-aead';
import { randomBytes } from 'node:crypto';

/** A full transport packet's payload at the tunnel MTU. */
export const AEAD_PACKET_BYTES = 1420;
/** Calls between clock reads: cheap enough not to show, frequent enough to stop on time. */
const BATCH = 64;

export interface AeadFigures {
  readonly name: string;
  readonly sealPerSecond: number;
  readonly openPerSecond: number;
}

export function measureAeads(seconds: number): AeadFigures[] {
  return [...measurePerPacket(seconds), measureNativeBatches(seconds)];
}

function measurePerPacket(seconds: number): AeadFigures[] {
  return Object.values(aeadImplementations).map((aead) => {
    const key = randomBytes(AEAD_KEY_LENGTH);
    const plaintext = randomBytes(AEAD_PACKET_BYTES);
    const sealed = new Uint8Array(AEAD_PACKET_BYTES + AEAD_TAG_LENGTH);
    const opened = new Uint8Array(AEAD_PACKET_BYTES);
    const nonce = counterNonce(0);
    const empty = new Uint8Array(0);
    aead.seal(key, nonce, plaintext, empty, sealed);
    const sealPerSecond = rate(seconds, () => aead.seal(key, nonce, plaintext, empty, sealed));
    const openPerSecond = rate(seconds, () => {
      if (aead.open(key, nonce, sealed, empty, opened) === null) {
        throw new Error(`${aead.name}: a packet it sealed did not open`);
      }
    });
    return { name: aead.name, sealPerSecond, openPerSecond };
  });
}

/** Messages of 1420 bytes of payload, `BATCH` per call, sealed and opened in place by the native addon. */
function measureNativeBatches(seconds: number): AeadFigures {
  const transport = nativeTransportAead();
  const key = randomBytes(AEAD_KEY_LENGTH);
  const messageLength = 16 + AEAD_PACKET_BYTES + AEAD_TAG_LENGTH;
  const messages = {
    data: new Uint8Array(randomBytes(messageLength * BATCH)),
    offsets: Uint32Array.from({ length: BATCH }, (_, index) => index * messageLength),
    lengths: new Uint32Array(BATCH).fill(messageLength),
    count: BATCH,
  };
  const sealing = transport.sealingKey(key);
  const opening = transport.openingKey(key);
  const results = new Uint8Array(BATCH);
  const sealPerSecond = rate(seconds, () => sealing.seal(messages), BATCH);
  // Opening in place turns each message back into plaintext: seal the batch again before each open (subtracted).
  const sealAndOpenPerSecond = rate(
    seconds,
    () => {
      sealing.seal(messages);
      if (opening.open(messages, results) !== BATCH) {
        throw new Error('native: a batch it sealed did not open');
      }
    },
    BATCH,
  );
  const openPerSecond = 1 / (1 / sealAndOpenPerSecond - 1 / sealPerSecond);
  sealing.destroy();
  opening.destroy();
  return { name: `native, ${BATCH} per call`, sealPerSecond, openPerSecond };
}

/** Calls `operation` for about `seconds` (after a short warm-up) and returns calls per second. */
function rate(seconds: number, operation: () => unknown, packetsPerCall = 1): number {
  for (let index = 0; index < 1000; index++) {
    operation();
  }
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let calls = 0;
  let now = started;
  while (now < deadline) {
    for (let index = 0; index < BATCH; index++) {
      operation();
    }
    calls += BATCH;
    now = performance.now();
  }
  return (calls * packetsPerCall) / ((now - started) / 1000);
}

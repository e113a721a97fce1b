import test from 'ava';

import { type Aead } from '../crypto/aead.js';
import { aeadImplementations } from '../crypto/aead-select.js';
import { isAllZero } from '../crypto/constant-time.js';
import { type RandomSource } from '../crypto/random.js';
import { clampPrivateKey, generatePrivateKey, publicKeyFromPrivate } from '../crypto/x25519.js';
import { CookieChecker, CookieGenerator } from './cookie.js';
import { WireGuardError } from './errors.js';
import { type Keypair } from './keypair.js';
import { type InitiationMessage, parseMessage, type ResponseMessage, transportMessageLength } from './messages.js';
import { Handshake, LocalIdentity } from './handshake.js';
import { consumeInitiation, consumeResponse, createInitiation, createResponse, deriveKeypair } from './noise.js';
import { encodeTai64n } from './tai64n.js';
import { errorOf, unwrap } from './testing/results.js';

const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Hands out the given byte strings in order: makes ephemeral keys deterministic. */
function sequenceRandom(...chunks: Uint8Array[]): RandomSource {
  let next = 0;
  return {
    fill(target: Uint8Array): void {
      const chunk = chunks[next++];
      if (chunk?.length !== target.length) {
        throw new Error('unexpected randomness request');
      }
      target.set(chunk);
    },
  };
}

interface Peer {
  readonly name: string;
  readonly handshake: Handshake;
}

/** One side of a test: its identity and the peers it knows. */
class Side {
  readonly identity: LocalIdentity;
  readonly peers = new Map<string, Peer>();
  constructor(privateKey: Uint8Array = generatePrivateKey()) {
    this.identity = new LocalIdentity(privateKey);
  }
  addPeer(name: string, other: Side, presharedKey?: Uint8Array): Peer {
    const peer = { name, handshake: new Handshake(this.identity, other.identity.publicKey, presharedKey) };
    this.peers.set(toHex(other.identity.publicKey), peer);
    return peer;
  }
  lookup = (publicKey: Uint8Array): Peer | undefined => this.peers.get(toHex(publicKey));
}

let clockMs = 1_700_000_000_000;
function nextTimestamp(): Uint8Array {
  clockMs += 1_000;
  return encodeTai64n(clockMs);
}

function initiate(peer: Peer, localIndex = 0x1111, timestamp = nextTimestamp()): InitiationMessage {
  return unwrap(createInitiation(peer.handshake, { localIndex, timestamp }));
}

/** A whole handshake between two fresh sides; returns both keypairs. */
function handshakeBetween(
  presharedKeys: [Uint8Array | undefined, Uint8Array | undefined] = [undefined, undefined],
  aead?: Aead,
): { initiator: Keypair; responder: Keypair } {
  const alice = new Side();
  const bob = new Side();
  const bobAtAlice = alice.addPeer('bob', bob, presharedKeys[0]);
  bob.addPeer('alice', alice, presharedKeys[1]);
  const initiation = unwrap(
    createInitiation(bobAtAlice.handshake, { localIndex: 1, timestamp: nextTimestamp(), aead }),
  );
  const aliceAtBob = unwrap(consumeInitiation(bob.identity, initiation, bob.lookup, { now: 0, aead }));
  check(aliceAtBob.name === 'alice');
  const response = unwrap(createResponse(aliceAtBob.handshake, { localIndex: 2, aead }));
  unwrap(consumeResponse(bobAtAlice.handshake, response, { aead }));
  return {
    initiator: unwrap(deriveKeypair(bobAtAlice.handshake, { now: 0, aead })),
    responder: unwrap(deriveKeypair(aliceAtBob.handshake, { now: 0, aead })),
  };
}

function check(condition: boolean): void {
  if (!condition) {
    throw new Error('assertion failed');
  }
}

/** Seals `text` on one keypair and opens it on the other. */
function carries(from: Keypair, to: Keypair, text: string): boolean {
  const plaintext = new TextEncoder().encode(text);
  const buffer = new Uint8Array(transportMessageLength(plaintext.length));
  buffer.set(plaintext, 16);
  const length = unwrap(from.seal(buffer, plaintext.length, 0));
  const opened = to.open(buffer.subarray(0, length), 0);
  return opened.ok && new TextDecoder().decode(opened.value.subarray(0, plaintext.length)) === text;
}

// Known answers from an independent Python implementation of the whitepaper (hashlib, hmac and the `cryptography`
// package's X25519 and ChaCha20-Poly1305): static keys clamp(0x11…) and clamp(0x22…), ephemerals clamp(0x33…) and
// clamp(0x44…), TAI64N of 1700000000.5 s, indices 0x01020304 and 0x0a0b0c0d, MAC1 filled, MAC2 zero, and the
// initiator's first transport message carrying "hello" (counter 0).
const knownAnswers = [
  {
    name: 'without a preshared key',
    psk: undefined,
    initiation:
      '01000000040302017b0d47d93427f8311160781c7c733fd89f88970aef490d8aa0ee19a4cb8a1b1481e498317da959fba46669572516a5e6c021bfa620bb6c56ca0082e1feae14988c2c64d024c617734a263f76a008df04d0f94bad8ee75ec8fcc26955822044b2d7331053ca37046285bfbc84484f9e51ab888f740717d97bef7d694f00000000000000000000000000000000',
    response:
      '020000000d0c0b0a04030201ff2ee45601ec1b67310c7790404585ae697331eee1c1f8cf2419731c1fff3e6b6a1ecf41511921e68a5a2d163fdd5815a8779cd1e241ab9344e2239768031cd100000000000000000000000000000000',
    transport: '040000000d0c0b0a0000000000000000bca9d6d2464b87de25264175ba526f1595310910bee8bb8727c303c88d51e419',
  },
  {
    name: 'with preshared key 0x55…',
    psk: new Uint8Array(32).fill(0x55),
    initiation:
      '01000000040302017b0d47d93427f8311160781c7c733fd89f88970aef490d8aa0ee19a4cb8a1b1481e498317da959fba46669572516a5e6c021bfa620bb6c56ca0082e1feae14988c2c64d024c617734a263f76a008df04d0f94bad8ee75ec8fcc26955822044b2d7331053ca37046285bfbc84484f9e51ab888f740717d97bef7d694f00000000000000000000000000000000',
    response:
      '020000000d0c0b0a04030201ff2ee45601ec1b67310c7790404585ae697331eee1c1f8cf2419731c1fff3e6bf24675d8e9426f202cf69a0d865b210f21f9308defcc25a88ba5141290efda1200000000000000000000000000000000',
    transport: '040000000d0c0b0a0000000000000000643526f2702defcdbd5d064c77112b4d1dc2a630324ce847c671aacf5d5293da',
  },
];

for (const vector of knownAnswers) {
  for (const aead of Object.values(aeadImplementations)) {
    test(`known-answer handshake ${vector.name} (${aead.name} AEAD)`, (t) => {
      const initiatorSide = new Side(clampPrivateKey(new Uint8Array(32).fill(0x11)));
      const responderSide = new Side(clampPrivateKey(new Uint8Array(32).fill(0x22)));
      const atInitiator = initiatorSide.addPeer('responder', responderSide, vector.psk);
      responderSide.addPeer('initiator', initiatorSide, vector.psk);

      const initiation = unwrap(
        createInitiation(atInitiator.handshake, {
          localIndex: 0x01020304,
          timestamp: encodeTai64n(1_700_000_000_500),
          random: sequenceRandom(new Uint8Array(32).fill(0x33)),
          aead,
        }),
      );
      new CookieGenerator(responderSide.identity.publicKey, { aead }).addMacs(initiation.bytes, 0);
      t.is(toHex(initiation.bytes), vector.initiation);

      const received = unwrap(parseMessage(hex(vector.initiation))) as InitiationMessage;
      t.true(new CookieChecker(responderSide.identity.publicKey).checkMac1(received.bytes));
      const peer = unwrap(consumeInitiation(responderSide.identity, received, responderSide.lookup, { now: 0, aead }));
      t.is(peer.name, 'initiator');
      const response = unwrap(
        createResponse(peer.handshake, {
          localIndex: 0x0a0b0c0d,
          random: sequenceRandom(new Uint8Array(32).fill(0x44)),
          aead,
        }),
      );
      new CookieGenerator(initiatorSide.identity.publicKey, { aead }).addMacs(response.bytes, 0);
      t.is(toHex(response.bytes), vector.response);

      unwrap(
        consumeResponse(atInitiator.handshake, unwrap(parseMessage(hex(vector.response))) as ResponseMessage, { aead }),
      );
      const initiatorKeys = unwrap(deriveKeypair(atInitiator.handshake, { now: 0, aead }));
      const responderKeys = unwrap(deriveKeypair(peer.handshake, { now: 0, aead }));
      t.true(initiatorKeys.isInitiator);
      t.false(responderKeys.isInitiator);
      t.is(initiatorKeys.remoteIndex, 0x0a0b0c0d);
      t.is(responderKeys.remoteIndex, 0x01020304);

      const buffer = new Uint8Array(48);
      buffer.set(new TextEncoder().encode('hello'), 16);
      t.is(unwrap(initiatorKeys.seal(buffer, 5, 0)), 48);
      t.is(toHex(buffer), vector.transport);
      const opened = unwrap(responderKeys.open(hex(vector.transport), 0));
      t.is(new TextDecoder().decode(opened.subarray(0, 5)), 'hello');
    });
  }
}

const pskCases: Array<[string, [Uint8Array | undefined, Uint8Array | undefined]]> = [
  ['without preshared keys', [undefined, undefined]],
  ['with the same preshared key', [new Uint8Array(32).fill(7), new Uint8Array(32).fill(7)]],
];
for (const [name, psks] of pskCases) {
  for (const aead of Object.values(aeadImplementations)) {
    test(`a full handshake ${name} (${aead.name}) gives matching transport keys in both directions`, (t) => {
      const { initiator, responder } = handshakeBetween(psks, aead);
      t.is(initiator.localIndex, responder.remoteIndex);
      t.is(initiator.remoteIndex, responder.localIndex);
      t.true(carries(initiator, responder, 'from the initiator'));
      t.true(carries(responder, initiator, 'from the responder'));
    });
  }
}

test('a preshared key on one side only makes the response fail to authenticate', (t) => {
  const alice = new Side();
  const bob = new Side();
  const bobAtAlice = alice.addPeer('bob', bob, new Uint8Array(32).fill(1));
  bob.addPeer('alice', alice);
  const aliceAtBob = unwrap(consumeInitiation(bob.identity, initiate(bobAtAlice), bob.lookup, { now: 0 }));
  const response = unwrap(createResponse(aliceAtBob.handshake, { localIndex: 5 }));
  t.is(errorOf(consumeResponse(bobAtAlice.handshake, response)), WireGuardError.InvalidAeadTag);
  t.is(bobAtAlice.handshake.state, 'initiation-created', 'a failed response leaves the initiation outstanding');
});

test('a replayed initiation is refused by its timestamp, even after the flood window', (t) => {
  const alice = new Side();
  const bob = new Side();
  const bobAtAlice = alice.addPeer('bob', bob);
  bob.addPeer('alice', alice);
  const initiation = initiate(bobAtAlice);
  t.true(consumeInitiation(bob.identity, initiation, bob.lookup, { now: 0 }).ok);
  t.is(
    errorOf(consumeInitiation(bob.identity, initiation, bob.lookup, { now: 60_000 })),
    WireGuardError.StaleTimestamp,
  );
});

test('an initiation older than the last accepted one is refused; a newer one is accepted', (t) => {
  const alice = new Side();
  const bob = new Side();
  const bobAtAlice = alice.addPeer('bob', bob);
  bob.addPeer('alice', alice);
  const older = initiate(bobAtAlice, 1, encodeTai64n(1_800_000_000_000));
  const newer = initiate(bobAtAlice, 2, encodeTai64n(1_800_000_001_000));
  const newest = initiate(bobAtAlice, 3, encodeTai64n(1_800_000_002_000));
  t.true(consumeInitiation(bob.identity, newer, bob.lookup, { now: 0 }).ok);
  t.is(errorOf(consumeInitiation(bob.identity, older, bob.lookup, { now: 1_000 })), WireGuardError.StaleTimestamp);
  t.true(consumeInitiation(bob.identity, newest, bob.lookup, { now: 2_000 }).ok);
});

test('initiations closer than the flood limit are refused, without changing the handshake', (t) => {
  const alice = new Side();
  const bob = new Side();
  const bobAtAlice = alice.addPeer('bob', bob);
  const aliceAtBob = bob.addPeer('alice', alice);
  t.true(consumeInitiation(bob.identity, initiate(bobAtAlice, 1), bob.lookup, { now: 1_000 }).ok);
  const firstRemoteIndex = aliceAtBob.handshake.remoteIndex;
  t.is(
    errorOf(consumeInitiation(bob.identity, initiate(bobAtAlice, 2), bob.lookup, { now: 1_020 })),
    WireGuardError.HandshakeFlood,
  );
  t.is(aliceAtBob.handshake.remoteIndex, firstRemoteIndex);
  t.true(consumeInitiation(bob.identity, initiate(bobAtAlice, 3), bob.lookup, { now: 1_021 }).ok);
  t.is(aliceAtBob.handshake.remoteIndex, 3);
});

test('an initiation from a key that is not a configured peer is refused', (t) => {
  const stranger = new Side();
  const bob = new Side();
  const bobAtStranger = stranger.addPeer('bob', bob);
  bob.addPeer('someone else', new Side());
  t.is(
    errorOf(consumeInitiation(bob.identity, initiate(bobAtStranger), bob.lookup, { now: 0 })),
    WireGuardError.UnknownPeer,
  );
});

test('an initiation made for another responder key does not decrypt', (t) => {
  const alice = new Side();
  const bob = new Side();
  const carol = new Side();
  const bobAtAlice = alice.addPeer('bob', bob);
  carol.addPeer('alice', alice);
  t.is(
    errorOf(consumeInitiation(carol.identity, initiate(bobAtAlice), carol.lookup, { now: 0 })),
    WireGuardError.InvalidAeadTag,
  );
});

test('a lookup that returns a peer with a different key is treated as unknown', (t) => {
  const alice = new Side();
  const bob = new Side();
  const bobAtAlice = alice.addPeer('bob', bob);
  const wrong = bob.addPeer('mallory', new Side());
  t.is(
    errorOf(consumeInitiation(bob.identity, initiate(bobAtAlice), () => wrong, { now: 0 })),
    WireGuardError.UnknownPeer,
  );
});

test('tampering with any encrypted field of an initiation or response is detected', (t) => {
  const alice = new Side();
  const bob = new Side();
  const bobAtAlice = alice.addPeer('bob', bob);
  bob.addPeer('alice', alice);
  for (const offset of [8, 39, 40, 87, 88, 115]) {
    const initiation = initiate(bobAtAlice);
    initiation.bytes[offset] = (initiation.bytes[offset] as number) ^ 1;
    const result = consumeInitiation(bob.identity, initiation, bob.lookup, { now: offset * 1_000 });
    t.true(
      errorOf(result) === WireGuardError.InvalidAeadTag || errorOf(result) === WireGuardError.InvalidPublicKey,
      `offset ${offset}`,
    );
  }
  const initiation = initiate(bobAtAlice, 77);
  const aliceAtBob = unwrap(consumeInitiation(bob.identity, initiation, bob.lookup, { now: 1_000_000 }));
  const response = unwrap(createResponse(aliceAtBob.handshake, { localIndex: 78 }));
  for (const offset of [12, 43, 44, 59]) {
    const tampered = unwrap(parseMessage(Uint8Array.from(response.bytes))) as ResponseMessage;
    tampered.bytes[offset] = (tampered.bytes[offset] as number) ^ 1;
    t.is(errorOf(consumeResponse(bobAtAlice.handshake, tampered)), WireGuardError.InvalidAeadTag, `offset ${offset}`);
  }
  t.true(consumeResponse(bobAtAlice.handshake, response).ok);
});

test('a low-order ephemeral key in an initiation is refused', (t) => {
  const alice = new Side();
  const bob = new Side();
  const bobAtAlice = alice.addPeer('bob', bob);
  bob.addPeer('alice', alice);
  const initiation = initiate(bobAtAlice);
  initiation.bytes.fill(0, 8, 40);
  t.is(errorOf(consumeInitiation(bob.identity, initiation, bob.lookup, { now: 0 })), WireGuardError.InvalidPublicKey);
});

test('a peer with a low-order public key is unusable and no initiation is made for it', (t) => {
  const alice = new Side();
  const handshake = new Handshake(alice.identity, new Uint8Array(32));
  t.false(handshake.isUsable);
  t.is(
    errorOf(createInitiation(handshake, { localIndex: 1, timestamp: nextTimestamp() })),
    WireGuardError.InvalidPublicKey,
  );
});

test('steps out of order are refused with WrongState or WrongIndex', (t) => {
  const alice = new Side();
  const bob = new Side();
  const bobAtAlice = alice.addPeer('bob', bob);
  const aliceAtBob = bob.addPeer('alice', alice);
  t.is(errorOf(createResponse(aliceAtBob.handshake, { localIndex: 1 })), WireGuardError.WrongState);
  t.is(errorOf(deriveKeypair(bobAtAlice.handshake, { now: 0 })), WireGuardError.WrongState);

  const initiation = initiate(bobAtAlice, 10);
  unwrap(consumeInitiation(bob.identity, initiation, bob.lookup, { now: 0 }));
  const response = unwrap(createResponse(aliceAtBob.handshake, { localIndex: 20 }));
  t.is(
    errorOf(consumeResponse(aliceAtBob.handshake, response)),
    WireGuardError.WrongState,
    'the responder never initiated',
  );

  const misaddressed = unwrap(parseMessage(Uint8Array.from(response.bytes))) as ResponseMessage;
  new DataView(misaddressed.bytes.buffer).setUint32(8, 11, true);
  t.is(
    errorOf(consumeResponse(bobAtAlice.handshake, unwrap(parseMessage(misaddressed.bytes)) as ResponseMessage)),
    WireGuardError.WrongIndex,
  );

  unwrap(consumeResponse(bobAtAlice.handshake, response));
  t.is(
    errorOf(consumeResponse(bobAtAlice.handshake, response)),
    WireGuardError.WrongState,
    'a response is consumed once',
  );
});

test('deriving the keypair zeroes every transient secret and hands the index over', (t) => {
  const alice = new Side();
  const bob = new Side();
  const bobAtAlice = alice.addPeer('bob', bob, new Uint8Array(32).fill(3));
  const aliceAtBob = bob.addPeer('alice', alice, new Uint8Array(32).fill(3));
  unwrap(consumeInitiation(bob.identity, initiate(bobAtAlice, 10), bob.lookup, { now: 0 }));
  unwrap(consumeResponse(bobAtAlice.handshake, unwrap(createResponse(aliceAtBob.handshake, { localIndex: 20 }))));
  const keypair = unwrap(deriveKeypair(bobAtAlice.handshake, { now: 0 }));
  t.is(keypair.localIndex, 10);
  for (const handshake of [bobAtAlice.handshake]) {
    t.is(handshake.state, 'zeroed');
    t.is(handshake.localIndex, 0);
    const [symbol] = Object.getOwnPropertySymbols(handshake);
    const secrets = (handshake as unknown as Record<symbol, Record<string, unknown>>)[symbol as symbol] as Record<
      string,
      Uint8Array
    >;
    for (const field of ['chainKey', 'hash', 'localEphemeral', 'remoteEphemeral'] as const) {
      t.true(isAllZero(secrets[field] as Uint8Array), field);
    }
    t.true(handshake.hasPresharedKey, 'the configured preshared key stays');
  }
});

test('simultaneous initiations: consuming the peer’s initiation abandons ours, and the handshake still completes', (t) => {
  const alice = new Side();
  const bob = new Side();
  const bobAtAlice = alice.addPeer('bob', bob);
  const aliceAtBob = bob.addPeer('alice', alice);
  const fromAlice = initiate(bobAtAlice, 100);
  initiate(aliceAtBob, 200);
  unwrap(consumeInitiation(bob.identity, fromAlice, bob.lookup, { now: 0 }));
  t.is(aliceAtBob.handshake.state, 'initiation-consumed');
  t.is(aliceAtBob.handshake.localIndex, 200, 'our abandoned index stays for the engine to free');
  const response = unwrap(createResponse(aliceAtBob.handshake, { localIndex: 201 }));
  unwrap(consumeResponse(bobAtAlice.handshake, response));
  const initiator = unwrap(deriveKeypair(bobAtAlice.handshake, { now: 0 }));
  const responder = unwrap(deriveKeypair(aliceAtBob.handshake, { now: 0 }));
  t.true(carries(initiator, responder, 'resolved'));
});

test('after a new local identity the old initiations no longer verify', (t) => {
  const alice = new Side();
  const bob = new Side();
  const bobAtAlice = alice.addPeer('bob', bob);
  const aliceAtBob = bob.addPeer('alice', alice);
  const newAlice = new LocalIdentity(generatePrivateKey());
  bobAtAlice.handshake.setLocalIdentity(newAlice);
  const initiation = initiate(bobAtAlice);
  // Bob still expects Alice's old key, so the initiation names a stranger.
  t.is(errorOf(consumeInitiation(bob.identity, initiation, bob.lookup, { now: 0 })), WireGuardError.UnknownPeer);
  t.is(aliceAtBob.handshake.state, 'zeroed');
  t.deepEqual(publicKeyFromPrivate(newAlice.privateKey), newAlice.publicKey);
});

test('invalid configuration is a programming error', (t) => {
  const alice = new Side();
  t.throws(() => new Handshake(alice.identity, new Uint8Array(31)), { instanceOf: RangeError });
  t.throws(() => new Handshake(alice.identity, new Side().identity.publicKey, new Uint8Array(16)), {
    instanceOf: RangeError,
  });
});

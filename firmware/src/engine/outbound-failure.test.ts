// The outbound pipeline numbers messages in one pass and seals each peer's list in a second: whatever throws in
// between, a numbered message must never be sealed twice (the same keystream twice gives the plaintext back) nor
// sent later. A minimal context around the real Outbound and Keypairs; the wire is whatever the bind is given.
import { randomBytes } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import { PacketBatch, type Packets } from '../io/packets.js';
import { Keypair } from '../protocol/keypair.js';
import { type EngineContext } from './context.js';
import { Outbound } from './outbound.js';
import { type Peer } from './peer.js';

interface FakePeer {
  readonly name: string;
  readonly sending: Keypair;
  readonly receiving: Keypair;
}

function fakePeer(name: string): FakePeer {
  const sendKey = randomBytes(32);
  const receiveKey = randomBytes(32);
  const init = { localIndex: 1, remoteIndex: 2, isInitiator: false, createdAt: 0 };
  return {
    name,
    sending: new Keypair({ ...init, sendKey, receiveKey }),
    receiving: new Keypair({ ...init, localIndex: 2, remoteIndex: 1, sendKey: receiveKey, receiveKey: sendKey }),
  };
}

/** An Outbound whose peers are picked by the IPv4 destination's last byte; `sent` records the wire. */
function outbound(peers: readonly FakePeer[], timersThrowOnce = false) {
  const sent: { peer: FakePeer; message: Uint8Array }[] = [];
  const enginePeers = peers.map((fake) => ({
    fake,
    endpoint: { toString: () => fake.name },
    staged: [] as Uint8Array[],
    current: fake.sending,
    txBytes: 0,
    sendableKeypair: (now: number) => (fake.sending.isExpired(now) ? null : fake.sending),
    stage: () => true,
  }));
  let throwNext = timersThrowOnce;
  const timers = {
    timersAnyAuthenticatedPacketTraversal: () => {
      if (throwNext) {
        throwNext = false;
        throw new Error('an internal error after the first send');
      }
    },
    timersAnyAuthenticatedPacketSent: () => undefined,
    timersDataSent: () => undefined,
  };
  const context = {
    clock: { now: () => 1000, wallTime: () => 0 },
    tun: { mtu: 1420 },
    bind: {
      send: (packets: Packets, endpoint: { toString(): string }) => {
        const peer = peers.find((fake) => fake.name === endpoint.toString())!;
        for (let i = 0; i < packets.count; i++) {
          const offset = packets.offsets[i]!;
          sent.push({ peer, message: packets.data.slice(offset, offset + packets.lengths[i]!) });
        }
        return packets.count;
      },
    },
    log: { warn: () => undefined, info: () => undefined, debug: () => undefined },
    timers: new Map(enginePeers.map((peer) => [peer, timers])),
    allowedIps: {
      lookupV4: (data: Uint8Array, offset: number) => enginePeers[data[offset + 3]!],
      lookupV6: () => undefined,
    },
    drops: { add: () => undefined },
  } as unknown as EngineContext;
  return { pipeline: new Outbound(context, () => undefined), sent, peers: enginePeers as unknown as Peer[] };
}

/** A 64-byte IPv4 packet to peer `to` (its index), its payload all `fill`. */
function ipPacket(to: number, fill: number): Uint8Array {
  const packet = new Uint8Array(64);
  packet[0] = 0x45;
  packet[3] = 64;
  packet[19] = to;
  packet.fill(fill, 20);
  return packet;
}

function counterOf(message: Uint8Array): bigint {
  return Buffer.from(message.subarray(8, 16)).readBigUInt64LE();
}

/** Every message on the wire opens at its peer, and no peer sees a counter twice. */
function assertWireSound(t: ExecutionContext, sent: readonly { peer: FakePeer; message: Uint8Array }[]) {
  const seen = new Set<string>();
  for (const { peer, message } of sent) {
    const key = `${peer.name}:${counterOf(message)}`;
    t.false(seen.has(key), `counter ${key} went out twice`);
    seen.add(key);
    t.true(peer.receiving.open(Uint8Array.from(message), 1000).ok, `message ${key} does not open: sealed twice?`);
    const inner = message.subarray(16 + 20, 16 + 64);
    t.false(
      inner.every((byte) => byte === inner[0]),
      `message ${key} carries its payload in clear`,
    );
  }
}

test('an error after a peer was sent to drops what the batch numbered, and the next batch seals only its own', (t) => {
  const a = fakePeer('a');
  const { pipeline, sent } = outbound([a], true);
  const batch = new PacketBatch({ capacity: 4, maxPacket: 1500, headroom: 16, tailroom: 32 });
  batch.append(ipPacket(0, 0x41));
  batch.append(ipPacket(0, 0x42));
  t.throws(() => pipeline.onTunBatch(batch), { message: /internal error/ });
  batch.clear();
  batch.append(ipPacket(0, 0x43)); // the same slot, the same buffer
  pipeline.onTunBatch(batch);
  t.is(sent.length, 3);
  assertWireSound(t, sent);
});

test('a TUN batch larger than the default of 128 packets for one peer goes out whole and sealed', (t) => {
  const a = fakePeer('a');
  const b = fakePeer('b');
  const { pipeline, sent } = outbound([a, b]);
  const batch = new PacketBatch({ capacity: 140, maxPacket: 1500, headroom: 16, tailroom: 32 });
  for (let i = 0; i < 5; i++) {
    batch.append(ipPacket(0, 0x41));
  }
  for (let i = 0; i < 129; i++) {
    batch.append(ipPacket(1, 0x42));
  }
  pipeline.onTunBatch(batch);
  batch.clear();
  for (let i = 0; i < 5; i++) {
    batch.append(ipPacket(0, 0x43));
  }
  pipeline.onTunBatch(batch);
  t.is(sent.length, 5 + 129 + 5);
  assertWireSound(t, sent);
});

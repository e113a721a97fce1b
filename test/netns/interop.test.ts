// Interoperability of our userspace WireGuard engine (`burrow-wg`, "local") with the reference
// implementation (`wireguard-go`, "remote"), each in its own network namespace, configured and read
// only through the stock `wg` and `ip` tools. Every test builds a fresh pair and tears it down again.
// Every test runs against both references (under-test.ts): Debian's installed wireguard-go and the
// newer 0.0.20231211 with offloads (GSO/GRO trains on the wire, coalesced TCP on its TUN).
//
// BURROW_INTEROP_IMPL=wireguard-go runs the same suite with wireguard-go on both sides, which proves
// the harness itself (see under-test.ts).
import { type ExecutionContext } from 'ava';
import { run } from '../helpers/netns-exec.js';
import { ping, type PingResult } from '../helpers/netns-ping.js';
import { NetnsLab, udpDatagramsReceived, writeSysctl } from '../helpers/netns.js';
import { generatePresharedKeyFile, generateUnrelatedPublicKey } from '../helpers/wg-keys.js';
import {
  createTunnelPair,
  LISTEN_PORT,
  LOCAL_UNDERLAY,
  type TunnelPair,
  type TunnelPairOptions,
  UNDERLAY_DEVICE,
} from '../helpers/wg-pair.js';
import { formatEndpoint, type WgPeer, withoutPrefix } from '../helpers/wg-peer.js';
import { endpoints, latestHandshakes, peers, transfers } from '../helpers/wg-show.js';
import { transfer } from './tcp-transfer.js';
import { netnsTestAgainst, REFERENCES, UNDER_TEST } from './under-test.js';

const ROAMED_IPV4_UNDERLAY = '192.0.2.3/24';
const TRANSFER_BYTES = 100 * 1024 * 1024;
const TRANSFER_TIMEOUT_MS = 60_000;
/** Long enough for the first handshake (and a retry) to complete before a ping counts as lost. */
const CONNECT_DEADLINE_S = 10;
/** How long a ping that must fail keeps trying: covers at least one handshake attempt each way. */
const FAIL_DEADLINE_S = 3;

const referenceTests = await Promise.all(
  REFERENCES.map(async (reference) => ({ reference, netnsTest: await netnsTestAgainst(reference) })),
);

/**
 * Declares a serial test on a fresh pair, once per reference; on failure, the daemons' output is
 * attached to the report.
 */
function pairTest(
  title: string,
  body: (t: ExecutionContext, pair: TunnelPair, lab: NetnsLab) => Promise<void>,
  options: Partial<TunnelPairOptions> | (() => Promise<Partial<TunnelPairOptions>>) = {},
): void {
  for (const { reference, netnsTest } of referenceTests) {
    netnsTest(`${UNDER_TEST.kind} ↔ ${reference.kind}: ${title}`, async (t) => {
      const lab = await NetnsLab.create('interop');
      t.teardown(() => lab.close());
      const pairOptions = typeof options === 'function' ? await options() : options;
      const pair = await createTunnelPair(lab, { local: UNDER_TEST, remote: reference, ...pairOptions });
      try {
        await body(t, pair, lab);
      } catch (error) {
        t.log(pair.local.process.describeOutput());
        t.log(pair.remote.process.describeOutput());
        throw error;
      }
    });
  }
}

function assertReplies(t: ExecutionContext, result: PingResult, wanted: number, what: string): void {
  t.true(result.received >= wanted, `${what}: ${result.received}/${wanted} replies\n${result.output}`);
}

function assertNoReplies(t: ExecutionContext, result: PingResult, what: string): void {
  t.true(result.transmitted > 0, `${what}: ping sent nothing\n${result.output}`);
  t.is(result.received, 0, `${what}: expected no replies\n${result.output}`);
}

async function pingConnects(t: ExecutionContext, from: WgPeer, to: WgPeer, address: string): Promise<void> {
  const result = await ping(from.ns, address, { count: 3, intervalSeconds: 0.1, deadlineSeconds: CONNECT_DEADLINE_S });
  assertReplies(t, result, 3, `ping ${address} from ${from.implementation.kind} (${from.ns})`);
}

async function handshakeOf(peer: WgPeer, publicKey: string): Promise<number | undefined> {
  return (await latestHandshakes(peer.ns, peer.ifname)).get(publicKey);
}

pairTest('ping both ways over IPv4 and IPv6 inside the tunnel', async (t, { local, remote }) => {
  for (const [from, to] of [
    [local, remote],
    [remote, local],
  ] as const) {
    await pingConnects(t, from, to, to.ipv4);
    await pingConnects(t, from, to, to.ipv6);
  }
});

pairTest('100 MiB over TCP each way arrives intact (SHA-256)', async (t, { local, remote }, lab) => {
  const outbound = await transfer(
    lab,
    local.ns,
    remote.ns,
    remote.ipv4,
    TRANSFER_BYTES,
    'outbound',
    TRANSFER_TIMEOUT_MS,
  );
  const inbound = await transfer(lab, remote.ns, local.ns, local.ipv6, TRANSFER_BYTES, 'inbound', TRANSFER_TIMEOUT_MS);
  for (const [name, result] of [
    ['local → remote over IPv4', outbound],
    ['remote → local over IPv6', inbound],
  ] as const) {
    t.is(result.sent.bytes, TRANSFER_BYTES, `${name}: bytes sent`);
    t.is(result.received.bytes, TRANSFER_BYTES, `${name}: bytes received`);
    t.is(result.received.sha256, result.sent.sha256, `${name}: SHA-256`);
    const mbits = (TRANSFER_BYTES * 8) / 1e6 / result.received.seconds;
    t.log(`${name}: ${mbits.toFixed(0)} Mbit/s`);
  }
  t.not(inbound.sent.sha256, outbound.sent.sha256, 'the two directions carried different data');

  // Our counters saw at least the payload, both ways (encryption only adds bytes).
  const counters = (await transfers(local.ns, local.ifname)).get(remote.publicKey);
  t.true((counters?.txBytes ?? 0) >= TRANSFER_BYTES, `tx bytes ${counters?.txBytes}`);
  t.true((counters?.rxBytes ?? 0) >= TRANSFER_BYTES, `rx bytes ${counters?.rxBytes}`);
});

for (const initiator of ['local', 'remote'] as const) {
  for (const underlay of ['ipv4', 'ipv6'] as const) {
    pairTest(
      `handshake initiated by the ${initiator} side over an ${underlay} underlay`,
      async (t, pair) => {
        const sender = pair[initiator];
        const responder = initiator === 'local' ? pair.remote : pair.local;
        t.is(await handshakeOf(sender, responder.publicKey), 0, 'no handshake before any traffic');
        t.is(await handshakeOf(responder, sender.publicKey), 0, 'no handshake before any traffic');

        const before = Math.floor(Date.now() / 1000);
        // Only the sender knows an endpoint, so only it can have initiated.
        await pingConnects(t, sender, responder, responder.ipv4);
        for (const [peer, other] of [
          [sender, responder],
          [responder, sender],
        ] as const) {
          const handshake = (await handshakeOf(peer, other.publicKey)) ?? 0;
          t.true(
            handshake >= before - 1 && handshake <= Math.ceil(Date.now() / 1000) + 1,
            `${peer.implementation.kind} (${peer.ns}) latest handshake ${handshake}, expected just now`,
          );
        }

        // The responder learnt where the sender is from the handshake, and can now reach it.
        const senderUnderlay = initiator === 'local' ? pair.link.a.addresses : pair.link.b.addresses;
        t.is(
          (await endpoints(responder.ns, responder.ifname)).get(sender.publicKey),
          formatEndpoint(withoutPrefix(senderUnderlay[underlay]), LISTEN_PORT),
          'the responder sees the initiator at its underlay address and listen port',
        );
        await pingConnects(t, responder, sender, sender.ipv6);
      },
      { endpointsKnownBy: initiator, underlay },
    );
  }
}

pairTest('wg show on our interface reports the handshake and growing byte counters', async (t, { local, remote }) => {
  await pingConnects(t, local, remote, remote.ipv4);
  const before = (await transfers(local.ns, local.ifname)).get(remote.publicKey);
  t.truthy(before, 'wg show lists the peer');

  const pings = 20;
  const payload = 1000;
  for (const [from, to] of [
    [local, remote],
    [remote, local],
  ] as const) {
    const result = await ping(from.ns, to.ipv4, {
      count: pings,
      intervalSeconds: 0.02,
      deadlineSeconds: CONNECT_DEADLINE_S,
      payloadBytes: payload,
    });
    assertReplies(t, result, pings, `ping with ${payload}-byte payload`);
  }
  const after = (await transfers(local.ns, local.ifname)).get(remote.publicKey);
  // Each way: `pings` requests and `pings` replies of at least `payload` bytes crossed our interface.
  const grown = 2 * pings * payload;
  t.true((after?.txBytes ?? 0) - (before?.txBytes ?? 0) >= grown, `tx ${before?.txBytes} → ${after?.txBytes}`);
  t.true((after?.rxBytes ?? 0) - (before?.rxBytes ?? 0) >= grown, `rx ${before?.rxBytes} → ${after?.rxBytes}`);

  const shown = await local.wg(['show', local.ifname]);
  t.regex(shown, new RegExp(`^interface: ${local.ifname}$`, 'm'));
  t.regex(shown, new RegExp(`^  public key: ${escapeRegExp(local.publicKey)}$`, 'm'));
  t.regex(shown, new RegExp(`^  listening port: ${LISTEN_PORT}$`, 'm'));
  t.regex(shown, new RegExp(`^peer: ${escapeRegExp(remote.publicKey)}$`, 'm'));
  t.regex(shown, /^ {2}latest handshake: .*seconds? ago$/m);
  t.regex(shown, /^ {2}transfer: [\d.]+ [KMG]?i?B received, [\d.]+ [KMG]?i?B sent$/m);
  t.regex(shown, new RegExp(`^  allowed ips: ${escapeRegExp(remote.ipv4)}/32, ${escapeRegExp(remote.ipv6)}/128$`, 'm'));
  t.notRegex(shown, /private key: [A-Za-z0-9+/]{43}=/, 'wg show hides the private key');
});

pairTest('roaming: the remote moves to a new IPv4 address, then to IPv6, and traffic follows', async (t, pair) => {
  const { local, remote } = pair;
  await pingConnects(t, local, remote, remote.ipv4);
  const ip = (args: readonly string[]): Promise<unknown> => run(['ip', '-n', remote.ns, ...args]);
  const localEndpoint = (family: 'ipv4' | 'ipv6'): string =>
    formatEndpoint(withoutPrefix(LOCAL_UNDERLAY[family]), LISTEN_PORT);

  // A new address, then the old one goes: without promotion Linux would drop the new (secondary)
  // address together with the old primary one.
  await writeSysctl(remote.ns, `net/ipv4/conf/${UNDERLAY_DEVICE}/promote_secondaries`, '1');
  await ip(['address', 'add', ROAMED_IPV4_UNDERLAY, 'dev', UNDERLAY_DEVICE]);
  await ip(['address', 'del', pair.link.b.addresses.ipv4, 'dev', UNDERLAY_DEVICE]);
  // wireguard-go keeps sending from the address it last used ("sticky" source) and only forgets it
  // on EINVAL, not on the ENETUNREACH a vanished address gives; setting the same endpoint again
  // resets it, as a roaming client's network manager would.
  await remote.wg(['set', remote.ifname, 'peer', local.publicKey, 'endpoint', localEndpoint('ipv4')]);
  // The roaming side speaks first: its authenticated packets tell our side where it is now.
  await pingConnects(t, remote, local, local.ipv4);
  t.is(
    (await endpoints(local.ns, local.ifname)).get(remote.publicKey),
    formatEndpoint(withoutPrefix(ROAMED_IPV4_UNDERLAY), LISTEN_PORT),
    'our side follows the remote to its new IPv4 address',
  );
  await pingConnects(t, local, remote, remote.ipv4);

  // Now to another address family: the remote loses IPv4 and reaches us over IPv6.
  await remote.wg(['set', remote.ifname, 'peer', local.publicKey, 'endpoint', localEndpoint('ipv6')]);
  await ip(['address', 'del', ROAMED_IPV4_UNDERLAY, 'dev', UNDERLAY_DEVICE]);
  await pingConnects(t, remote, local, local.ipv6);
  t.is(
    (await endpoints(local.ns, local.ifname)).get(remote.publicKey),
    formatEndpoint(withoutPrefix(pair.link.b.addresses.ipv6), LISTEN_PORT),
    'our side follows the remote to IPv6',
  );
  await pingConnects(t, local, remote, remote.ipv4);
});

pairTest('removing the peer with wg set … remove stops traffic both ways', async (t, { local, remote }) => {
  await pingConnects(t, local, remote, remote.ipv4);
  await local.wg(['set', local.ifname, 'peer', remote.publicKey, 'remove']);
  t.deepEqual(await peers(local.ns, local.ifname), [], 'wg show lists no peer');

  const [outbound, inbound] = await Promise.all([
    ping(local.ns, remote.ipv4, { count: 1, deadlineSeconds: FAIL_DEADLINE_S }),
    ping(remote.ns, local.ipv4, { count: 1, deadlineSeconds: FAIL_DEADLINE_S }),
  ]);
  assertNoReplies(t, outbound, 'local → remote after removal');
  assertNoReplies(t, inbound, 'remote → local after removal');
});

pairTest(
  'a peer configured with the wrong public key never completes a handshake',
  async (t, { local, remote }) => {
    const localDatagrams = await udpDatagramsReceived(local.ns);
    const remoteDatagrams = await udpDatagramsReceived(remote.ns);
    const [outbound, inbound] = await Promise.all([
      ping(local.ns, remote.ipv4, { count: 1, deadlineSeconds: FAIL_DEADLINE_S }),
      ping(remote.ns, local.ipv4, { count: 1, deadlineSeconds: FAIL_DEADLINE_S }),
    ]);
    assertNoReplies(t, outbound, 'local → remote');
    assertNoReplies(t, inbound, 'remote → local');
    // Handshake initiations did reach each side's socket; they were refused, not lost.
    t.true((await udpDatagramsReceived(remote.ns)) > remoteDatagrams, 'the remote received our initiations');
    t.true((await udpDatagramsReceived(local.ns)) > localDatagrams, 'we received the remote initiations');
    for (const peer of [local, remote]) {
      for (const [key, handshake] of await latestHandshakes(peer.ns, peer.ifname)) {
        t.is(handshake, 0, `${peer.implementation.kind} (${peer.ns}) has a handshake with ${key}`);
      }
    }
  },
  async () => ({ remoteKeyAsSeenByLocal: await generateUnrelatedPublicKey() }),
);

for (const matching of [true, false]) {
  pairTest(
    matching
      ? 'the same preshared key on both sides: the handshake completes and traffic flows'
      : 'different preshared keys: no handshake completes and no traffic flows',
    async (t, { local, remote }, lab) => {
      const localKeyFile = await generatePresharedKeyFile(lab.tempDir);
      const remoteKeyFile = matching ? localKeyFile : await generatePresharedKeyFile(lab.tempDir);
      await local.wg(['set', local.ifname, 'peer', remote.publicKey, 'preshared-key', localKeyFile]);
      await remote.wg(['set', remote.ifname, 'peer', local.publicKey, 'preshared-key', remoteKeyFile]);
      if (matching) {
        await pingConnects(t, local, remote, remote.ipv4);
        await pingConnects(t, remote, local, local.ipv6);
        t.not(await handshakeOf(local, remote.publicKey), 0, 'our side completed a handshake');
        return;
      }
      const [outbound, inbound] = await Promise.all([
        ping(local.ns, remote.ipv4, { count: 1, deadlineSeconds: FAIL_DEADLINE_S }),
        ping(remote.ns, local.ipv4, { count: 1, deadlineSeconds: FAIL_DEADLINE_S }),
      ]);
      assertNoReplies(t, outbound, 'local → remote');
      assertNoReplies(t, inbound, 'remote → local');
      t.is(await handshakeOf(local, remote.publicKey), 0, 'our side has no handshake');
      t.is(await handshakeOf(remote, local.publicKey), 0, 'the remote has no handshake');
    },
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// A handshake now, on request (the recovery console's "test the tunnel"): does the server of the profile that carries
// traffic answer, and how fast?
//
//   1. the engine's own view of the first peer: its endpoint (where it sends now, after any roaming)
//   2. the peer is removed and added back unchanged over the UAPI, as `wg set IF peer K remove` and `wg set IF peer
//      K ...` would: its sessions go, so the next packet needs a fresh handshake. Nothing else changes the tunnel,
//      and the kill switch keeps LAN traffic on the tunnel interface meanwhile (it only waits a round trip).
//   3. a persistent keepalive turned on makes the engine say hello at once (wireguard-go and burrow-wg both send a
//      keepalive when the interval goes from 0 to non-zero, which needs a handshake first); a peer configured without
//      one gets it back to 0 afterwards
//   4. the last-handshake time moving from 0 is the answer; its delay from step 2 is the latency
import { setTimeout as sleep } from 'node:timers/promises';
import { type TunnelState } from '../control/desired-state.js';
import { engineChange } from '../control/engine-config.js';
import { uapiSet } from '../control/uapi-client.js';
import { decodeKeyBase64 } from '../crypto/keys.js';
import { Endpoint } from '../io/endpoint.js';
import { readPeers } from './status.js';

export const HANDSHAKE_WAIT_MS = 5_000;
const POLL_MS = 20;
/** The keepalive that starts the handshake for a peer configured without one; put back to 0 afterwards. */
const KICK_KEEPALIVE_S = 25;

export interface ProfileRef {
  readonly id: number;
  readonly name: string;
}

export type HandshakeAnswer =
  | { ok: true; profile: ProfileRef | null; endpoint: string; latencyMs: number }
  | { ok: false; profile: ProfileRef | null; error: string };

export interface HandshakeInput {
  /** The tunnel in force; null when none carries traffic. */
  readonly tunnel: TunnelState | null;
  /** The profile it came from (null for a version-1 state burrowd was given directly). */
  readonly profile: ProfileRef | null;
  /** The engine's UAPI socket. */
  readonly socketPath: string | null;
  readonly waitMs?: number;
}

export async function handshakeNow(input: HandshakeInput): Promise<HandshakeAnswer> {
  const { tunnel, profile, socketPath } = input;
  const peer = tunnel?.peers[0];
  if (tunnel === null || peer === undefined || socketPath === null) {
    return { ok: false, profile, error: 'no tunnel configured' };
  }
  // 1. Where the engine sends now.
  const known = (await readPeers(socketPath))?.find((candidate) => candidate.publicKey === peer.publicKey);
  if (known === undefined) {
    return { ok: false, profile, error: 'the tunnel engine does not answer or does not know the server' };
  }
  if (known.endpoint === null) {
    return {
      ok: false,
      profile,
      error: `the server's address ${peer.endpoint} is not known (its name did not resolve)`,
    };
  }
  const endpoint = known.endpoint;
  const change = engineChange(
    { ...tunnel, peers: [peer] },
    { endpoints: new Map([[peer.publicKey, Endpoint.parse(endpoint)]]), problems: [] },
  );
  const added = change.peers[0]!;
  const keepalive = added.persistentKeepaliveInterval ?? 0;
  // 2. Remove, then add back: a fresh handshake, nothing else changed.
  await uapiSet(socketPath, {
    replacePeers: false,
    peers: [{ ...keyOnly(peer.publicKey), remove: true }],
  });
  const started = performance.now();
  // 3. Say hello now.
  await uapiSet(socketPath, {
    replacePeers: false,
    peers: [{ ...added, persistentKeepaliveInterval: keepalive > 0 ? keepalive : KICK_KEEPALIVE_S }],
  });
  try {
    // 4. The answer.
    const deadline = started + (input.waitMs ?? HANDSHAKE_WAIT_MS);
    while (performance.now() < deadline) {
      const now = (await readPeers(socketPath))?.find((candidate) => candidate.publicKey === peer.publicKey);
      if (now !== undefined && now.lastHandshake !== null) {
        return { ok: true, profile, endpoint, latencyMs: Math.round(performance.now() - started) };
      }
      await sleep(POLL_MS);
    }
    const seconds = (input.waitMs ?? HANDSHAKE_WAIT_MS) / 1000;
    return { ok: false, profile, error: `no answer from ${endpoint} within ${seconds} s` };
  } finally {
    if (keepalive === 0) {
      await uapiSet(socketPath, {
        replacePeers: false,
        peers: [{ ...keyOnly(peer.publicKey), updateOnly: true, persistentKeepaliveInterval: 0 }],
      });
    }
  }
}

function keyOnly(publicKey: string) {
  const decoded = decodeKeyBase64(publicKey);
  if (!decoded.ok) {
    throw new Error(`invalid key in a validated state: ${decoded.reason}`);
  }
  return { publicKey: decoded.value, remove: false, updateOnly: false, replaceAllowedIps: false, allowedIps: [] };
}

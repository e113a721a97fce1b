// A background check of a failed upstream profile that leaves the active tunnel alone: a throwaway engine on its
// own interface, with the profile's key and server and nothing routed to it, asked to say hello (a keepalive,
// which needs a handshake first). A completed handshake within the time means the server is back.
// The kill switch lets the engine's marked packets reach every profile's endpoint, so this needs no rule of its own.
import { setTimeout as sleep } from 'node:timers/promises';
import { type UpstreamProfile } from '../control/desired-state-v2.js';
import { engineChange, type ResolvedEndpoints } from '../control/engine-config.js';
import { type EngineManager } from './engine-manager.js';
import { readPeers } from './status.js';

export const PROBE_INTERFACE = 'bprobe0';
const HANDSHAKE_WAIT_MS = 10_000;
const POLL_MS = 250;

export interface ProbeEngine {
  readonly manager: EngineManager;
  readonly fwmark: number;
  /** The throwaway engine's interface (PROBE_INTERFACE unless the board file names another). */
  readonly interface: string;
}

export async function profileAnswers(
  probe: ProbeEngine,
  profile: UpstreamProfile,
  resolved: ResolvedEndpoints,
): Promise<boolean> {
  const tunnel = { ...profile, interface: probe.interface, fwmark: probe.fwmark };
  const change = engineChange(tunnel, resolved);
  try {
    await probe.manager.apply(probe.interface, {
      ...change,
      // Nothing is routed to the probe: no allowed IPs, and a keepalive every second to force the handshake.
      peers: change.peers.map((peer) => ({ ...peer, allowedIps: [], persistentKeepaliveInterval: 1 })),
    });
    const deadline = Date.now() + HANDSHAKE_WAIT_MS;
    while (Date.now() < deadline) {
      const peers = await readPeers(probe.manager.socketPath);
      if (peers?.some((peer) => peer.lastHandshake !== null)) {
        return true;
      }
      await sleep(POLL_MS);
    }
    return false;
  } finally {
    await probe.manager.stop();
  }
}

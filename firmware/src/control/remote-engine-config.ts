// From a desired state's remote access to what its engine (the router as the household's WireGuard server) is told
// over its UAPI socket: the whole configuration every time, with only the devices in force now. An expired device
// is not in it, so it can complete no handshake; burrowd applies again at the next expiry instant by itself.
import { type DeviceChange } from '../engine/device-change.js';
import { allowedIpChanges, keyBytes } from './engine-config.js';
import { activeRemotePeers, type RemoteAccessState } from './household-state.js';

/** setTimeout's longest delay; a later expiry is looked at again after this long. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The complete engine configuration for `remote` at `now`: devices only reach back, so no endpoint, no keepalive. */
export function remoteEngineChange(remote: RemoteAccessState, now: Date): DeviceChange {
  return {
    privateKey: keyBytes(remote.privateKey),
    listenPort: remote.listenPort,
    fwmark: remote.fwmark,
    replacePeers: true,
    peers: activeRemotePeers(remote, now).map((peer) => ({
      publicKey: keyBytes(peer.publicKey),
      remove: false,
      updateOnly: false,
      presharedKey: peer.presharedKey === undefined ? new Uint8Array(32) : keyBytes(peer.presharedKey),
      persistentKeepaliveInterval: 0,
      replaceAllowedIps: true,
      allowedIps: allowedIpChanges(peer.allowedIps),
    })),
  };
}

/** When (ms since the epoch) the next device in force at `now` expires; null when none will. */
export function nextRemoteExpiry(remote: RemoteAccessState | null, now: Date): number | null {
  const instants = (remote === null ? [] : activeRemotePeers(remote, now))
    .map((peer) => (peer.expiresAt === undefined ? null : Date.parse(peer.expiresAt)))
    .filter((instant): instant is number => instant !== null);
  return instants.length === 0 ? null : Math.min(...instants);
}

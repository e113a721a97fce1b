// Who connected to one of our Unix sockets, as the kernel recorded it at connect time (SO_PEERCRED): the only
// trustworthy way for burrowd to tell root and the API's service user from anyone else on the box.
import { type Socket } from 'node:net';
import { loadSockAddon } from './native.js';

export interface PeerCredentials {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

/** The credentials of the process at the other end of a connected Unix socket. */
export function peerCredentials(socket: Socket): PeerCredentials {
  // node:net keeps the descriptor on its internal pipe handle; there is no public accessor.
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) {
    throw new Error('peerCredentials needs a connected Unix socket');
  }
  return loadSockAddon().peerCredentials(fd);
}

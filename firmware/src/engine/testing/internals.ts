// A look at the sizes of the tables an attacker could try to grow, for tests that must show they stay bounded.
// The Device keeps its context private (nothing outside the engine should reach into it); tests read it here, in
// one place, instead of the Device growing an accessor only they would use.
import { type EngineContext } from '../context.js';
import { type Device } from '../device.js';

export interface TableSizes {
  /** Receiver indices in use: handshakes in progress and sessions. */
  readonly indices: number;
  /** Source addresses the handshake rate limiter tracks. */
  readonly rateLimiterSources: number;
  /** Packets waiting for a session, over all peers. */
  readonly staged: number;
}

export function tableSizes(device: Device): TableSizes {
  const context = Reflect.get(device, 'context') as EngineContext;
  let staged = 0;
  for (const peer of context.peers.values()) {
    staged += peer.staged.length;
  }
  return { indices: context.indices.size, rateLimiterSources: context.rateLimiter.size, staged };
}

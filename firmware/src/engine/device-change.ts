// What the engine takes and gives as configuration: a validated change to apply all or nothing, a snapshot to
// report, and the errors a change can fail with. The UAPI in control/ parses wg(8)'s text into these and renders
// snapshots back; the engine never sees that text, so it depends on nothing in control/.
import type { Endpoint } from '../io/endpoint.js';
import type { IpPrefix } from '../net/ip.js';

/** Errno values as wireguard-go reports them: negative, after `errno=`. */
export const UapiErrno = {
  io: -5,
  invalid: -22,
  protocol: -71,
  portInUse: -98,
  unknown: -55,
} as const;
export type UapiErrnoValue = (typeof UapiErrno)[keyof typeof UapiErrno];

export class UapiError extends Error {
  constructor(
    readonly errno: UapiErrnoValue,
    message: string,
  ) {
    super(message);
    this.name = 'UapiError';
  }
}

export interface AllowedIpChange {
  readonly prefix: IpPrefix;
  /** `allowed_ip=-10.0.0.1/32`: newer wg(8) removes a single entry this way. */
  readonly remove: boolean;
}

export interface PeerChange {
  readonly publicKey: Uint8Array;
  remove: boolean;
  updateOnly: boolean;
  /** All zeroes clears the preshared key. */
  presharedKey?: Uint8Array;
  endpoint?: Endpoint;
  persistentKeepaliveInterval?: number;
  replaceAllowedIps: boolean;
  readonly allowedIps: AllowedIpChange[];
}

export interface DeviceChange {
  /** All zeroes removes the private key (and with it every session). */
  privateKey?: Uint8Array;
  listenPort?: number;
  fwmark?: number;
  replacePeers: boolean;
  readonly peers: PeerChange[];
}

export interface PeerSnapshot {
  readonly publicKey: Uint8Array;
  readonly presharedKey: Uint8Array | null;
  readonly endpoint: Endpoint | null;
  /** Wall-clock time of the last completed handshake in ms since the epoch; 0 when never. */
  readonly lastHandshakeUnixMs: number;
  readonly txBytes: bigint;
  readonly rxBytes: bigint;
  readonly persistentKeepaliveInterval: number;
  readonly allowedIps: readonly IpPrefix[];
}

export interface DeviceSnapshot {
  readonly privateKey: Uint8Array | null;
  readonly listenPort: number;
  readonly fwmark: number;
  readonly peers: readonly PeerSnapshot[];
}

/** What the UAPI needs from a device: a consistent snapshot, and an all-or-nothing apply. */
export interface UapiDevice {
  snapshot(): DeviceSnapshot;
  /** Applies the whole change or none of it; throws UapiError (e.g. portInUse) when it cannot. */
  apply(change: DeviceChange): Promise<void>;
}

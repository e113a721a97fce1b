/**
 * Loads the native addons built from firmware/native by `npm install` (node-gyp). Loading is
 * lazy, so code that only uses the memory twins runs on a machine where nothing was compiled.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** A native object (a TUN device or a socket) owned by the addon; opaque to TypeScript. */
export type NativeHandle = { readonly __nativeHandle: unique symbol };

/** Called once per readable event with the number of packets now in the batch, and an errno name if reading failed. */
export type NativeBatchCallback = (count: number, error: string | undefined) => void;

export interface TunAddon {
  /** With `offload`, asks for vnet headers and TSO; `vnetHdr` says if the kernel agreed, `offloadRefused` why not. */
  open(
    name: string,
    netns: string | null,
    offload: boolean,
  ): { handle: NativeHandle; name: string; ifindex: number; vnetHdr: boolean; offloadRefused?: string };
  start(
    handle: NativeHandle,
    data: Uint8Array,
    offsets: Uint32Array,
    lengths: Uint32Array,
    slotSize: number,
    headroom: number,
    maxPacket: number,
    callback: NativeBatchCallback,
  ): void;
  /** Writes the packets; with vnet headers, runs of one TCP flow's segments go as super-packets (tun_gro.c). */
  write(handle: NativeHandle, data: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, count: number): number;
  /** Super-packets written, the segments inside them, and why the kernel refused them if it did. */
  writeStats(handle: NativeHandle): TunWriteStats;
  /**
   * What write() would hand a device with vnet headers, with no device: each frame a 10-byte virtio header and a
   * packet or super-packet, packed in `frames`. Rewrites each run's first segment in place, as write() does.
   */
  coalesce(
    data: Uint8Array,
    offsets: Uint32Array,
    lengths: Uint32Array,
    count: number,
  ): { frames: Uint8Array; lengths: Uint32Array };
  /**
   * Splits one offloaded read into a batch's slots (tun_tso.c): returns (next segment × 2 + 1 if the batch filled
   * first), or −reason when the read is dropped. See io/tso-split.ts.
   */
  split(
    source: Uint8Array,
    start: number,
    length: number,
    data: Uint8Array,
    offsets: Uint32Array,
    lengths: Uint32Array,
    count: number,
    capacity: number,
    slotSize: number,
    headroom: number,
    maxPacket: number,
    segment: number,
  ): number;
  mtu(handle: NativeHandle): number;
  close(handle: NativeHandle): void;
}

export interface TunWriteStats {
  readonly superPackets: number;
  readonly coalesced: number;
  readonly coalesceRefused?: string;
}

/** What a UDP socket's offloads and buffers are now (see native/udp.c). */
export interface UdpStats {
  /** Trains of equal datagrams go out as one UDP_SEGMENT send (off after the kernel refused one with EIO). */
  readonly gso: boolean;
  /** UDP_GRO is on: trains may arrive coalesced, and are split into their datagrams. */
  readonly gro: boolean;
  /** Received messages dropped for being larger than a slot (a datagram or a whole train). */
  readonly truncated: number;
  /** SO_RCVBUF and SO_SNDBUF as the kernel holds them (-1 when closed). */
  readonly receiveBuffer: number;
  readonly sendBuffer: number;
}

export interface UdpAddon {
  open(
    port: number,
    netns: string | null,
    gso: boolean,
    gro: boolean,
  ): { handle: NativeHandle; port: number; dualStack: boolean };
  start(
    handle: NativeHandle,
    data: Uint8Array,
    offsets: Uint32Array,
    lengths: Uint32Array,
    slotSize: number,
    families: Uint8Array,
    addresses: Uint8Array,
    ports: Uint16Array,
    callback: NativeBatchCallback,
  ): void;
  send(
    handle: NativeHandle,
    data: Uint8Array,
    offsets: Uint32Array,
    lengths: Uint32Array,
    count: number,
    family: number,
    address: Uint8Array,
    port: number,
  ): number;
  stats(handle: NativeHandle): UdpStats;
  setMark(handle: NativeHandle, mark: number): void;
  getMark(handle: NativeHandle): number;
  close(handle: NativeHandle): void;
}

export interface SockAddon {
  peerCredentials(fd: number): { pid: number; uid: number; gid: number };
  /** One datagram to a Unix datagram socket (absolute path, or `@name` for an abstract one): sd_notify(3). */
  sdNotify(socketPath: string, message: string): void;
}

/** burrow_aead (aead.c): a ChaCha20-Poly1305 context per key and direction, over whole batches of messages. */
export interface AeadAddon {
  createKey(key: Uint8Array, sealing: boolean): AeadKeyHandle;
  /** Seals each `[header 16 | body | tag 16]` message in place, the nonce taken from the header's counter. */
  seal(key: AeadKeyHandle, data: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, count: number): void;
  /** Opens each message in place; results[i] = 1 if authentic, else 0 and its body zeroed. Returns how many were. */
  open(
    key: AeadKeyHandle,
    data: Uint8Array,
    offsets: Uint32Array,
    lengths: Uint32Array,
    count: number,
    results: Uint8Array,
  ): number;
  destroyKey(key: AeadKeyHandle): void;
}

export type AeadKeyHandle = { readonly __aeadKey: unique symbol };

const require = createRequire(import.meta.url);
// From dist/io/native.js (or src/io/native.ts) up to the package root.
const RELEASE_DIR = new URL('../../native/build/Release/', import.meta.url);
const loaded = new Map<string, unknown>();

/** Loads `native/build/Release/<name>.node` once; throws an Error saying how to build it if it is missing. */
export function loadAddon<T>(name: string): T {
  const cached = loaded.get(name);
  if (cached !== undefined) {
    return cached as T;
  }
  const path = fileURLToPath(new URL(`${name}.node`, RELEASE_DIR));
  let addon: T;
  try {
    addon = require(path) as T;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'MODULE_NOT_FOUND') {
      throw new Error(
        `The native addon ${name} is not built (looked for ${path}). ` +
          'Build it with `npm rebuild -w @burrow/firmware` (needs a C compiler, make and python3).',
        { cause: error },
      );
    }
    throw new Error(`The native addon ${name} failed to load from ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  loaded.set(name, addon);
  return addon;
}

export function loadTunAddon(): TunAddon {
  return loadAddon<TunAddon>('burrow_tun');
}

export function loadUdpAddon(): UdpAddon {
  return loadAddon<UdpAddon>('burrow_udp');
}

export function loadSockAddon(): SockAddon {
  return loadAddon<SockAddon>('burrow_sock');
}

export function loadAeadAddon(): AeadAddon {
  return loadAddon<AeadAddon>('burrow_aead');
}

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
  write(handle: NativeHandle, data: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, count: number): number;
  mtu(handle: NativeHandle): number;
  close(handle: NativeHandle): void;
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

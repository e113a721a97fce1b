/**
 * The UDP side of the engine, after wireguard-go's conn.Bind: one socket for IPv4 and IPv6 peers,
 * batched receive and send, and a firewall mark so routing rules can steer tunnel traffic.
 *
 * Implementations: UdpBind (bind.udp.ts, the kernel through the burrow_udp addon) and MemoryBind
 * (bind.memory.ts: binds on an in-memory network that can roam, drop, duplicate and reorder).
 */
import { type DatagramBatch } from './datagrams.js';
import { type Endpoint } from './endpoint.js';
import { type IoError } from './errors.js';
import { type Packets } from './packets.js';

export { Endpoint, type AddressFamily } from './endpoint.js';
export { DatagramBatch } from './datagrams.js';

/** Datagrams per receive batch (wireguard-go's IdealBatchSize). */
export const BIND_BATCH_SIZE = 128;

/**
 * Slots per receive batch with UDP GRO: each slot is 64 KB and holds a train of up to 64 datagrams, so 32 slots
 * still take up to 2,048 datagrams per call, in 2 MB instead of the 8 MB that 128 would keep resident.
 */
export const BIND_GRO_BATCH_SIZE = 32;

/**
 * Receives one batch of datagrams with their senders. The batch and its memory are reused for the
 * next receive: valid until the handler returns, so copy (or finish with) what you keep.
 */
export type DatagramHandler = (batch: DatagramBatch) => void;

export interface Bind {
  /** The bound port while open. */
  readonly port: number | undefined;
  /**
   * Binds to `port` on every address (0 picks a free port) and returns the port bound. Applies the
   * mark set earlier, if any. Throws IoError (EADDRINUSE...) or, if already open, an Error.
   */
  open(port: number): number;
  /** Where batches go. Receiving starts once open and handled; until then datagrams wait in the socket. */
  onDatagrams(handler: DatagramHandler): void;
  /** Where a receive error that stopped the socket goes; without a handler it is thrown as uncaught. */
  onError(handler: (error: IoError) => void): void;
  /**
   * Sends every packet as one datagram to `to`, in one batched call. Returns how many went out: a
   * full socket buffer drops the rest, as a congested link would. Throws IoError (ENETUNREACH,
   * EPERM from a firewall, EMSGSIZE...) and, when closed, IoError EBADF.
   */
  send(packets: Packets, to: Endpoint): number;
  /** Sets SO_MARK now and on every later open; 0 clears it. Needs CAP_NET_ADMIN (else IoError EPERM). */
  setMark(mark: number): void;
  /** Closes the socket; `open` may be called again. Idempotent. */
  close(): void;
}

export function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port must be 0-65535, got ${port}`);
  }
}

export function checkMark(mark: number): void {
  if (!Number.isInteger(mark) || mark < 0 || mark > 0xffffffff) {
    throw new RangeError(`mark must be a 32-bit unsigned integer, got ${mark}`);
  }
}

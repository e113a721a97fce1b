/**
 * Test helpers that gather what a Tun or Bind delivers (copied out of the reused batches) until
 * enough has arrived, or fail after a timeout instead of hanging the test.
 */
import { type Bind } from '../bind.js';
import { type Endpoint } from '../endpoint.js';
import { type Tun } from '../tun.js';

export interface Received {
  readonly data: Uint8Array;
  readonly from: Endpoint;
}

export interface Collected<T> {
  readonly items: T[];
  /** Number of batches (handler calls) that carried at least one wanted item. */
  batches: number;
  /** Resolves once `count` wanted items arrived; rejects after `timeoutMs`. */
  until(count: number, timeoutMs?: number): Promise<T[]>;
}

function collector<T>(): Collected<T> & { notify(): void } {
  const waiters: Array<() => void> = [];
  const collected = {
    items: [] as T[],
    batches: 0,
    notify(): void {
      for (const waiter of waiters.splice(0)) {
        waiter();
      }
    },
    until(count: number, timeoutMs = 5000): Promise<T[]> {
      return new Promise<T[]>((resolve, reject) => {
        const check = (): void => {
          if (collected.items.length >= count) {
            clearTimeout(timer);
            resolve(collected.items);
          } else {
            waiters.push(check);
          }
        };
        const timer = setTimeout(
          () => reject(new Error(`timed out with ${collected.items.length} of ${count} items`)),
          timeoutMs,
        );
        check();
      });
    },
  };
  return collected;
}

/** Collects datagrams a bind receives, with their senders. */
export function collectDatagrams(bind: Bind): Collected<Received> {
  const collected = collector<Received>();
  bind.onDatagrams((batch) => {
    for (let i = 0; i < batch.count; i++) {
      collected.items.push({ data: batch.packet(i).slice(), from: batch.source(i) });
    }
    collected.batches++;
    collected.notify();
  });
  return collected;
}

/** Collects packets a TUN reads that pass `wanted` (the kernel also sends its own, e.g. IPv6 router solicitations). */
export function collectPackets(tun: Tun, wanted: (packet: Uint8Array) => boolean = () => true): Collected<Uint8Array> {
  const collected = collector<Uint8Array>();
  tun.onPackets((batch) => {
    let any = false;
    for (let i = 0; i < batch.count; i++) {
      const packet = batch.packet(i);
      if (wanted(packet)) {
        collected.items.push(packet.slice());
        any = true;
      }
    }
    if (any) {
      collected.batches++;
      collected.notify();
    }
  });
  return collected;
}

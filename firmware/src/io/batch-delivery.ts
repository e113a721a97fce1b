/**
 * How every reader (LinuxTun, UdpBind and their memory twins) hands what it read to the handlers set
 * with onPackets/onDatagrams and onError. A batch's memory is reused by the next read, so it is
 * emptied as soon as the handler returns or throws.
 */
import { type IoError } from './errors.js';
import { type PacketBatch } from './packets.js';

/** The native addon filled the first `count` slots of `batch`: hands them to `handler`, then empties it. */
export function deliverFilledBatch<B extends PacketBatch>(
  batch: B,
  count: number,
  handler: ((batch: B) => void) | undefined,
): void {
  batch.count = count;
  try {
    if (count > 0 && handler !== undefined) {
      handler(batch);
    }
  } finally {
    batch.clear();
  }
}

/**
 * What a memory twin does instead of one read: moves up to a batch of items from the front of
 * `queue` into `batch` with `append`, hands the batch to `handler`, then empties it.
 */
export function deliverQueuedBatch<T, B extends PacketBatch>(
  queue: T[],
  batch: B,
  append: (item: T) => void,
  handler: (batch: B) => void,
): void {
  batch.clear();
  while (batch.count < batch.capacity) {
    const item = queue.shift();
    if (item === undefined) {
      break;
    }
    append(item);
  }
  try {
    handler(batch);
  } finally {
    batch.clear();
  }
}

/** Hands a read error to `handler`; without one it is thrown, to surface as an uncaught exception (Tun, Bind). */
export function reportReadError(failure: IoError, handler: ((error: IoError) => void) | undefined): void {
  if (handler === undefined) {
    throw failure;
  }
  handler(failure);
}

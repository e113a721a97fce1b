import { type CpuTimes } from '../repositories/host.repository.js';

/** CPU time (summed over cores) that must pass before a new window is measured; shorter ones are mostly noise. */
const MIN_WINDOW_MS = 200;

/**
 * Busy percentage between successive samples of cumulative CPU times. The first sample measures since
 * boot. A sample too close to the previous one repeats the last answer instead of dividing by ~0.
 */
export class CpuUsageMeter {
  private previous: CpuTimes = { idle: 0, total: 0 };
  private lastPercent = 0;

  sample(times: CpuTimes): number {
    const total = times.total - this.previous.total;
    const idle = times.idle - this.previous.idle;
    if (total < MIN_WINDOW_MS) {
      return this.lastPercent;
    }
    this.previous = times;
    const busy = Math.min(Math.max(1 - idle / total, 0), 1);
    this.lastPercent = Math.round(busy * 1000) / 10;
    return this.lastPercent;
  }
}

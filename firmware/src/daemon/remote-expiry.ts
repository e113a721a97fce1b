// burrowd's alarm for remote devices that expire: at the instant the next one does, the state in force is applied
// again, and the remote-access engine is told its devices without it. It works while the API is down: the expiry
// is in the state burrowd holds, not in a request someone has to send.
import { type RemoteAccessState } from '../control/household-state.js';
import { MAX_TIMER_MS, nextRemoteExpiry } from '../control/remote-engine-config.js';

/** After the instant, so the peer filter (expiresAt > now) already leaves the device out. */
const LATE_MS = 50;

export class RemoteExpiry {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    /** Applies the state in force again (the reconciler's reapply): serialized with every other apply. */
    private readonly reapply: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Arms the alarm for the remote access just applied (null: none) with the devices in force at `appliedAt`,
   * replacing the previous one. A device that expired since is due at once.
   */
  schedule(remote: RemoteAccessState | null, appliedAt: Date = new Date(this.now())): void {
    this.stop();
    const now = this.now();
    const next = nextRemoteExpiry(remote, appliedAt);
    if (next === null) {
      return;
    }
    const delay = Math.min(Math.max(next - now + LATE_MS, 0), MAX_TIMER_MS);
    this.timer = setTimeout(() => {
      this.timer = null;
      // Still far off (beyond setTimeout's range): look again then; else the device is out as of now.
      if (next - this.now() > 0) {
        this.schedule(remote);
      } else {
        this.reapply();
      }
    }, delay);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }
}

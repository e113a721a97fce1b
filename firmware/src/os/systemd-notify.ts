// systemd's service notifications for burrowd (sd_notify(3), Type=notify with WatchdogSec= in burrowd.service):
//
//   READY=1     once the kill-switch table is in and the control socket listens: units ordered after burrowd start then
//   WATCHDOG=1  every half of WATCHDOG_USEC, from a timer on the event loop, and only while `hung()` finds nothing
//               stuck: a blocked loop or a wedged apply stops the pings, and systemd kills and restarts burrowd
//   STOPPING=1  on the way out
//
// The environment is read once: NOTIFY_SOCKET names the socket (an absolute path, or @name for an abstract one);
// WATCHDOG_USEC the watchdog interval, for the process WATCHDOG_PID names if it is set. Without NOTIFY_SOCKET (the
// lab, tests, a shell) every call does nothing. A failed send is logged, never thrown: a notification is never
// worth stopping burrowd for, and a missed ping is followed by the next.
import { IoError, native } from '../io/errors.js';
import { loadSockAddon } from '../io/native.js';

export interface NotifyConfig {
  /** Where notifications go; null when burrowd does not run under systemd. */
  readonly socketPath: string | null;
  /** The watchdog's timeout for this process, in ms; null when there is no watchdog (or it is another process's). */
  readonly watchdogMs: number | null;
  /** Settings present but unusable, for the log. */
  readonly problems: string[];
}

/** Socket and watchdog from systemd's variables as sd_notify(3) and sd_watchdog_enabled(3) read them. */
export function notifyConfig(env: NodeJS.ProcessEnv, pid: number): NotifyConfig {
  const problems: string[] = [];
  let socketPath = env['NOTIFY_SOCKET'] || null;
  if (socketPath !== null && !socketPath.startsWith('/') && !socketPath.startsWith('@')) {
    problems.push(`NOTIFY_SOCKET=${socketPath} is neither an absolute path nor an abstract name (@...): ignored`);
    socketPath = null;
  }
  const usec = env['WATCHDOG_USEC'];
  const forPid = env['WATCHDOG_PID'];
  let watchdogMs: number | null = null;
  if (usec !== undefined && usec !== '') {
    const value = /^\d{1,15}$/.test(usec) ? Number(usec) : 0;
    if (value <= 0) {
      problems.push(`WATCHDOG_USEC=${usec} is not a positive number of microseconds: no watchdog pings`);
    } else if (forPid !== undefined && forPid !== '' && forPid !== String(pid)) {
      // The watchdog belongs to another process (the variables leaked to a child): not ours to feed.
    } else if (socketPath !== null) {
      watchdogMs = value / 1000;
    }
  }
  return { socketPath, watchdogMs, problems };
}

/** The variables sd_notify's callers unset, so no child (the engine, dnsmasq) takes burrowd's socket for its own. */
const VARIABLES = ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID'] as const;

export interface SystemdNotifyOptions {
  readonly config: NotifyConfig;
  readonly log: { warn(message: string): void };
  /** Sends one datagram; the addon's sdNotify by default. */
  readonly send?: (socketPath: string, message: string) => void;
}

export class SystemdNotify {
  private timer: NodeJS.Timeout | null = null;
  /** The last send failure or hang reported, so a lasting one is logged once, not at every ping. */
  private reported: string | null = null;
  private readonly send: (socketPath: string, message: string) => void;

  constructor(private readonly options: SystemdNotifyOptions) {
    this.send = options.send ?? ((socketPath, message) => native(() => loadSockAddon().sdNotify(socketPath, message)));
    for (const problem of options.config.problems) {
      options.log.warn(problem);
    }
  }

  /** From this process's environment, which then loses the variables (children inherit it). */
  static fromEnvironment(log: { warn(message: string): void }): SystemdNotify {
    const config = notifyConfig(process.env, process.pid);
    for (const name of VARIABLES) {
      delete process.env[name];
    }
    return new SystemdNotify({ config, log });
  }

  /** Whether burrowd runs under systemd with a watchdog for it. */
  get watchdogMs(): number | null {
    return this.options.config.watchdogMs;
  }

  /** Start-up is complete: systemd starts the units ordered after this one. */
  ready(): void {
    this.notify('READY=1');
  }

  /** Shutting down: systemd reports the unit as deactivating rather than waiting on it. */
  stopping(): void {
    this.stopWatchdog();
    this.notify('STOPPING=1');
  }

  /**
   * Pings the watchdog every half of its timeout while `hung()` returns null; a reason from it withholds the ping
   * (logged once). The timer is on the event loop, so a blocked loop withholds the pings too.
   */
  startWatchdog(hung: () => string | null): void {
    const watchdogMs = this.options.config.watchdogMs;
    if (watchdogMs === null || this.timer !== null) {
      return;
    }
    this.timer = setInterval(() => {
      const reason = hung();
      if (reason === null) {
        this.notify('WATCHDOG=1');
      } else {
        this.report(`withholding the watchdog ping, so systemd restarts burrowd: ${reason}`);
      }
    }, watchdogMs / 2);
    // Never the reason the process stays up.
    this.timer.unref();
  }

  stopWatchdog(): void {
    if (this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private notify(message: string): void {
    const { socketPath } = this.options.config;
    if (socketPath === null) {
      return;
    }
    try {
      this.send(socketPath, message);
      this.reported = null;
    } catch (error) {
      const code = error instanceof IoError ? error.code : '';
      this.report(`telling systemd ${message} failed: ${(error as Error).message}`, code);
    }
  }

  private report(message: string, key = message): void {
    if (this.reported !== key) {
      this.reported = key;
      this.options.log.warn(message);
    }
  }
}

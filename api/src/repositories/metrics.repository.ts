// The Prometheus exposition, through prom-client on a registry of our own (never the library's global one, which
// any other package in the process could write to). Figures that belong to this process (sign-in failures, its
// CPU and memory) accumulate here; the router's figures are set afresh from one sample at each scrape, so a series
// that burrowd no longer reports (a deleted profile, a missing self-test) disappears instead of going stale.
import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/** Why a sign-in was refused, as the audit log records it. */
export const SIGN_IN_FAILURE_REASONS = [
  'unknown_user',
  'wrong_password',
  'disabled',
  'locked',
  'totp_invalid',
] as const;
export type SignInFailureReason = (typeof SIGN_IN_FAILURE_REASONS)[number];

/** The router at one scrape; null: not known (burrowd did not answer or does not report it). */
export interface MetricsSample {
  firmwareUp: boolean;
  profiles: ReadonlyArray<{ id: number; name: string; up: boolean; active: boolean }>;
  /** The profile carrying traffic, with its server's counters. */
  tunnel: {
    profileId: number;
    profile: string;
    handshakeAgeSeconds: number | null;
    receiveBytes: number;
    transmitBytes: number;
  } | null;
  killSwitchArmed: boolean | null;
  selfTest: { at: number; pass: boolean; checks: ReadonlyArray<{ name: string; pass: boolean }> } | null;
  failovers: number | null;
  sessions: number;
}

const PROFILE_LABELS = ['profile_id', 'profile'] as const;

@Injectable()
export class MetricsRepository {
  private readonly registry = new Registry();
  /** prom-client keeps a 0 for a metric without labels even after reset(): these are also emptied by hand. */
  private readonly unlabelled = new Set<Gauge | Counter>();
  private rendering: Promise<unknown> = Promise.resolve();
  private readonly signInFailures = new Counter({
    name: 'burrow_signin_failures_total',
    help: 'Refused sign-ins since the API started, by reason.',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  /** Gauges (and counters burrowd keeps) set from each sample; all are cleared first. */
  private readonly sampled = {
    firmwareUp: this.gauge('burrow_firmware_up', 'Whether burrowd answered the status request of this scrape.'),
    tunnelUp: this.gauge(
      'burrow_tunnel_up',
      'Per profile: 1 while it carries traffic with a handshake younger than 180 s.',
      PROFILE_LABELS,
    ),
    tunnelActive: this.gauge('burrow_tunnel_active', 'Per profile: 1 for the one failover chose.', PROFILE_LABELS),
    handshakeAge: this.gauge(
      'burrow_tunnel_last_handshake_age_seconds',
      "Seconds since the active profile's last handshake with its server.",
      PROFILE_LABELS,
    ),
    receiveBytes: this.counter(
      'burrow_tunnel_receive_bytes_total',
      "Bytes received from the active profile's server since its tunnel came up.",
    ),
    transmitBytes: this.counter(
      'burrow_tunnel_transmit_bytes_total',
      "Bytes sent to the active profile's server since its tunnel came up.",
    ),
    killSwitch: this.gauge('burrow_kill_switch_armed', '1 while LAN traffic may leave only through the tunnel.'),
    selfTestCheck: this.gauge('burrow_selftest_check_pass', 'The last self-test, per check: 1 passed, 0 failed.', [
      'check',
    ]),
    selfTestPass: this.gauge('burrow_selftest_pass', 'The last self-test as a whole: 1 passed, 0 failed.'),
    selfTestAt: this.gauge('burrow_selftest_last_run_timestamp_seconds', 'When the last self-test ran (Unix time).'),
    failovers: this.counter(
      'burrow_failovers_total',
      'Times failover moved traffic to another profile since burrowd started.',
      [],
    ),
    sessions: this.gauge('burrow_sessions', 'Signed-in sessions that have not expired.'),
  };

  constructor() {
    for (const reason of SIGN_IN_FAILURE_REASONS) {
      // Every series exists from the start, so rate() sees the first failure as an increase from 0.
      this.signInFailures.labels(reason).inc(0);
    }
    collectDefaultMetrics({ register: this.registry, prefix: 'burrow_api_' });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  signInFailed(reason: SignInFailureReason): void {
    this.signInFailures.labels(reason).inc();
  }

  /** The exposition text with the router's figures from `sample`; one scrape at a time, so none mixes two samples. */
  render(sample: MetricsSample): Promise<string> {
    const rendered = this.rendering.then(() => this.renderNow(sample));
    this.rendering = rendered.catch(() => undefined);
    return rendered;
  }

  private renderNow(sample: MetricsSample): Promise<string> {
    const m = this.sampled;
    for (const metric of Object.values(m)) {
      metric.reset();
      // No sample at all rather than a 0 that would claim, say, a disarmed kill switch.
      if (this.unlabelled.has(metric)) {
        metric.remove();
      }
    }
    const bit = (value: boolean) => (value ? 1 : 0);
    m.firmwareUp.set(bit(sample.firmwareUp));
    for (const profile of sample.profiles) {
      const labels = { profile_id: String(profile.id), profile: profile.name };
      m.tunnelUp.set(labels, bit(profile.up));
      m.tunnelActive.set(labels, bit(profile.active));
    }
    if (sample.tunnel !== null) {
      const labels = { profile_id: String(sample.tunnel.profileId), profile: sample.tunnel.profile };
      if (sample.tunnel.handshakeAgeSeconds !== null) {
        m.handshakeAge.set(labels, sample.tunnel.handshakeAgeSeconds);
      }
      m.receiveBytes.inc(labels, sample.tunnel.receiveBytes);
      m.transmitBytes.inc(labels, sample.tunnel.transmitBytes);
    }
    if (sample.killSwitchArmed !== null) {
      m.killSwitch.set(bit(sample.killSwitchArmed));
    }
    if (sample.selfTest !== null) {
      for (const check of sample.selfTest.checks) {
        m.selfTestCheck.set({ check: check.name }, bit(check.pass));
      }
      m.selfTestPass.set(bit(sample.selfTest.pass));
      m.selfTestAt.set(sample.selfTest.at / 1000);
    }
    if (sample.failovers !== null) {
      m.failovers.inc(sample.failovers);
    }
    m.sessions.set(sample.sessions);
    return this.registry.metrics();
  }

  private gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.track(new Gauge({ name, help, labelNames, registers: [this.registry] }), labelNames);
  }

  /** A counter whose total is kept elsewhere (the engine, burrowd): set by reset() and inc(total). */
  private counter(name: string, help: string, labelNames: readonly string[] = PROFILE_LABELS): Counter {
    return this.track(new Counter({ name, help, labelNames, registers: [this.registry] }), labelNames);
  }

  private track<T extends Gauge | Counter>(metric: T, labelNames: readonly string[]): T {
    if (labelNames.length === 0) {
      this.unlabelled.add(metric);
    }
    return metric;
  }
}

// burrowd's status report as the figures `/metrics` shows. Every field is checked: one burrowd does not report yet
// (the self-test, the failover count) or reports oddly is left out of the scrape rather than shown as a 0.
import { type MetricsSample } from '../repositories/metrics.repository.js';
import { readGatewayReport } from './gateway-report.js';
import { tunnelState } from './gateway.service.js';

export type RouterSample = Omit<MetricsSample, 'sessions'>;

export function readRouterSample(raw: unknown, now: Date): RouterSample {
  const report = readGatewayReport(raw);
  if (raw === null || report === null) {
    return {
      firmwareUp: raw !== null,
      profiles: [],
      tunnel: null,
      killSwitchArmed: null,
      selfTest: null,
      failovers: null,
    };
  }
  const state = tunnelState(report, now);
  const carrying = state === 'up' || state === 'failed_over';
  const active = report.profiles.find((profile) => profile.id === report.activeId);
  // The upstream engine has the active profile's peers only: its first peer is the server in use.
  const peer = active === undefined ? undefined : report.peers[0];
  const handshake = peer?.lastHandshake === null || peer === undefined ? NaN : Date.parse(peer.lastHandshake);
  const record = raw as Record<string, unknown>;
  const upstream = record['upstream'] as Record<string, unknown>;
  return {
    firmwareUp: true,
    profiles: report.profiles.map(({ id, name }) => ({
      id,
      name,
      up: carrying && id === report.activeId,
      active: id === report.activeId,
    })),
    tunnel:
      active === undefined
        ? null
        : {
            profileId: active.id,
            profile: active.name,
            handshakeAgeSeconds: Number.isFinite(handshake) ? Math.max(0, (now.getTime() - handshake) / 1000) : null,
            receiveBytes: peer?.rxBytes ?? 0,
            transmitBytes: peer?.txBytes ?? 0,
          },
    killSwitchArmed: typeof record['killSwitch'] === 'boolean' ? record['killSwitch'] : null,
    selfTest: readSelfTest(record['selftest']),
    failovers: isCount(upstream['failovers']) ? upstream['failovers'] : null,
  };
}

function readSelfTest(value: unknown): RouterSample['selfTest'] {
  if (!isRecord(value) || !Array.isArray(value['checks'])) {
    return null;
  }
  const { at, pass } = value;
  if (typeof at !== 'number' || !Number.isFinite(at) || at <= 0 || typeof pass !== 'boolean') {
    return null;
  }
  const checks = value['checks'].flatMap((check) =>
    isRecord(check) && typeof check['name'] === 'string' && typeof check['pass'] === 'boolean'
      ? [{ name: check['name'], pass: check['pass'] }]
      : [],
  );
  return { at, pass, checks };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

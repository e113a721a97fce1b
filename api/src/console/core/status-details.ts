// Menu 1 of the console: the router's interfaces, tunnel peers and DHCP leases as screen lines (≤ 78 columns).
import { type GatewayStatusDto } from '../../dtos/gateway.dto.js';
import { type SystemStatusDto } from '../../dtos/system-status.dto.js';
import { readGatewayReport } from '../../services/gateway-report.js';
import { type ConsoleStatusDetails } from '../backend.js';

const WIDTH = 78;

export interface StatusInputs {
  system: SystemStatusDto | null;
  gateway: GatewayStatusDto | null;
  /** burrowd's raw `status` report, null when it did not answer. */
  raw: unknown;
  now: Date;
}

export function describeStatusDetails({ system, gateway, raw, now }: StatusInputs): ConsoleStatusDetails {
  return {
    sections: [
      { title: 'Interfaces', lines: interfaceLines(system) },
      { title: 'Tunnel peers', lines: peerLines(gateway, raw, now) },
      { title: 'DHCP leases', lines: leaseLines(raw, now) },
    ],
  };
}

function interfaceLines(system: SystemStatusDto | null): string[] {
  if (system === null) {
    return ['(could not be read)'];
  }
  return system.interfaces.map((entry) =>
    fit(
      `${entry.name.padEnd(10)} ${(entry.role ?? '-').padEnd(10)} ${entry.up ? 'up  ' : 'down'} ` +
        (entry.addresses.map((address) => `${address.address}/${address.prefixLength}`).join(' ') || '-'),
    ),
  );
}

function peerLines(gateway: GatewayStatusDto | null, raw: unknown, now: Date): string[] {
  const report = readGatewayReport(raw);
  if (gateway === null || !gateway.reachable || report === null) {
    return ['burrowd is not answering: no tunnel information.'];
  }
  if (report.peers.length === 0) {
    return [`No tunnel peer (tunnel: ${gateway.tunnel.state}).`];
  }
  return report.peers.map((peer) =>
    fit(
      `${peer.endpoint ?? 'no endpoint'}  handshake ${age(peer.lastHandshake, now)}  ` +
        `rx ${bytes(peer.rxBytes)} tx ${bytes(peer.txBytes)}  key ${peer.publicKey.slice(0, 8)}…`,
    ),
  );
}

function leaseLines(raw: unknown, now: Date): string[] {
  const leases = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)['leases'] : undefined;
  if (!Array.isArray(leases)) {
    return ['(none known)'];
  }
  const lines = leases.flatMap((lease): string[] => {
    if (typeof lease !== 'object' || lease === null) {
      return [];
    }
    const { ip, mac, hostname, expires } = lease as Record<string, unknown>;
    const text = (value: unknown) => (typeof value === 'string' ? value : '-');
    const until = typeof expires === 'string' ? `expires in ${age(expires, now, true)}` : 'no expiry';
    return [fit(`${text(ip).padEnd(26)} ${text(mac).padEnd(17)} ${text(hostname)}  ${until}`)];
  });
  return lines.length > 0 ? lines : ['(none)'];
}

function age(iso: string | null, now: Date, future = false): string {
  if (iso === null) {
    return 'never';
  }
  const seconds = Math.round(((future ? -1 : 1) * (now.getTime() - Date.parse(iso))) / 1000);
  if (!Number.isFinite(seconds)) {
    return 'unknown';
  }
  if (seconds < 120) {
    return future ? `${seconds} s` : `${seconds} s ago`;
  }
  const minutes = Math.round(seconds / 60);
  return future ? `${minutes} min` : `${minutes} min ago`;
}

function bytes(count: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = count;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function fit(line: string): string {
  return line.length <= WIDTH ? line : `${line.slice(0, WIDTH - 1)}…`;
}

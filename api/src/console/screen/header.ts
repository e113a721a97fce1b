// The lines always at the top of the main menu: what someone at the router's console needs before anything else.
// Pure, so every line can be checked to fit 80 columns whatever the router reports.
import { type ConsoleHeader } from '../backend.js';
import { fit, NO_PAINT, type Paint, spread } from './text.js';

const UNKNOWN = 'unknown';
/** A SHA-256 fingerprint is 95 characters: two lines of 16 bytes each. */
const FINGERPRINT_BYTES_PER_LINE = 16;

/** `header` null: nothing could be read (the core did not answer); `problem` says why. */
export function headerLines(header: ConsoleHeader | null, problem: string | null, paint: Paint = NO_PAINT): string[] {
  if (header === null) {
    return [
      paint.bold(fit('Burrow recovery console')),
      fit(`Status: ${problem ?? 'reading…'}`),
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
    ];
  }
  const caLines = fingerprintLines(header.caFingerprint);
  return [
    paint.bold(spread(`Burrow recovery console · ${header.hostname}`, `firmware ${header.firmwareVersion}`)),
    spread(`Uptime: ${formatUptime(header.uptimeSeconds)}`, selfTest(header, paint)),
    fit(`WAN: ${addresses(header.wanAddresses)}`),
    fit(`LAN: ${addresses(header.lanAddresses)}`),
    fit(`Web page: ${header.webUrl ?? UNKNOWN}`),
    fit(`CA fingerprint: ${caLines[0]}`),
    fit(`                ${caLines[1]}`),
    fit(`Tunnel: ${tunnel(header)}`),
    killSwitch(header, paint),
    services(header, paint),
  ];
}

/** One line for the screens under the menu: the host and what matters most for safety. */
export function summaryLine(header: ConsoleHeader | null): string {
  if (header === null) {
    return fit('Burrow recovery console');
  }
  const parts = [
    header.hostname,
    `kill switch ${header.killSwitch?.state.toUpperCase() ?? UNKNOWN}`,
    `tunnel ${header.tunnel?.state ?? UNKNOWN}`,
    header.burrowdUp ? null : 'burrowd NOT RUNNING',
    header.apiUp ? null : 'web service NOT RUNNING',
  ];
  return fit(`Burrow · ${parts.filter((part) => part !== null).join(' · ')}`);
}

export function formatUptime(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) {
    return UNKNOWN;
  }
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3_600);
  const minutes = Math.floor((seconds % 3_600) / 60);
  const clock = `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
  return days > 0 ? `${days} day${days === 1 ? '' : 's'}, ${clock}` : clock;
}

function fingerprintLines(fingerprint: string | null): [string, string] {
  if (fingerprint === null) {
    return [UNKNOWN, ''];
  }
  const bytes = fingerprint.split(':');
  return [bytes.slice(0, FINGERPRINT_BYTES_PER_LINE).join(':'), bytes.slice(FINGERPRINT_BYTES_PER_LINE).join(':')];
}

function addresses(list: string[]): string {
  return list.length === 0 ? 'none' : list.join(', ');
}

function selfTest(header: ConsoleHeader, paint: Paint): string {
  if (header.selfTest === null) {
    return `Self-test: ${UNKNOWN}`;
  }
  const verdict = header.selfTest.pass ? paint.good('passed') : paint.bad('FAILED');
  return `Self-test: ${verdict} ${fit(header.selfTest.at, 20)}`;
}

function tunnel(header: ConsoleHeader): string {
  if (header.tunnel === null) {
    return UNKNOWN;
  }
  const { name, state, lastHandshake } = header.tunnel;
  return `${name ?? 'none'} (${state}), last handshake ${lastHandshake ?? 'never'}`;
}

function killSwitch(header: ConsoleHeader, paint: Paint): string {
  const state = header.killSwitch;
  if (state === null) {
    return fit(`Kill switch: ${UNKNOWN}`);
  }
  if (state.state === 'armed') {
    return `Kill switch: ${paint.good('ARMED')}`;
  }
  const until = state.disarmedUntil === null ? '' : ` until ${state.disarmedUntil}`;
  const line = fit(`Kill switch: ${state.state.toUpperCase()}${until} — traffic can leave without the tunnel`);
  return paint.bad(line);
}

function services(header: ConsoleHeader, paint: Paint): string {
  const burrowd = header.burrowdUp ? 'running' : paint.bad('NOT RUNNING — firmware actions unavailable');
  const api = header.apiUp ? 'running' : paint.bad('NOT RUNNING');
  return `burrowd: ${burrowd}   Web service: ${api}`;
}

// A program for the screen's tests: runConsole on this terminal over a scripted backend and host (plain data), with
// every call appended to the file named by BURROW_CONSOLE_FIXTURE_LOG as a JSON line the test reads back.
// BURROW_CONSOLE_FIXTURE_DOWN=1 plays a router whose burrowd is down and whose firmware actions are refused.
// BURROW_CONSOLE_FIXTURE_HEADER_DELAY_MS plays a core slow to start: the first header read answers after that long
// (header reads are then logged too).
/* eslint-disable @typescript-eslint/require-await -- a scripted twin answers at once; async keeps it plain. */
import { appendFileSync } from 'node:fs';
import { ConsoleActionError, type ConsoleBackend, type ConsoleHeader } from '@burrow/api/console/backend';
import { type HostActions } from '@burrow/api/console/host/host-actions';
import { runConsole } from '@burrow/api/console/screen/console';

const LOG = process.env.BURROW_CONSOLE_FIXTURE_LOG;
const DOWN = process.env.BURROW_CONSOLE_FIXTURE_DOWN === '1';
const HEADER_DELAY_MS = Number(process.env.BURROW_CONSOLE_FIXTURE_HEADER_DELAY_MS ?? '0');
const started = Date.now();
/** Long enough for a test to press Ctrl-C or hang up while it runs. */
const SLOW_MS = 2_000;

function record(call: string, args: unknown[] = []): void {
  if (LOG !== undefined) {
    appendFileSync(LOG, `${JSON.stringify({ call, args })}\n`);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const FINGERPRINT = Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0').toUpperCase()).join(':');

const HEADER: ConsoleHeader = {
  firmwareVersion: '0.1.0-test',
  hostname: 'burrow-lab',
  uptimeSeconds: 93_784,
  wanAddresses: ['203.0.113.45/24'],
  lanAddresses: ['192.168.8.1/24'],
  webUrl: 'https://192.168.8.1/',
  caFingerprint: FINGERPRINT,
  tunnel: { name: 'provider-ch', state: 'up', lastHandshake: '12:00:03 (1 min ago)' },
  killSwitch: { state: 'armed', disarmedUntil: null },
  selfTest: { pass: true, at: '2026-12-02 11:00' },
  burrowdUp: !DOWN,
  apiUp: true,
};

const unavailable = () =>
  new ConsoleActionError('unavailable', 'burrowd is not running: the kill switch cannot be changed.');

/** Every method records its call; arguments that are secrets are recorded as "[secret]". */
const backend: ConsoleBackend = {
  header: async () => {
    if (HEADER_DELAY_MS > 0) {
      record('header');
      await sleep(Math.max(0, started + HEADER_DELAY_MS - Date.now()));
    }
    return HEADER;
  },
  statusDetails: async () => {
    record('statusDetails');
    return { sections: [{ title: 'Interfaces', lines: ['wan0  203.0.113.45/24  up', 'lan0  192.168.8.1/24  up'] }] };
  },
  listUsers: async () => {
    record('listUsers');
    return [
      { id: 1, username: 'alice', role: 'admin', totpEnabled: true },
      { id: 2, username: 'bob', role: 'user', totpEnabled: false },
    ];
  },
  resetAdminPassword: async (userId) => {
    record('resetAdminPassword', [userId]);
    return { username: 'alice', oneTimePassword: 'tulip-canoe-4821', created: false };
  },
  disableTwoFactor: async (userId) => {
    record('disableTwoFactor', [userId]);
    return { ok: true, lines: ['Two-factor sign-in is off for alice.'] };
  },
  listStoredBackups: async () => {
    record('listStoredBackups');
    return [
      { id: 1, createdAt: '2026-11-01 10:00', kind: 'scheduled', sizeBytes: 4096, deviceKey: true },
      { id: 2, createdAt: '2026-12-01 10:00', kind: 'manual', sizeBytes: 8192, deviceKey: false },
    ];
  },
  previewStoredBackup: async (id, passphrase) => {
    record('previewStoredBackup', [id, passphrase === null ? null : '[secret]']);
    return {
      token: `t${id}`,
      createdAt: '2026-12-01 10:00',
      hostname: 'burrow-lab',
      firmwareVersion: '0.1.0',
      summary: ['2 users, 1 tunnel'],
    };
  },
  previewBackupFile: async (path, passphrase) => {
    record('previewBackupFile', [path, passphrase === null ? null : '[secret]']);
    if (passphrase === null) {
      throw new ConsoleActionError('password_required', 'This backup needs its passphrase.');
    }
    return {
      token: 'tf',
      createdAt: '2026-10-01 09:00',
      hostname: 'burrow-lab',
      firmwareVersion: '0.1.0',
      summary: ['1 user'],
    };
  },
  applyRestore: async (token) => {
    record('applyRestore', [token]);
    return { ok: true, lines: ['Restored. The web page is restarting.'] };
  },
  factoryReset: async () => {
    record('factoryReset');
    return { ok: true, lines: ['Reset. The setup wizard is waiting.'] };
  },
  disarmKillSwitch: async (minutes) => {
    record('disarmKillSwitch', [minutes]);
    if (DOWN) {
      throw unavailable();
    }
    await sleep(SLOW_MS);
    record('disarmKillSwitch:done', [minutes]);
    return { ok: true, lines: [`The kill switch is disarmed for ${minutes} minutes.`] };
  },
  rearmKillSwitch: async () => {
    record('rearmKillSwitch');
    return { ok: true, lines: ['Armed.'] };
  },
  reissueCertificate: async () => {
    record('reissueCertificate');
    return { ok: true, lines: ['New certificate. Fingerprint: AA:BB'] };
  },
  resetAuthority: async () => {
    record('resetAuthority');
    return { ok: true, lines: ['New CA. Fingerprint: CC:DD'] };
  },
  shellPasswordSet: () => Promise.resolve(true),
  checkShellPassword: async (password) => {
    record('checkShellPassword', ['[secret]']);
    return password === 'right-password';
  },
  recordConsoleEvent: async (action) => {
    record('recordConsoleEvent', [action]);
  },
  tunnelHandshake: async () => {
    record('tunnelHandshake');
    return { ok: true, lines: ['Handshake with provider-ch in 42 ms.'] };
  },
};

const host: HostActions = {
  ping: async (target) => {
    record('ping', [target]);
    return [`3 packets transmitted, 3 received (${target})`];
  },
  resolve: async (name, server) => {
    record('resolve', [name, server]);
    return [`A     93.184.215.14 (${name})`];
  },
  defaultGateway: () => Promise.resolve('203.0.113.1'),
  listUsbPartitions: async () => {
    record('listUsbPartitions');
    return [{ path: '/dev/sda1', name: 'sda1', size: '7.5G', label: 'STICK', fsType: 'vfat', mountpoint: null }];
  },
  mountReadOnly: async (device) => {
    record('mountReadOnly', [device]);
    return '/mnt/fixture';
  },
  listBackupFiles: async (dir) => {
    record('listBackupFiles', [dir]);
    return [{ name: 'home.burrowbackup', sizeBytes: 2048 }];
  },
  unmount: async (dir) => {
    record('unmount', [dir]);
  },
  reboot: async () => {
    record('reboot');
  },
  powerOff: async () => {
    record('powerOff');
  },
  openShell: async () => {
    record('openShell');
  },
};

await runConsole({ backend, host, input: process.stdin, output: process.stdout });
record('exit');

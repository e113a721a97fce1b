// The header's lines fit 80 columns whatever the router reports, say "unknown" for what it could not read, and
// say plainly (without colour) when burrowd or the web service is down.
import test from 'ava';
import { type ConsoleHeader } from '../backend.js';
import { formatUptime, headerLines, summaryLine } from './header.js';

const FINGERPRINT = Array.from({ length: 32 }, (_, i) => i.toString(16).padStart(2, '0').toUpperCase()).join(':');

const FULL: ConsoleHeader = {
  firmwareVersion: '1.2.3-rc.4+build.5678',
  hostname: 'burrow-' + 'x'.repeat(60),
  uptimeSeconds: 3 * 86_400 + 4 * 3_600 + 12 * 60 + 5,
  wanAddresses: ['203.0.113.45/24', '2001:db8:1234:5678:9abc:def0:1234:5678/64', '198.51.100.7/24'],
  lanAddresses: ['192.168.8.1/24', 'fd00:1234:5678:9abc::1/64'],
  webUrl: 'https://192.168.8.1/',
  caFingerprint: FINGERPRINT,
  tunnel: { name: 'provider-' + 'y'.repeat(50), state: 'up', lastHandshake: '2026-12-02 12:00:03 (1 min ago)' },
  killSwitch: { state: 'disarmed', disarmedUntil: '2026-12-02 12:30' },
  selfTest: { pass: false, at: '2026-12-02 11:00' },
  burrowdUp: false,
  apiUp: false,
};

test('every line fits 80 columns, even with long names and many addresses', (t) => {
  const lines = headerLines(FULL, null);
  t.is(lines.length, 10);
  for (const line of lines) {
    t.true(line.length <= 80, line);
  }
  t.true(summaryLine(FULL).length <= 80);
});

test('the CA fingerprint is shown whole over two lines, for comparing with the browser', (t) => {
  const lines = headerLines(FULL, null);
  const shown = lines
    .filter((line) => /^(CA fingerprint: | {16})[0-9A-F]{2}:/.test(line))
    .map((line) => line.slice(16))
    .join(':');
  t.is(shown, FINGERPRINT);
});

test('down services and a disarmed kill switch are said in words, not only in colour', (t) => {
  const text = headerLines(FULL, null).join('\n');
  t.regex(text, /burrowd: NOT RUNNING — firmware actions unavailable/);
  t.regex(text, /Web service: NOT RUNNING/);
  t.regex(text, /Kill switch: DISARMED until 2026-12-02 12:30/);
  t.regex(text, /Self-test: FAILED/);
});

test('what could not be read is shown as unknown', (t) => {
  const text = headerLines(
    {
      ...FULL,
      uptimeSeconds: null,
      webUrl: null,
      caFingerprint: null,
      tunnel: null,
      killSwitch: null,
      selfTest: null,
      burrowdUp: true,
      apiUp: true,
    },
    null,
  ).join('\n');
  for (const label of ['Uptime', 'Web page', 'CA fingerprint', 'Tunnel', 'Kill switch', 'Self-test']) {
    t.regex(text, new RegExp(`${label}: unknown`));
  }
  t.regex(text, /burrowd: running {3}Web service: running/);
});

test('no header at all says why', (t) => {
  t.regex(headerLines(null, 'the core did not answer').join('\n'), /Status: the core did not answer/);
});

test('uptime reads as days and a clock', (t) => {
  t.is(formatUptime(59), '00:00');
  t.is(formatUptime(3_600 + 120), '01:02');
  t.is(formatUptime(86_400 + 60), '1 day, 00:01');
  t.is(formatUptime(null), 'unknown');
});

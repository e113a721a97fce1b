import test from 'ava';
import { readRouterSample } from './metrics-sample.js';

const NOW = new Date('2026-01-10T12:00:00Z');

const report = (overrides: Record<string, unknown> = {}, upstream: Record<string, unknown> = {}) => ({
  killSwitch: true,
  peers: [{ publicKey: 'k', endpoint: null, lastHandshake: '2026-01-10T11:59:20Z', rxBytes: 10, txBytes: 20 }],
  upstream: {
    activeId: 1,
    profiles: [
      { id: 1, name: 'Home VPN', state: 'active' },
      { id: 2, name: 'Backup', state: 'standby' },
    ],
    events: [],
    ...upstream,
  },
  ...overrides,
});

test('burrowd silent: firmware down and nothing else claimed', (t) => {
  t.deepEqual(readRouterSample(null, NOW), {
    firmwareUp: false,
    profiles: [],
    tunnel: null,
    killSwitchArmed: null,
    selfTest: null,
    failovers: null,
  });
});

test('the active profile with a fresh handshake is up; its counters and handshake age come from its peer', (t) => {
  const sample = readRouterSample(report(), NOW);
  t.true(sample.firmwareUp);
  t.deepEqual(sample.profiles, [
    { id: 1, name: 'Home VPN', up: true, active: true },
    { id: 2, name: 'Backup', up: false, active: false },
  ]);
  t.deepEqual(sample.tunnel, {
    profileId: 1,
    profile: 'Home VPN',
    handshakeAgeSeconds: 40,
    receiveBytes: 10,
    transmitBytes: 20,
  });
  t.true(sample.killSwitchArmed);
});

test('an old handshake or a failed profile is not up, though it stays the active one', (t) => {
  const stale = report({ peers: [{ publicKey: 'k', lastHandshake: '2026-01-10T11:50:00Z', rxBytes: 1, txBytes: 1 }] });
  t.like(readRouterSample(stale, NOW).profiles[0], { up: false, active: true });
  t.is(readRouterSample(stale, NOW).tunnel?.handshakeAgeSeconds, 600);
  const never = report({ peers: [{ publicKey: 'k', lastHandshake: null }] });
  t.is(readRouterSample(never, NOW).tunnel?.handshakeAgeSeconds, null);
  const failed = report({}, { profiles: [{ id: 1, name: 'Home VPN', state: 'failed' }] });
  t.like(readRouterSample(failed, NOW).profiles[0], { up: false, active: true });
});

test('no active profile: no tunnel series', (t) => {
  const sample = readRouterSample(report({}, { activeId: null }), NOW);
  t.is(sample.tunnel, null);
  t.false(sample.profiles.some((profile) => profile.up || profile.active));
});

test('the self-test and the failover count are read when burrowd reports them well, and left out otherwise', (t) => {
  const selftest = {
    at: 1_768_046_400_000,
    trigger: 'change',
    pass: false,
    checks: [
      { name: 'dns', pass: true, details: '' },
      { name: 'leak', pass: false, details: 'x' },
      { name: 7, pass: true },
      'junk',
    ],
  };
  const sample = readRouterSample(report({ selftest }, { failovers: 4 }), NOW);
  t.deepEqual(sample.selfTest, {
    at: 1_768_046_400_000,
    pass: false,
    checks: [
      { name: 'dns', pass: true },
      { name: 'leak', pass: false },
    ],
  });
  t.is(sample.failovers, 4);

  for (const odd of [
    null,
    undefined,
    'yes',
    { at: 'soon', pass: true, checks: [] },
    { at: 1, pass: 'no', checks: [] },
  ]) {
    t.is(readRouterSample(report({ selftest: odd }), NOW).selfTest, null, JSON.stringify(odd));
  }
  for (const odd of [-1, 1.5, '3', null]) {
    t.is(readRouterSample(report({}, { failovers: odd }), NOW).failovers, null, JSON.stringify(odd));
  }
  t.is(readRouterSample(report({ killSwitch: 'on' }), NOW).killSwitchArmed, null);
});

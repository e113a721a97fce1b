import test from 'ava';
import { appliedState, boardSchema, networkSchema, parseDesiredStateV2 } from './desired-state-v2.js';

const BOARD = networkSchema.parse({
  wan: { interface: 'wan0' },
  lan: { ports: ['lan1p'], address: '100.64.8.1/24', dhcp: { rangeStart: '100.64.8.100', rangeEnd: '100.64.8.199' } },
});

const key = (byte: number) => Buffer.alloc(32, byte).toString('base64');

function profile(id: number, overrides: Record<string, unknown> = {}) {
  return {
    id,
    name: `Provider ${id}`,
    privateKey: key(id),
    addresses: [`100.96.${id}.2/32`],
    dns: [`100.96.${id}.1`],
    peers: [{ publicKey: key(100 + id), endpoint: `203.0.113.${id}:51820`, allowedIps: ['0.0.0.0/0'] }],
    ...overrides,
  };
}

const document = (profiles: unknown[], selectedId: number | null = null) => ({
  version: 2,
  upstream: { profiles, selectedId },
});

test('a version-2 document takes the board network when it carries none', (t) => {
  const parsed = parseDesiredStateV2(document([profile(1), profile(2)]), BOARD);
  t.true(parsed.ok);
  const state = parsed.ok ? appliedState(parsed.state, BOARD, 2) : null;
  t.is(state?.tunnel?.privateKey, key(2));
  t.is(state?.tunnel?.interface, 'wg0');
  t.is(state?.lan.address, '100.64.8.1/24');
  t.true(state?.killSwitch);
  t.is(parsed.ok ? appliedState(parsed.state, BOARD, null).tunnel : undefined, null);
});

test('without a board file a document must carry the network', (t) => {
  const parsed = parseDesiredStateV2(document([]), null);
  t.deepEqual(parsed.ok ? [] : parsed.errors, [
    'network: is required: burrowd was started without a board file (--network)',
  ]);
  t.true(parseDesiredStateV2({ ...document([]), network: BOARD }, null).ok);
});

test('a profile that would not work with the network is refused now, not when failover reaches it', (t) => {
  const parsed = parseDesiredStateV2(document([profile(1), profile(2, { addresses: ['100.64.8.7/32'] })]), BOARD);
  t.false(parsed.ok);
  t.regex(parsed.ok ? '' : parsed.errors.join(), /upstream\.profiles\[1\].*addresses\[0\]: overlaps the LAN subnet/);
});

test('ids are unique and the chosen one must exist; errors never quote a key', (t) => {
  const repeated = parseDesiredStateV2(document([profile(1), profile(1)]), BOARD);
  t.regex(repeated.ok ? '' : repeated.errors.join(), /profiles\[1\]\.id: repeats another id/);
  const unknown = parseDesiredStateV2(document([profile(1)], 9), BOARD);
  t.regex(unknown.ok ? '' : unknown.errors.join(), /selectedId: is not the id of a profile/);
  const badKey = parseDesiredStateV2(document([profile(1, { privateKey: `${key(1).slice(1)}` })]), BOARD);
  t.false(badKey.ok);
  t.false(JSON.stringify(badKey).includes(key(1).slice(1)));
});

test('a version-1 state converts to one profile with its network', (t) => {
  const { id: _id, name: _name, ...tunnel } = profile(3);
  const v1 = { version: 1, killSwitch: false, ...BOARD, tunnel: { interface: 'burrow-tun', ...tunnel } };
  const parsed = parseDesiredStateV2(v1, null);
  t.true(parsed.ok, JSON.stringify(parsed));
  if (!parsed.ok) {
    return;
  }
  t.like(parsed.state, { version: 2, killSwitch: false, upstream: { interface: 'burrow-tun', selectedId: null } });
  t.is(parsed.state.upstream.profiles.length, 1);
  t.is(parsed.state.network?.wan.interface, 'wan0');
  t.is(appliedState(parsed.state, parsed.state.network!, 1).tunnel?.privateKey, key(3));
  const empty = parseDesiredStateV2({ version: 1, ...BOARD, tunnel: null }, null);
  t.deepEqual(empty.ok ? empty.state.upstream.profiles : null, []);
});

test("a board file's upstream interface names the tunnel when the document names none", (t) => {
  const board = boardSchema.parse({ ...BOARD, upstream: { interface: 'blt123abc', probeInterface: 'blp123abc' } });
  const named = parseDesiredStateV2(document([profile(1)]), board);
  t.is(named.ok ? appliedState(named.state, board, 1).tunnel?.interface : undefined, 'blt123abc');
  const own = parseDesiredStateV2({ version: 2, upstream: { interface: 'wg7', profiles: [profile(1)] } }, board);
  t.is(own.ok ? own.state.upstream.interface : undefined, 'wg7', "the document's own name wins");
  t.false(boardSchema.safeParse({ ...BOARD, upstream: { interface: 'no spaces' } }).success);
});

test('the exit check is optional; its URL must be http(s), at most 2048 characters, without a user or password', (t) => {
  const withUrl = (url: unknown) => parseDesiredStateV2({ ...document([profile(1)]), exitCheck: { url } }, BOARD);
  const absent = parseDesiredStateV2(document([profile(1)]), BOARD);
  t.true(absent.ok && absent.state.exitCheck === undefined, 'absent: no exit check');
  const ok = withUrl('http://internet.test/');
  t.deepEqual(ok.ok ? ok.state.exitCheck : null, { url: 'http://internet.test/' });
  t.true(withUrl(`https://example.test/${'a'.repeat(2048 - 21)}`).ok, 'exactly 2048 characters');
  const refused: Array<[unknown, RegExp]> = [
    [`https://example.test/${'a'.repeat(2048 - 20)}`, /at most 2048/],
    ['ftp://example.test/', /http or https/],
    ['file:///etc/passwd', /http or https/],
    ['https://user:secret@example.test/ip', /user name or password/],
    ['https://user@example.test/ip', /user name or password/],
    ['/ip', /absolute URL/],
    ['http://example.test/\nX-Injected: 1', /control characters/],
    [42, /string/i],
  ];
  for (const [url, reason] of refused) {
    const parsed = withUrl(url);
    t.false(parsed.ok, `${String(url).slice(0, 40)} is refused`);
    t.regex(parsed.ok ? '' : parsed.errors.join('; '), reason);
    t.notRegex(parsed.ok ? '' : parsed.errors.join('; '), /secret/, 'errors never quote the URL');
  }
  t.false(parseDesiredStateV2({ ...document([profile(1)]), exitCheck: { url: 'http://a.test/', x: 1 } }, BOARD).ok);
});

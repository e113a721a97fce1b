import test from 'ava';
import { BROKEN_FILES, GOOD_FILES, PRESHARED_KEY, PRIVATE_KEY, SECRETS, SERVER_KEY } from './testing/provider-files.js';
import { CONFIG_MAX_BYTES, parseWgQuick } from './wg-quick-parse.js';
import { renderWgQuick } from './wg-quick-render.js';

for (const [name, text] of Object.entries(GOOD_FILES)) {
  test(`imports a provider file: ${name}`, (t) => {
    const result = parseWgQuick(text);
    if (!result.ok) {
      t.fail(JSON.stringify(result.problems));
      return;
    }
    t.is(result.profile.privateKey, PRIVATE_KEY);
    t.is(result.profile.peers[0]?.publicKey, SERVER_KEY);
  });

  test(`export then import gives the same profile: ${name}`, (t) => {
    const first = parseWgQuick(text);
    if (!first.ok) {
      t.fail();
      return;
    }
    const again = parseWgQuick(renderWgQuick(first.profile, { name: 'Provider A', includeSecrets: true }));
    t.true(again.ok);
    t.deepEqual(again.ok && again.profile, first.profile);
  });
}

for (const [name, broken] of Object.entries(BROKEN_FILES)) {
  test(`refuses a broken file, naming the line and field: ${name}`, (t) => {
    const result = parseWgQuick(broken.text);
    if (result.ok) {
      t.fail('accepted');
      return;
    }
    const problem = result.problems.find((candidate) => broken.message.test(candidate.message));
    t.truthy(problem, JSON.stringify(result.problems));
    t.like(problem, { line: broken.line, field: broken.field });
    const said = JSON.stringify(result.problems);
    for (const secret of [...SECRETS, SERVER_KEY, PRIVATE_KEY.slice(1)]) {
      t.false(said.includes(secret), 'a problem quotes a key');
    }
  });
}

test('fields are read as wg-quick reads them: lists, repeats, canonical text', (t) => {
  const result = parseWgQuick(GOOD_FILES['hostname endpoint, several resolvers and search domains']!);
  t.true(result.ok);
  t.like(result.ok && result.profile, {
    addresses: ['172.16.0.2/32', 'fd7d:76ee:e68f:a993::2/128'],
    dns: ['10.128.0.1', '10.128.0.2', 'fd7d:76ee:e68f:a993::1'],
    searchDomains: ['corp.example', 'example.net'],
    mtu: 1380,
  });
  t.deepEqual(result.ok && result.profile.peers[0]?.allowedIps, ['0.0.0.0/0', '::/0', '10.128.0.0/16']);
  t.is(result.ok && result.profile.peers[0]?.endpoint, 'nl-ams-wg-001.vpn.example:51820');
});

test('a bare address is a host prefix, and an IPv6 endpoint keeps its brackets', (t) => {
  const crlf = parseWgQuick(GOOD_FILES['CRLF line ends and a byte-order mark']!);
  t.deepEqual(crlf.ok && crlf.profile.addresses, ['10.2.0.2/32']);
  const dual = parseWgQuick(GOOD_FILES['dual stack with keepalive']!);
  t.like(dual.ok && dual.profile.peers[0], { endpoint: '[2001:db8::7]:51820', persistentKeepalive: 25 });
});

test('Table, FwMark, SaveConfig and ListenPort are ignored with a notice', (t) => {
  const comments = parseWgQuick(GOOD_FILES['comments, odd spacing and key case']!);
  t.deepEqual(comments.ok && comments.notices.map((notice) => notice.split(' ')[0]), ['ListenPort', 'SaveConfig']);
  const peers = parseWgQuick(GOOD_FILES['several peers']!);
  t.deepEqual(peers.ok && peers.notices.map((notice) => notice.split(' ')[0]), ['Table', 'FwMark']);
});

test('a file that does not route everything is accepted with a plain warning', (t) => {
  const result = parseWgQuick(GOOD_FILES['several peers']!);
  t.true(result.ok);
  // 0.0.0.0/1 and 128.0.0.0/1 together do cover all of IPv4: no IPv4 warning.
  t.false(result.ok && result.warnings.some((warning) => warning.includes('0.0.0.0/0')));
  const partial = parseWgQuick(GOOD_FILES['ipv4 only']!.replace('AllowedIPs = 0.0.0.0/0', 'AllowedIPs = 10.0.0.0/8'));
  t.true(partial.ok);
  const warning = partial.ok ? partial.warnings.find((text) => text.includes('0.0.0.0/0')) : undefined;
  t.regex(warning ?? '', /only 10\.0\.0\.0\/8 will go through the tunnel, and the kill switch blocks the rest/);
});

test('IPv6 without ::/0 is warned about; no IPv6 at all is said plainly', (t) => {
  const dual = GOOD_FILES['dual stack with keepalive']!.replace('0.0.0.0/0, ::/0', '0.0.0.0/0');
  const result = parseWgQuick(dual);
  t.true(result.ok && result.warnings.some((warning) => warning.includes('::/0')));
  const v4 = parseWgQuick(GOOD_FILES['ipv4 only']!);
  t.true(v4.ok && v4.warnings.some((warning) => /no IPv6 address/.test(warning)));
});

test('an oversized file is refused before it is read', (t) => {
  const result = parseWgQuick(`# ${'x'.repeat(CONFIG_MAX_BYTES)}\n${GOOD_FILES['ipv4 only']!}`);
  t.false(result.ok);
  t.regex(result.ok ? '' : result.problems[0]!.message, /larger than 64 KiB/);
});

test('several problems are all reported, each with its line', (t) => {
  const text = GOOD_FILES['preshared key']!.replace(PRESHARED_KEY, 'short').replace(':51820', ':0');
  const result = parseWgQuick(`${text}PostDown = rm -rf /\n`);
  t.false(result.ok);
  t.deepEqual(result.ok ? [] : result.problems.map(({ line, field }) => `${line}:${field}`), [
    '8:PresharedKey',
    '10:Endpoint',
    '11:PostDown',
  ]);
});

test('an export without secrets keeps every key on the router and says so', (t) => {
  const result = parseWgQuick(GOOD_FILES['preshared key']!);
  const text = result.ok ? renderWgQuick(result.profile, { name: 'A\nPostUp = x', includeSecrets: false }) : '';
  t.false(text.includes(PRIVATE_KEY));
  t.false(text.includes(PRESHARED_KEY));
  t.true(text.includes(SERVER_KEY));
  t.regex(text, /# PrivateKey = \(kept on the router/);
  t.false(/^PostUp/m.test(text), 'a name cannot add a line');
});

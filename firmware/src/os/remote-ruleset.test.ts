// The kill-switch table with remote access (wg1): the WAN opens exactly its port, a remote device reaches the LAN,
// the Internet only through the tunnel and only with Internet reach, and never the WAN; loaded by the real nft.
import test from 'ava';
import { applyRuleset, checkRuleset } from './nft-apply.js';
import { renderRuleset, rulesetFingerprint } from './nft-ruleset.js';
import { remoteState } from './testing/remote-access.js';
import { throwawayNamespace } from './testing/namespaces.js';

const ENDPOINT = { endpoints: [{ address: '203.0.113.1', port: 51820 }] };

function chainRules(text: string, name: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(`\tchain ${name} {`);
  return start === -1 ? [] : lines.slice(start + 1, lines.indexOf('\t}', start)).map((line) => line.trim());
}

function setElements(text: string, name: string): string | undefined {
  const lines = text.split('\n');
  const start = lines.indexOf(`\tset ${name} {`);
  return lines
    .slice(start, lines.indexOf('\t}', start))
    .find((line) => line.includes('elements'))
    ?.trim();
}

test('without remote access the table names no remote interface, port or set', (t) => {
  const text = renderRuleset(remoteState({ remoteAccess: null }), ENDPOINT);
  t.false(text.includes('wg1'));
  t.false(text.includes('remote'));
  t.false(text.includes('51821'));
});

test('the WAN opens exactly the listen port, and lets the server answer from it even with the kill switch on', (t) => {
  const text = renderRuleset(remoteState(), ENDPOINT);
  const without = renderRuleset(remoteState({ remoteAccess: null }), ENDPOINT);
  const added = chainRules(text, 'input_wan').filter((rule) => !chainRules(without, 'input_wan').includes(rule));
  t.deepEqual(added, ['udp dport 51821 accept comment "remote access: devices reach the router\'s WireGuard server"']);
  const inputWan = chainRules(text, 'input_wan');
  t.true(
    inputWan.indexOf(added[0]!) <
      inputWan.indexOf('counter drop comment "nothing else from the WAN reaches the router"'),
  );
  const outputWan = chainRules(text, 'output_wan');
  const serverRule = outputWan.findIndex((rule) => rule.startsWith('meta mark 0xca6d udp sport 51821 accept'));
  t.not(serverRule, -1);
  t.true(serverRule < outputWan.findIndex((rule) => rule.startsWith('counter drop')));
  t.true(chainRules(text, 'output').includes('oifname "wg1" accept'), "the router's answers to the devices go out");
});

test('forward: wg1 to the LAN, replies back, Internet only through the tunnel by source set, nothing else', (t) => {
  const text = renderRuleset(remoteState(), ENDPOINT);
  const forward = chainRules(text, 'forward');
  t.true(
    forward.includes('iifname "wg1" oifname "br-lan" ip saddr 10.99.0.0/24 accept comment "remote devices to the LAN"'),
  );
  t.true(forward.some((rule) => rule.startsWith('iifname "br-lan" oifname "wg1" ct state established,related accept')));
  t.true(forward.some((rule) => rule.startsWith('iifname "wg1" oifname "wg0" ip saddr @remote_internet_v4 accept')));
  t.true(forward.some((rule) => rule.startsWith('iifname "wg1" oifname "wg0" ip6 saddr @remote_internet_v6 accept')));
  t.true(forward.some((rule) => rule.startsWith('iifname "wg0" oifname "wg1" ct state established,related accept')));
  // Nothing from wg1 to the WAN, and nothing from the LAN to wg1 that is not a reply.
  t.false(forward.some((rule) => rule.includes('"wg1"') && rule.includes('"eth0"')));
  t.false(forward.some((rule) => rule.startsWith('iifname "br-lan" oifname "wg1"') && !rule.includes('established')));
  const reject = forward.findIndex((rule) => rule.startsWith('iifname "wg1" counter reject'));
  t.not(reject, -1, 'anything else from wg1 is rejected');
  // The LAN's own final reject comes after every wg1 rule, so the LAN's replies to devices are not refused.
  const lanReject = forward.findIndex((rule) => rule.startsWith('iifname "br-lan" counter reject'));
  t.true(reject < lanReject);
  // Only the device with Internet reach is in the sets.
  t.is(setElements(text, 'remote_internet_v4'), 'elements = { 10.99.0.3 }');
  t.is(setElements(text, 'remote_internet_v6'), 'elements = { fd99::3 }');
});

test('kill switch off: still no path from wg1 to the WAN, and no masquerade of the remote subnet there', (t) => {
  const text = renderRuleset(remoteState({ killSwitch: false }), ENDPOINT);
  const forward = chainRules(text, 'forward');
  t.false(forward.some((rule) => rule.includes('"wg1"') && rule.includes('"eth0"')));
  t.false(chainRules(text, 'postrouting').some((rule) => rule.includes('10.99.')));
  t.true(forward.some((rule) => rule.startsWith('iifname "wg1" counter reject')));
});

test('no tunnel: the devices reach the LAN, nothing goes anywhere else', (t) => {
  const text = renderRuleset(remoteState({ tunnel: null }), { endpoints: [] });
  const forward = chainRules(text, 'forward');
  t.true(forward.some((rule) => rule.startsWith('iifname "wg1" oifname "br-lan"')));
  t.false(forward.some((rule) => rule.includes('@remote_internet')));
  t.true(forward.some((rule) => rule.startsWith('iifname "wg1" counter reject')));
});

test('input and DNS from wg1 as from the LAN: DNS, ping, the web interface; DNS redirected to the router', (t) => {
  const text = renderRuleset(remoteState(), ENDPOINT);
  t.true(chainRules(text, 'input').includes('iifname "wg1" jump input_remote'));
  const input = chainRules(text, 'input_remote');
  t.true(input.includes('meta l4proto { tcp, udp } th dport 53 accept comment "DNS"'));
  t.true(input.includes('tcp dport { 80, 443 } accept comment "web interface"'));
  t.false(
    input.some((rule) => rule.includes('dport 67')),
    'no DHCP on wg1',
  );
  t.is(input.at(-1), 'reject with icmpx admin-prohibited');
  t.true(
    chainRules(text, 'prerouting').some((rule) =>
      rule.startsWith('iifname "wg1" meta l4proto { tcp, udp } th dport 53 redirect to :53'),
    ),
  );
});

const asRoot = process.getuid?.() === 0 ? test : test.skip;

asRoot('nft accepts and loads the remote-access variants', async (t) => {
  const nft = await throwawayNamespace(t, 'nftra');
  for (const state of [
    remoteState(),
    remoteState({ killSwitch: false }),
    remoteState({ tunnel: null }),
    remoteState({ remoteAccess: { ...remoteState().remoteAccess!, peers: [] } }),
  ]) {
    const text = renderRuleset(state, state.tunnel === null ? { endpoints: [] } : ENDPOINT);
    await t.notThrowsAsync(checkRuleset(nft, text));
    t.is((await applyRuleset(nft, text)).fingerprint, rulesetFingerprint(text));
  }
});

test('a blocked LAN device sends nothing to remote devices either, not even replies: its reject comes first', (t) => {
  const base = remoteState();
  const state = { ...base, lan: { ...base.lan, policies: [{ mac: '02:00:00:00:00:0b', policy: 'blocked' as const }] } };
  const forward = chainRules(renderRuleset(state, ENDPOINT), 'forward');
  const blocked = forward.findIndex((rule) => rule.startsWith('iifname "br-lan" ether saddr @dev_blocked'));
  t.not(blocked, -1);
  // A remote device may open a connection into the LAN; a blocked device's answer is refused all the same.
  const reply = forward.findIndex((rule) => rule.startsWith('iifname "br-lan" oifname "wg1" ct state established'));
  t.true(blocked < reply, 'the blocked reject precedes the LAN-to-wg1 replies');
  t.is(forward[1], 'ct state invalid drop', 'invalid packets are dropped before any accept, wg1 included');
});

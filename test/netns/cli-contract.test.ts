// The engine CLI's contract as a drop-in for wireguard-go, on one interface: the stock `wg setconf`
// and `wg showconf` work on it unchanged, and SIGTERM/SIGINT remove its UAPI socket and interface.
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../helpers/netns-exec.js';
import { NetnsLab } from '../helpers/netns.js';
import { generateKeyPair, generatePresharedKeyFile, generateUnrelatedPublicKey } from '../helpers/wg-keys.js';
import { LISTEN_PORT, LOCAL_TUNNEL } from '../helpers/wg-pair.js';
import { startWgPeer } from '../helpers/wg-peer.js';
import { netnsTest, UNDER_TEST } from './under-test.js';

netnsTest(`${UNDER_TEST.kind}: wg setconf configures it and wg showconf reads the same back`, async (t) => {
  const lab = await NetnsLab.create('cli');
  t.teardown(() => lab.close());
  const ns = await lab.addNamespace();
  const device = await startWgPeer(lab, { implementation: UNDER_TEST, ns, tunnel: LOCAL_TUNNEL, listenPort: 51000 });
  const privateKey = (await readFile((await generateKeyPair(lab.tempDir)).privateKeyFile, 'utf8')).trim();
  const presharedKey = (await readFile(await generatePresharedKeyFile(lab.tempDir), 'utf8')).trim();
  const peerKey = await generateUnrelatedPublicKey();
  const configFile = join(lab.tempDir, 'setconf.conf');
  await writeFile(
    configFile,
    [
      '[Interface]',
      `PrivateKey = ${privateKey}`,
      `ListenPort = ${LISTEN_PORT}`,
      '',
      '[Peer]',
      `PublicKey = ${peerKey}`,
      `PresharedKey = ${presharedKey}`,
      'AllowedIPs = 198.51.100.0/24, fd99::/64',
      'Endpoint = [fd00:b0::2]:51820',
      'PersistentKeepalive = 25',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  await device.wg(['setconf', device.ifname, configFile]);

  const sections = parseWgConfig(await device.wg(['showconf', device.ifname]));
  const [iface, peer, ...others] = sections;
  // Key material is compared, never printed.
  t.true(iface?.get('PrivateKey') === privateKey, 'showconf returns the private key that setconf set');
  t.is(iface?.get('ListenPort'), String(LISTEN_PORT));
  t.is(others.length, 0, 'exactly one peer');
  t.is(peer?.get('PublicKey'), peerKey);
  t.true(peer?.get('PresharedKey') === presharedKey, 'showconf returns the preshared key that setconf set');
  t.deepEqual(peer?.get('AllowedIPs')?.split(', ').sort(), ['198.51.100.0/24', 'fd99::/64']);
  t.is(peer?.get('Endpoint'), '[fd00:b0::2]:51820');
  t.is(peer?.get('PersistentKeepalive'), '25');
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  netnsTest(`${UNDER_TEST.kind}: ${signal} removes the UAPI socket and the interface`, async (t) => {
    const lab = await NetnsLab.create('cli');
    t.teardown(() => lab.close());
    const ns = await lab.addNamespace();
    const peer = await startWgPeer(lab, {
      implementation: UNDER_TEST,
      ns,
      tunnel: LOCAL_TUNNEL,
      listenPort: LISTEN_PORT,
    });
    await access(peer.socketPath);

    const exitCode = await peer.process.stop(signal);
    t.is(exitCode, 0, `exit code after ${signal}${peer.process.describeOutput()}`);
    await t.throwsAsync(access(peer.socketPath), { code: 'ENOENT' }, 'the UAPI socket is gone');
    const links = await run(['ip', '-n', ns, '-o', 'link', 'show']);
    t.notRegex(links.stdout, new RegExp(`: ${peer.ifname}[:@]`), 'the interface is gone');
  });
}

/** `wg showconf` output → one key/value map per section, [Interface] first. */
function parseWgConfig(text: string): Map<string, string>[] {
  const sections: Map<string, string>[] = [];
  for (const line of text.split('\n')) {
    if (/^\[(Interface|Peer)\]$/.test(line)) {
      sections.push(new Map());
      continue;
    }
    const match = /^(\w+) = (.*)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) {
      sections.at(-1)?.set(match[1], match[2]);
    }
  }
  return sections;
}

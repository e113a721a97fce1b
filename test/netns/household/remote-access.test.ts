// Remote access in the lab: a phone on the Internet side dials the router's second WireGuard engine (wg1) with a
// wg-quick .conf, as the WireGuard apps do. With "LAN only" it reaches a LAN device and not the Internet host;
// with "LAN and Internet" it reaches the Internet host through the upstream tunnel (the host sees the VPN server's
// address); a device left out (disabled), expired (burrowd removes it by itself at the instant) or deleted gets no
// handshake; a rekey leaves the old key without one. With no tunnel (kill switch on) an Internet device's traffic
// stops at the router: a WAN capture shows none of it.
import { type ExecutionContext } from 'ava';
import { type DesiredStateInput } from '@burrow/firmware/control/desired-state';
import { INTERNET_HOST, LAN } from '@burrow/scripts/lab/address-plan';
import { generateKeyPair, type KeyPair } from '@burrow/scripts/lab/wg-keys';
import { type Gateway, gatewayTest } from './fixture.js';
import { eventually, sleep } from './poll.js';
import { Phone } from './remote-phone.js';

const LISTEN_PORT = 51900;
const ROUTER_REMOTE = '10.99.0.1';
const WHOAMI_URL = `http://${INTERNET_HOST.web.ipv4}:${INTERNET_HOST.webPort}/`;
const EXPIRY_S = 6;

interface Device {
  readonly id: number;
  readonly keys: KeyPair;
  readonly address: string;
  readonly reach: 'lan' | 'internet';
  readonly expiresAt?: string;
}

/** The .conf the API hands a device (wg-quick format), for the phone to import. */
function deviceConf(device: Device, serverPublicKey: string, endpoint: string): string {
  return [
    '[Interface]',
    `PrivateKey = ${device.keys.privateKey}`,
    `Address = ${device.address}`,
    `DNS = ${ROUTER_REMOTE}`,
    '',
    '[Peer]',
    `PublicKey = ${serverPublicKey}`,
    `Endpoint = ${endpoint}`,
    'AllowedIPs = 0.0.0.0/0',
    '',
  ].join('\n');
}

function withRemote(gateway: Gateway, server: KeyPair, devices: readonly Device[], base?: DesiredStateInput) {
  const hex = gateway.lab.names.runId.split('-')[1]!;
  return {
    ...(base ?? gateway.labState({})),
    remoteAccess: {
      // UAPI sockets are host-wide: a name of this run's own.
      interface: `blr${hex}`,
      listenPort: LISTEN_PORT,
      privateKey: server.privateKey,
      addresses: [`${ROUTER_REMOTE}/24`],
      peers: devices.map((device) => ({
        id: device.id,
        publicKey: device.keys.publicKey,
        allowedIps: [device.address],
        reach: device.reach,
        ...(device.expiresAt === undefined ? {} : { expiresAt: device.expiresAt }),
      })),
    },
  } satisfies DesiredStateInput;
}

/** Configures the phone as `device` and pings the router through wg1: whether a handshake completed. */
async function dial(phone: Phone, device: Device, server: KeyPair, gateway: Gateway): Promise<boolean> {
  const wan = gateway.record.router.wanAddress.split('/')[0]!;
  await phone.configure(deviceConf(device, server.publicKey, `${wan}:${LISTEN_PORT}`));
  await phone.pings(ROUTER_REMOTE, 3);
  return (await phone.latestHandshake()) !== 0;
}

async function assertNoHandshake(t: ExecutionContext, phone: Phone, what: string): Promise<void> {
  t.false(await phone.pings(ROUTER_REMOTE, 3), `${what}: the router does not answer`);
  t.is(await phone.latestHandshake(), 0, `${what}: no handshake`);
  t.is(await phone.received(), 0, `${what}: nothing received from the router`);
}

async function lanDeviceAddress(gateway: Gateway): Promise<string> {
  const lease = await gateway.lab.dhcp(gateway.lanDevices[0]);
  return lease.address;
}

gatewayTest(
  'remote access: LAN-only and Internet devices, disabled, expired, deleted and rekeyed ones',
  {},
  async (t, gateway) => {
    const phone = await Phone.start(gateway.lab, (stop) => t.teardown(stop));
    const server = await generateKeyPair();
    const lanPhone: Device = { id: 1, keys: await generateKeyPair(), address: '10.99.0.2/32', reach: 'lan' };
    const netPhone: Device = { id: 2, keys: await generateKeyPair(), address: '10.99.0.3/32', reach: 'internet' };
    const disabled: Device = { id: 3, keys: await generateKeyPair(), address: '10.99.0.4/32', reach: 'internet' };
    const lanDevice = await lanDeviceAddress(gateway);

    // The disabled device is simply left out, as the API does; the expiring one is in for a few seconds.
    const expiresAt = new Date(Date.now() + EXPIRY_S * 1000).toISOString();
    const expiring: Device = { id: 4, keys: await generateKeyPair(), address: '10.99.0.5/32', reach: 'lan', expiresAt };
    await gateway.apply(withRemote(gateway, server, [lanPhone, netPhone, expiring]));

    // Before it expires, the expiring device completes a handshake.
    t.true(await dial(phone, expiring, server, gateway), 'the expiring device, while in force: handshake');

    t.true(await dial(phone, lanPhone, server, gateway), 'LAN only: handshake');
    t.true(await phone.pings(lanDevice), 'LAN only: reaches a LAN device');
    t.true(await phone.pings(LAN.router), "LAN only: reaches the router's LAN address");
    t.deepEqual(
      await phone.resolve(INTERNET_HOST.webName, ROUTER_REMOTE),
      [INTERNET_HOST.web.ipv4],
      "the router's DNS answers the device (forwarded through the tunnel)",
    );
    await t.throwsAsync(phone.httpGet(WHOAMI_URL), undefined, 'LAN only: the Internet host is out of reach');
    t.false(await phone.pings(INTERNET_HOST.web.ipv4, 2), 'LAN only: no ping to the Internet host');

    t.true(await dial(phone, netPhone, server, gateway), 'LAN and Internet: handshake');
    t.is(await phone.httpGet(WHOAMI_URL), gateway.record.vpnServer.address, 'the Internet host sees the VPN server');
    t.true(await phone.pings(lanDevice), 'LAN and Internet: reaches a LAN device too');

    const status = await gateway.status();
    const remote = (
      status as unknown as {
        remoteAccess: { listenPort: number; peers: Array<{ publicKey: string; lastHandshake: string | null }> };
      }
    ).remoteAccess;
    t.is(remote.listenPort, LISTEN_PORT);
    t.not(remote.peers.find((peer) => peer.publicKey === netPhone.keys.publicKey)?.lastHandshake ?? null, null);
    t.false(JSON.stringify(status).includes(server.privateKey), "the status never carries the router's key");

    t.false(await dial(phone, disabled, server, gateway), 'a disabled device (left out): no handshake');
    await assertNoHandshake(t, phone, 'a disabled device');

    // Expired: burrowd takes it out of the engine by itself, with no new state from anyone.
    await sleep(Math.max(0, Date.parse(expiresAt) - Date.now()));
    await eventually('burrowd removing the expired device', 10_000, async () => {
      const peers = ((await gateway.status()) as unknown as { remoteAccess: { peers: Array<{ publicKey: string }> } })
        .remoteAccess.peers;
      return peers.some((peer) => peer.publicKey === expiring.keys.publicKey) ? undefined : true;
    });
    t.false(await dial(phone, expiring, server, gateway), 'an expired device: no handshake');
    await assertNoHandshake(t, phone, 'an expired device');

    // Deleted: the LAN-only device goes; rekeyed: the Internet device gets a new key pair, same address.
    const rekeyed: Device = { ...netPhone, keys: await generateKeyPair() };
    await gateway.apply(withRemote(gateway, server, [rekeyed]));
    t.false(await dial(phone, lanPhone, server, gateway), 'a deleted device: no handshake');
    await assertNoHandshake(t, phone, 'a deleted device');
    t.false(await dial(phone, netPhone, server, gateway), 'the old key after a rekey: no handshake');
    await assertNoHandshake(t, phone, 'the old key after a rekey');
    t.true(await dial(phone, rekeyed, server, gateway), 'the new key after a rekey: handshake');
    t.is(await phone.httpGet(WHOAMI_URL), gateway.record.vpnServer.address);

    // No tunnel, kill switch on: the device still reaches the router, but its Internet traffic leaves nowhere.
    await gateway.apply(withRemote(gateway, server, [rekeyed], { ...gateway.labState({}), tunnel: null }));
    t.true(await dial(phone, rekeyed, server, gateway), 'no tunnel: the device still completes a handshake');
    const capture = await gateway.captureWan('remote-no-tunnel');
    await t.throwsAsync(phone.httpGet(WHOAMI_URL, 2_000), undefined, 'no tunnel: the Internet host is out of reach');
    t.false(await phone.pings(INTERNET_HOST.web.ipv4, 3));
    await capture.stop();
    const leaked = await capture.describe(`host ${INTERNET_HOST.web.ipv4} or net 10.99.0.0/24`);
    t.is(leaked.count, 0, `nothing of the device's Internet traffic crossed the WAN:\n${leaked.sample}`);
    t.true(
      (await capture.count(`udp and port ${LISTEN_PORT}`)) > 0,
      "the WAN carried the device's encrypted packets to and from the router's port",
    );
  },
);

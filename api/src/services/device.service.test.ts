import test from 'ava';
import { CryptoRepository } from '../repositories/crypto.repository.js';
import { ServerSecretRepository } from '../repositories/server-secret.repository.js';
import { openMemoryDatabase } from '../testing/database.js';
import { DEVICE_COOKIE_LIFETIME_MS, DeviceService } from './device.service.js';

const NOW = new Date('2026-03-01T12:00:00Z');

test('a device cookie names its user until it expires; altered, foreign or expired ones name nobody', async (t) => {
  const dataSource = await openMemoryDatabase();
  t.teardown(() => dataSource.destroy());
  const secrets = new ServerSecretRepository(dataSource);
  const devices = new DeviceService(new CryptoRepository(), secrets);
  const cookie = await devices.issue(7, NOW);
  t.is(cookie.expiresAt.getTime(), NOW.getTime() + DEVICE_COOKIE_LIFETIME_MS);
  const known = await devices.verify(cookie.value, NOW);
  t.is(known?.userId, 7);
  t.not((await devices.issue(7, NOW)).value, cookie.value, 'each sign-in, a new device id');

  const [userId, deviceId, expires, mac] = cookie.value.split('.');
  for (const forged of [
    `8.${deviceId}.${expires}.${mac}`,
    `${userId}.${deviceId}.${Number(expires) + 1000}.${mac}`,
    `${userId}.${deviceId}.${expires}.${mac?.slice(0, -1)}${mac?.endsWith('A') ? 'B' : 'A'}`,
    undefined,
    '',
    'junk',
  ]) {
    t.is(await devices.verify(forged, NOW), undefined, String(forged));
  }
  t.is(await devices.verify(cookie.value, cookie.expiresAt), undefined, 'expired');
  const otherServer = new DeviceService(new CryptoRepository(), {
    getOrCreate: () => Promise.resolve('another-servers-key-another-servers-key'),
  } as unknown as ServerSecretRepository);
  t.is(await otherServer.verify(cookie.value, NOW), undefined, 'signed with another key');
  t.is(
    await new DeviceService(new CryptoRepository(), secrets).verify(cookie.value, NOW).then((d) => d?.userId),
    7,
    'the key outlives a restart',
  );
});

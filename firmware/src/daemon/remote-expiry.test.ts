import test from 'ava';
import { remoteAccessSchema } from '../control/household-state.js';
import { RemoteExpiry } from './remote-expiry.js';

const KEY = (n: number) => Buffer.alloc(32, n).toString('base64');
const remote = remoteAccessSchema.parse({
  privateKey: KEY(9),
  addresses: ['10.99.0.1/24'],
  peers: [{ id: 1, publicKey: KEY(1), allowedIps: ['10.99.0.2/32'], reach: 'lan', expiresAt: '2030-01-01T00:00:00Z' }],
});

test('a device that expires while its engine starts still gets its alarm: the one given to the engine counts', async (t) => {
  const appliedAt = new Date('2029-12-31T23:59:59.900Z');
  // The engine took its time: when the alarm is armed the device has already expired.
  const now = Date.parse('2030-01-01T00:00:01Z');
  let reapplied = 0;
  const expiry = new RemoteExpiry(
    () => reapplied++,
    () => now,
  );
  expiry.schedule(remote, appliedAt);
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.is(reapplied, 1, 'the state was applied again, leaving the device out');
  expiry.stop();
});

test('no device expiring, no alarm', async (t) => {
  let reapplied = 0;
  const expiry = new RemoteExpiry(
    () => reapplied++,
    () => Date.parse('2031-01-01T00:00:00Z'),
  );
  expiry.schedule(remote, new Date('2031-01-01T00:00:00Z'));
  await new Promise((resolve) => setTimeout(resolve, 150));
  t.is(reapplied, 0);
});

import test from 'ava';
import { LoginAttemptRepository } from '../repositories/login-attempt.repository.js';
import { openMemoryDatabase } from '../testing/database.js';
import { ADDRESS_LOCKOUT } from './lockout-policy.js';
import { LockoutService } from './lockout.service.js';

const MINUTE = 60_000;
const T0 = new Date('2026-03-01T12:00:00Z').getTime();
const at = (minutes: number) => new Date(T0 + minutes * MINUTE);

async function service(t: { teardown: (fn: () => Promise<void>) => void }) {
  const dataSource = await openMemoryDatabase();
  t.teardown(() => dataSource.destroy());
  const lockout = new LockoutService(new LoginAttemptRepository(dataSource));
  const row = async (scope: 'username' | 'address' | 'device') =>
    (
      await dataSource.query<Array<{ failures: number; locked_until: number | null }>>(
        'SELECT failures, locked_until FROM login_attempt WHERE scope = ?',
        [scope],
      )
    )[0];
  return { lockout, row };
}

/** One failed attempt from its own address, as a spread-out attacker would make it; whether it was let through. */
const fail = async (lockout: LockoutService, name: string, minutes: number, address = `192.0.2.${minutes * 10}`) =>
  (await lockout.countAttempt(name, address, at(minutes))).allowed;

test('50 attempts at once: only the first 5 reach a password check, and only those count', async (t) => {
  const { lockout, row } = await service(t);
  const gates = await Promise.all(Array.from({ length: 50 }, () => lockout.countAttempt('eve', '192.0.2.9', at(0))));
  t.is(gates.filter((gate) => gate.allowed).length, 5);
  // The name locked at the 5th; the address (threshold 30) went on counting the refused ones until its own lock.
  t.like(await row('username'), { failures: 5 });
  t.like(await row('address'), { failures: ADDRESS_LOCKOUT.threshold });
  t.is(gates.filter((gate) => gate.locksUsername).length, 1);
  t.is(gates.filter((gate) => gate.locksAddress).length, 1);
});

test('the fifth failure locks the name for a minute; attempts while locked do not lengthen it', async (t) => {
  const { lockout, row } = await service(t);
  for (let i = 0; i < 5; i++) {
    t.true(await fail(lockout, 'eve', 0, `192.0.2.${i}`), `attempt ${i + 1} is checked`);
  }
  t.false(await fail(lockout, 'eve', 0.5), 'locked until minute 1');
  t.true(await fail(lockout, 'someone-else', 0.5), 'another name is not affected');
  t.false(await fail(lockout, 'eve', 0.9));
  t.like(await row('username'), { failures: 5, locked_until: at(1).getTime() });
  t.true(await fail(lockout, 'eve', 1), 'the lock ends on time: the next guess is checked…');
  t.false(await fail(lockout, 'eve', 1.5), '…and locks for 2 minutes, until 3');
  t.true(await fail(lockout, 'eve', 3), 'one guess per lock: the locks grow only with checked guesses');
  t.like(await row('username'), { failures: 7, locked_until: at(7).getTime() });
});

test('a success forgives the name and takes back only its own attempt from the address', async (t) => {
  const { lockout, row } = await service(t);
  for (let i = 0; i < 3; i++) {
    await lockout.countAttempt('eve', '192.0.2.1', at(0));
  }
  t.true((await lockout.countAttempt('eve', '192.0.2.1', at(1))).allowed);
  await lockout.succeeded('eve', '192.0.2.1');
  t.is(await row('username'), undefined);
  t.like(await row('address'), { failures: 3 });
});

test('a right password still waiting for its code is neither a failure nor a reason to forgive', async (t) => {
  const { lockout, row } = await service(t);
  for (let i = 0; i < 3; i++) {
    await lockout.countAttempt('eve', '192.0.2.1', at(0));
  }
  await lockout.countAttempt('eve', '192.0.2.1', at(1));
  await lockout.notAFailure('eve', '192.0.2.1');
  t.like(await row('username'), { failures: 3 });
  t.like(await row('address'), { failures: 3 });
});

test('failures are forgiven 15 quiet minutes after the last one and the end of its lock, never during it', async (t) => {
  const { lockout, row } = await service(t);
  for (let i = 0; i < 4; i++) {
    await fail(lockout, 'eve', i);
  }
  await fail(lockout, 'eve', 3 + 15);
  t.like(await row('username'), { failures: 1 }, 'a fresh window');
  for (let i = 0; i < 4; i++) {
    await fail(lockout, 'eve', 20);
  }
  // 5 failures: locked for a minute; then one checked guess each time the lock runs out.
  for (const minute of [21, 23, 27, 35, 51, 83]) {
    t.true(await fail(lockout, 'eve', minute), `minute ${minute}`);
  }
  // 11 failures: locked for the maximum hour, from minute 83 until 143.
  t.like(await row('username'), { failures: 11, locked_until: at(143).getTime() });
  t.false(await fail(lockout, 'eve', 103), 'twenty quiet minutes, but still locked: the count is kept');
  t.like(await row('username'), { failures: 11, locked_until: at(143).getTime() });
  t.true(await fail(lockout, 'eve', 143), 'a guess as the lock ends still counts on…');
  t.like(await row('username'), { failures: 12, locked_until: at(203).getTime() });
  t.true(await fail(lockout, 'eve', 218), '…but 15 quiet minutes after the end of a lock start afresh');
  t.like(await row('username'), { failures: 1 });
});

test("a success that reaches the address's threshold does not lock the household out", async (t) => {
  const { lockout, row } = await service(t);
  for (let i = 1; i < ADDRESS_LOCKOUT.threshold; i++) {
    await lockout.countAttempt(`name-${i}`, '192.0.2.1', at(0));
  }
  const gate = await lockout.countAttempt('owner', '192.0.2.1', at(0));
  t.true(gate.allowed && gate.locksAddress);
  await lockout.succeeded('owner', '192.0.2.1');
  t.like(await row('address'), { failures: ADDRESS_LOCKOUT.threshold - 1, locked_until: null });
  t.true((await lockout.countAttempt('owner', '192.0.2.1', at(0))).allowed);
});

test('a known device is counted on its own allowance, not the name, and a success leaves the name locked', async (t) => {
  const { lockout, row } = await service(t);
  for (let i = 0; i < 5; i++) {
    await fail(lockout, 'eve', 0);
  }
  const gate = await lockout.countAttempt('eve', '192.0.2.1', at(0.5), 'device-1');
  t.like(gate, { allowed: true, device: 'device-1' });
  await lockout.succeeded('eve', '192.0.2.1', gate.device);
  t.like(await row('username'), { failures: 5, locked_until: at(1).getTime() }, 'strangers stay locked out');
  t.is(await row('device'), undefined);
});

test('a device spends 10 guesses, then is a stranger held by the name’s lock', async (t) => {
  const { lockout, row } = await service(t);
  const gates = [];
  for (let i = 0; i < 20; i++) {
    gates.push(await lockout.countAttempt('eve', `192.0.2.${i}`, at(0), 'device-1'));
  }
  t.deepEqual(
    gates.map((gate) => gate.allowed),
    [...Array<boolean>(15).fill(true), ...Array<boolean>(5).fill(false)],
  );
  t.is(gates.filter((gate) => gate.device !== null).length, 10);
  t.is(gates.filter((gate) => gate.locksDevice).length, 1);
  t.like(await row('device'), { failures: 10 });
  t.like(await row('username'), { failures: 5 });
});

test('an admin’s unlock lifts the name’s lock and forgets its failures', async (t) => {
  const { lockout, row } = await service(t);
  for (let i = 0; i < 5; i++) {
    await fail(lockout, 'eve', 0);
  }
  t.deepEqual([...(await lockout.lockedUsernames(['eve', 'bob'], at(0.5)))], [['eve', at(1)]]);
  t.deepEqual(await lockout.unlockUsername('eve', at(0.5)), at(1));
  t.is(await row('username'), undefined);
  t.true(await fail(lockout, 'eve', 0.6));
  t.is(await lockout.unlockUsername('bob', at(0.6)), null, 'nothing to lift');
});

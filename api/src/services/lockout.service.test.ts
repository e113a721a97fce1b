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
  const row = async (scope: 'username' | 'address') =>
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

test('50 attempts at once: all counted, and only the first 5 reach a password check', async (t) => {
  const { lockout, row } = await service(t);
  const gates = await Promise.all(Array.from({ length: 50 }, () => lockout.countAttempt('eve', '192.0.2.9', at(0))));
  t.is(gates.filter((gate) => gate.allowed).length, 5);
  t.like(await row('username'), { failures: 50 });
  t.like(await row('address'), { failures: 50 });
  t.is(gates.filter((gate) => gate.locksUsername).length, 1);
  t.is(gates.filter((gate) => gate.locksAddress).length, 1);
});

test('the fifth failure locks the name for a minute; every attempt while locked lengthens the lock', async (t) => {
  const { lockout } = await service(t);
  for (let i = 0; i < 5; i++) {
    t.true(await fail(lockout, 'eve', 0, `192.0.2.${i}`), `attempt ${i + 1} is checked`);
  }
  t.false(await fail(lockout, 'eve', 0.5), 'locked until minute 1; this 6th attempt locks until 2.5');
  t.true(await fail(lockout, 'someone-else', 0.5), 'another name is not affected');
  t.false(await fail(lockout, 'eve', 2.4));
  // The 7th attempt, at 2.4, locked for 4 minutes: until 6.4. The 8th, at 6.3, for 8: until 14.3.
  t.false(await fail(lockout, 'eve', 6.3));
  t.true(await fail(lockout, 'eve', 14.4), 'once the lock runs out, one more guess is checked…');
  t.false(await fail(lockout, 'eve', 14.5), '…and locks for 16 minutes');
  t.false(await fail(lockout, 'eve', 30.3));
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

test('failures are forgiven after 15 quiet minutes, but never while a lock is in force', async (t) => {
  const { lockout, row } = await service(t);
  for (let i = 0; i < 4; i++) {
    await fail(lockout, 'eve', i);
  }
  await fail(lockout, 'eve', 3 + 15);
  t.like(await row('username'), { failures: 1 }, 'a fresh window');
  for (let i = 0; i < 10; i++) {
    await fail(lockout, 'eve', 20);
  }
  // 11 failures: locked for the maximum hour, until minute 80.
  t.like(await row('username'), { failures: 11, locked_until: at(80).getTime() });
  t.false(await fail(lockout, 'eve', 40), 'twenty quiet minutes, but still locked: the count goes on');
  t.like(await row('username'), { failures: 12, locked_until: at(100).getTime() });
  t.true(await fail(lockout, 'eve', 101));
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

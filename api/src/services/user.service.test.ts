import test from 'ava';
import { type DataSource } from 'typeorm';
import { DomainError } from './domain-error.js';
import { type UserEntity } from '../entities/user.entity.js';
import { AuditRepository } from '../repositories/audit.repository.js';
import { CryptoRepository } from '../repositories/crypto.repository.js';
import { PasswordHashRepository } from '../repositories/password-hash.repository.js';
import { RecoveryCodeRepository } from '../repositories/recovery-code.repository.js';
import { SessionRepository } from '../repositories/session.repository.js';
import { SettingRepository } from '../repositories/setting.repository.js';
import { LoginAttemptRepository } from '../repositories/login-attempt.repository.js';
import { UserRepository } from '../repositories/user.repository.js';
import { openMemoryDatabase } from '../testing/database.js';
import { AuditService } from './audit.service.js';
import { LockoutService } from './lockout.service.js';
import { SecuritySettingsService } from './security-settings.service.js';
import { SessionService } from './session.service.js';
import { UserService } from './user.service.js';

const client = { address: '192.0.2.1', userAgent: 'test' };

async function setup(t: { teardown: (fn: () => Promise<void>) => void }) {
  const dataSource: DataSource = await openMemoryDatabase();
  t.teardown(() => dataSource.destroy());
  const users = new UserRepository(dataSource);
  const audit = new AuditService(new AuditRepository(dataSource));
  const sessions = new SessionService(
    new SessionRepository(dataSource),
    new CryptoRepository(),
    new SecuritySettingsService(new SettingRepository(dataSource), audit),
    audit,
  );
  const lockout = new LockoutService(new LoginAttemptRepository(dataSource));
  const service = new UserService(
    users,
    new PasswordHashRepository(),
    sessions,
    audit,
    lockout,
    new RecoveryCodeRepository(dataSource),
    new CryptoRepository(),
  );
  // The first admin, as setup makes it.
  const id = await users.insertIfNone(
    {
      username: 'root',
      usernameKey: 'root',
      usernameSkeleton: 'root',
      passwordHash: '$argon2id$v=19$m=19456,p=1,t=2$x$y',
      role: 'admin',
    },
    new Date(),
  );
  const actor = (await users.findById(id ?? 0)) as UserEntity;
  return { service, sessions, dataSource, actor };
}

const lastAdmin = { instanceOf: DomainError, message: /last enabled admin/ };

test('the only admin cannot be deleted, disabled or made a viewer', async (t) => {
  const { service, actor } = await setup(t);
  await t.throwsAsync(service.delete(actor.id, actor, client), lastAdmin);
  await t.throwsAsync(service.update(actor.id, { disabled: true }, actor, client), lastAdmin);
  await t.throwsAsync(service.update(actor.id, { role: 'viewer' }, actor, client), lastAdmin);
  t.like((await service.list())[0], { role: 'admin', disabled: false });
});

test('with another enabled admin, an admin may be demoted, disabled or deleted', async (t) => {
  const { service, actor } = await setup(t);
  const other = await service.create(
    { username: 'second', password: 'second-admin-pass-1', role: 'admin' },
    actor,
    client,
  );
  t.like(await service.update(actor.id, { role: 'viewer' }, actor, client), { role: 'viewer' });
  await t.throwsAsync(service.update(other.id, { role: 'viewer' }, actor, client), lastAdmin);
  await t.throwsAsync(service.delete(other.id, actor, client), lastAdmin);
  await service.delete(actor.id, actor, client);
  t.deepEqual(
    (await service.list()).map((user) => user.username),
    ['second'],
  );
});

test('a disabled admin is no replacement for the last enabled one', async (t) => {
  const { service, actor } = await setup(t);
  const other = await service.create(
    { username: 'spare', password: 'spare-admin-pass-2', role: 'admin' },
    actor,
    client,
  );
  await service.update(other.id, { disabled: true }, actor, client);
  await t.throwsAsync(service.delete(actor.id, actor, client), lastAdmin);
  // Re-enabling an admin is never blocked, and then the first one may go.
  t.like(await service.update(other.id, { disabled: false }, actor, client), { disabled: false });
  await service.delete(actor.id, actor, client);
});

test('viewers can always be changed or removed', async (t) => {
  const { service, actor } = await setup(t);
  const viewer = await service.create(
    { username: 'vic', password: 'viewer-password-3x', role: 'viewer' },
    actor,
    client,
  );
  t.like(await service.update(viewer.id, { disabled: true }, actor, client), { disabled: true });
  await service.delete(viewer.id, actor, client);
  t.is((await service.list()).length, 1);
});

test("a change of role, a disable or a new password ends the user's sessions; an empty change does nothing", async (t) => {
  const { service, sessions, dataSource, actor } = await setup(t);
  const created = await service.create(
    { username: 'vic', password: 'viewer-password-3x', role: 'viewer' },
    actor,
    client,
  );
  const vic = (await new UserRepository(dataSource).findById(created.id)) as UserEntity;
  const count = async () =>
    (await dataSource.query<Array<{ n: number }>>('SELECT count(*) AS n FROM session WHERE user_id = ?', [vic.id]))[0]
      ?.n;
  for (const change of [{ role: 'admin' as const }, { disabled: true }, { password: 'another-password-4y' }]) {
    await sessions.signIn(vic, client, new Date());
    await service.update(vic.id, {}, actor, client);
    t.is(await count(), 1, 'no change, no sign-out');
    await service.update(vic.id, change, actor, client);
    t.is(await count(), 0, JSON.stringify(change));
  }
});

test('an admin setting their own password here is refused: that takes the current one, on the account route', async (t) => {
  const { service, dataSource, actor } = await setup(t);
  const hash = async () =>
    (await dataSource.query<Array<{ h: string }>>('SELECT password_hash AS h FROM "user" WHERE id = ?', [actor.id]))[0]
      ?.h;
  const before = await hash();
  for (const change of [
    { password: 'hijacked-password-5z' },
    { password: 'hijacked-password-5z', role: 'admin' as const },
  ]) {
    const refused = await t.throwsAsync(service.update(actor.id, change, actor, client), { instanceOf: DomainError });
    t.like(refused, { kind: 'forbidden', code: 'use_account_route' });
  }
  t.is(await hash(), before);
});

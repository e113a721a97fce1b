import test from 'ava';
import { AuditRepository } from '../repositories/audit.repository.js';
import { openMemoryDatabase } from '../testing/database.js';
import { AUDIT_FAILURE_WINDOW_MS, AuditService } from './audit.service.js';

const T0 = new Date('2026-03-01T12:00:00Z').getTime();
const at = (ms: number) => new Date(T0 + ms);

async function service(t: { teardown: (fn: () => Promise<void>) => void }) {
  const dataSource = await openMemoryDatabase();
  t.teardown(() => dataSource.destroy());
  const audit = new AuditService(new AuditRepository(dataSource), { maxEvents: 5, maxFailureRows: 20 });
  const actions = async () =>
    (await dataSource.query<Array<{ action: string }>>('SELECT action FROM audit_event ORDER BY id')).map(
      (row) => row.action,
    );
  return { audit, actions };
}

const admin = { username: 'admin' };

test('failures of strangers never push out what signed-in people did; each kind keeps its own newest', async (t) => {
  const { audit, actions } = await service(t);
  await audit.record({ action: 'user.created', actor: admin, address: '192.0.2.1', target: 'vera' }, at(0));
  for (let i = 0; i < 1000; i++) {
    const address = `10.0.${i >> 8}.${i & 255}`;
    await audit.record(
      { action: 'auth.login_failed', actor: null, address, details: { reason: 'unknown_user' } },
      at(i),
    );
  }
  const kept = await actions();
  t.is(kept.filter((action) => action === 'auth.login_failed').length, 20);
  t.is(kept[0], 'user.created');
  for (let i = 0; i < 6; i++) {
    await audit.record({ action: 'auth.logout', actor: admin, address: '192.0.2.1' }, at(2000 + i));
  }
  const after = await actions();
  t.false(after.includes('user.created'), 'the newest 5 of their own kind push it out');
  t.is(after.filter((action) => action === 'auth.login_failed').length, 20);
});

test('failures with the same name, address and reason are summed per window, with their time range', async (t) => {
  const { audit } = await service(t);
  const failure = { action: 'auth.login_failed', actor: null, address: '192.0.2.9' } as const;
  for (let i = 0; i < 7; i++) {
    await audit.record({ ...failure, details: { reason: 'unknown_user' } }, at(i * 1000));
  }
  await audit.record({ ...failure, details: { reason: 'locked' } }, at(8000));
  await audit.record({ ...failure, details: { reason: 'unknown_user' } }, at(AUDIT_FAILURE_WINDOW_MS));
  const { events } = await audit.list({});
  t.deepEqual(
    events.map((event) => [event.details.reason, event.count, event.at, event.lastAt]),
    [
      ['unknown_user', 1, at(AUDIT_FAILURE_WINDOW_MS).toISOString(), at(AUDIT_FAILURE_WINDOW_MS).toISOString()],
      ['locked', 1, at(8000).toISOString(), at(8000).toISOString()],
      ['unknown_user', 7, at(0).toISOString(), at(6000).toISOString()],
    ],
  );
});

import test from 'ava';
import { carryingProfileIds } from './carrying-profile.js';

const A = { id: 1, enabled: true };
const B = { id: 2, enabled: true };
const C = { id: 3, enabled: false };

test('with burrowd silent, the first enabled profile carries, or the one chosen by hand', (t) => {
  t.deepEqual(
    carryingProfileIds({ profiles: [C, A, B], selectedId: null, reportedActiveId: null, synced: false }),
    [1],
  );
  t.deepEqual(carryingProfileIds({ profiles: [A, B], selectedId: 2, reportedActiveId: null, synced: false }), [2]);
  t.deepEqual(carryingProfileIds({ profiles: [C], selectedId: 3, reportedActiveId: null, synced: false }), []);
});

test('after a failover burrowd runs the backup: that one carries, not the failed first one', (t) => {
  t.deepEqual(carryingProfileIds({ profiles: [A, B], selectedId: null, reportedActiveId: 2, synced: true }), [2]);
});

test('while a change is on its way, both what runs and what the change starts with count', (t) => {
  t.deepEqual(
    carryingProfileIds({ profiles: [A, B], selectedId: 1, reportedActiveId: 2, synced: false }).sort(),
    [1, 2],
  );
});

test('a reported profile the database no longer has, or has disabled, carries nothing once the change is in', (t) => {
  t.deepEqual(carryingProfileIds({ profiles: [A, B, C], selectedId: null, reportedActiveId: 3, synced: true }), [1]);
  t.deepEqual(carryingProfileIds({ profiles: [A], selectedId: null, reportedActiveId: 9, synced: true }), [1]);
});

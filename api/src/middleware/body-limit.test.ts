import test from 'ava';
import { nestsDeeperThan } from './body-limit.js';

const arrays = (depth: number): unknown => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);

test('counts arrays and objects, not scalars; a top-level container is one level', (t) => {
  for (const scalar of [undefined, null, 1, 'x', true]) {
    t.false(nestsDeeperThan(scalar, 0));
  }
  t.false(nestsDeeperThan({}, 1));
  t.true(nestsDeeperThan({}, 0));
  t.false(nestsDeeperThan(arrays(32), 32));
  t.true(nestsDeeperThan(arrays(33), 32));
  t.true(nestsDeeperThan({ a: 1, b: [2, { c: [[]] }] }, 4));
  t.false(nestsDeeperThan({ a: 1, b: [2, { c: [[]] }] }, 5));
  t.false(nestsDeeperThan({ a: '[[[[[[', b: '{{{{' }, 1));
});

test('a million levels are measured without recursion, and a wide body is fine', (t) => {
  t.true(nestsDeeperThan(arrays(1_000_000), 32));
  t.false(
    nestsDeeperThan(
      Array.from({ length: 100_000 }, () => ({ a: [1] })),
      3,
    ),
  );
});

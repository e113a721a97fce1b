import test from 'ava';
import { parseNeighbours, readNeighbours } from './lan-neighbours.js';
import { type Executor } from './exec.js';

// As `ip -j neigh show dev br-lan` prints it (iproute2 6.1).
const SAMPLE = JSON.stringify([
  { dst: '100.64.8.101', lladdr: '02:B7:64:08:00:01', state: ['REACHABLE'] },
  { dst: 'fd08:0:0::100:1', lladdr: '02:b7:64:08:00:01', router: null, state: ['STALE'] },
  { dst: '100.64.8.150', state: ['FAILED'] },
  { dst: 'fe80::b7:64ff:fe08:2', lladdr: '02:b7:64:08:00:02', state: ['DELAY'] },
  { dst: '100.64.8.9', lladdr: '02:b7:64:08:00:09', state: ['PERMANENT'] },
  { dst: 'not an address', lladdr: '02:b7:64:08:00:03', state: ['REACHABLE'] },
  { dst: '100.64.8.10', lladdr: 'zz', state: ['NOSUCHSTATE'] },
  'junk',
]);

test('neighbour entries: canonical addresses, lowercase MACs, known states; junk skipped', (t) => {
  t.deepEqual(parseNeighbours(SAMPLE), [
    { ip: '100.64.8.101', mac: '02:b7:64:08:00:01', state: 'reachable' },
    { ip: 'fd08::100:1', mac: '02:b7:64:08:00:01', state: 'stale' },
    { ip: '100.64.8.150', mac: null, state: 'failed' },
    { ip: 'fe80::b7:64ff:fe08:2', mac: '02:b7:64:08:00:02', state: 'delay' },
    { ip: '100.64.8.9', mac: '02:b7:64:08:00:09', state: 'permanent' },
    { ip: '100.64.8.10', mac: null, state: null },
  ]);
  t.deepEqual(parseNeighbours('{}'), []);
});

test('read with argv only, for the LAN bridge; an empty table is no device; a bad name is refused', async (t) => {
  const calls: string[][] = [];
  const executor: Executor = {
    run: (argv) => {
      calls.push([...argv]);
      return Promise.resolve({ stdout: '\n', stderr: '', code: 0 });
    },
  };
  t.deepEqual(await readNeighbours(executor, 'br-lan'), []);
  t.deepEqual(calls, [['/usr/sbin/ip', '-j', 'neigh', 'show', 'dev', 'br-lan']]);
  await t.throwsAsync(readNeighbours(executor, 'br-lan; reboot'), { instanceOf: SyntaxError });
  t.is(calls.length, 1);
});

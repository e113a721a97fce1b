// Throwaway network namespaces for the os tests that need a real kernel: created per test, removed in teardown.
import { type ExecutionContext } from 'ava';
import { randomBytes } from 'node:crypto';
import { type ExecResult, IP_PATH, NamespaceExecutor, run } from '../exec.js';

/** A new namespace named burrow-<purpose>-p<pid>-<hex>, deleted when the test ends, with lo up if asked. */
export async function throwawayNamespace(
  t: ExecutionContext,
  purpose: string,
  options: { loopbackUp?: boolean } = {},
): Promise<NamespaceExecutor> {
  const name = `burrow-${purpose}-p${process.pid}-${randomBytes(3).toString('hex')}`;
  await run([IP_PATH, 'netns', 'add', name]);
  t.teardown(async () => {
    await run([IP_PATH, 'netns', 'delete', name]);
  });
  if (options.loopbackUp) {
    await run([IP_PATH, '-n', name, 'link', 'set', 'lo', 'up']);
  }
  return new NamespaceExecutor(name);
}

/** A veth pair: `aName` in namespace `a`, its peer `bName` in `b` (both down). */
export function vethPair(
  a: NamespaceExecutor,
  aName: string,
  b: NamespaceExecutor,
  bName: string,
): Promise<ExecResult> {
  return run([
    IP_PATH,
    'link',
    'add',
    aName,
    'netns',
    a.namespace,
    'type',
    'veth',
    'peer',
    'name',
    bName,
    'netns',
    b.namespace,
  ]);
}

/**
 * Real-kernel test support: whether this process may create TUN devices and namespaces, and
 * throwaway network namespaces that are always removed (registered with t.teardown).
 * Runs `ip` with argv, never a shell.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Why kernel tests cannot run here, or undefined if they can (root, /dev/net/tun, `ip`). */
export function kernelTestsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) {
    return 'needs root (CAP_NET_ADMIN and namespaces)';
  }
  if (!existsSync('/dev/net/tun')) {
    return 'needs /dev/net/tun';
  }
  if (!['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].some((path) => existsSync(path))) {
    return 'needs iproute2 (ip)';
  }
  return undefined;
}

/** Runs `ip ARGS...`; rejects with its stderr on failure. */
export async function ip(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('ip', args, { timeout: 10_000 });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`ip ${args.join(' ')} failed: ${stderr.trim() || String(error)}`, { cause: error });
  }
}

export interface TestNetns {
  readonly name: string;
  /** The namespace file, for the addons' `netns` option. */
  readonly path: string;
  /** Runs `ip -n NAME ARGS...` inside the namespace. */
  ip(...args: string[]): Promise<string>;
}

/** Anything with ava's t.teardown. */
export interface Teardowns {
  teardown(fn: () => unknown): void;
}

const PREFIX = 'burrow-io-';
let swept: Promise<void> | undefined;

/**
 * Removes namespaces left by test processes that died before their teardown ran (a crash skips
 * t.teardown). Names carry the creating process id, so only those of dead processes go.
 */
async function sweepOrphans(): Promise<void> {
  const names = existsSync('/run/netns') ? readdirSync('/run/netns') : [];
  for (const name of names) {
    const pid = new RegExp(`^${PREFIX}(\\d+)-[0-9a-f]+$`).exec(name)?.[1];
    if (pid !== undefined && !isAlive(Number(pid))) {
      await ip('netns', 'delete', name).catch((error: unknown) => {
        console.warn(`could not remove orphaned namespace ${name}: ${String(error)}`);
      });
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** A fresh namespace `burrow-io-<pid>-<random>` with loopback up, removed when the test ends (pass or fail). */
export async function createTestNetns(t: Teardowns): Promise<TestNetns> {
  swept ??= sweepOrphans();
  await swept;
  const name = `${PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`;
  await ip('netns', 'add', name);
  t.teardown(() => ip('netns', 'delete', name));
  await ip('-n', name, 'link', 'set', 'lo', 'up');
  return { name, path: `/run/netns/${name}`, ip: (...args) => ip('-n', name, ...args) };
}

/** A unique interface name for a test (≤ 15 bytes). */
export function testInterfaceName(prefix = 'btun'): string {
  return `${prefix}${randomBytes(4).toString('hex')}`;
}

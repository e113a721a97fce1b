// Kernel parameters through /proc/sys, read and written directly (no sysctl(8) process). net.* parameters belong
// to the network namespace of the process that opens the file, so burrowd sets those of the namespace it runs in.
// Keys are written as sysctl(8) writes them: dots separate, and a '/' inside a segment stands for a '.' in an
// interface name ("net.ipv4.conf.eth0/2.rp_filter" is /proc/sys/net/ipv4/conf/eth0.2/rp_filter).
import { readFile, writeFile } from 'node:fs/promises';
import type { SysctlTarget } from './network-targets.js';

const PROC_SYS = '/proc/sys';
const SEGMENT = /^[A-Za-z0-9_/-]+$/;

export class SysctlError extends Error {
  override readonly name = 'SysctlError';

  constructor(
    /** The key, as given. */
    readonly key: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface SysctlChange {
  readonly key: string;
  /** The value before the write. */
  readonly from: string;
  readonly to: string;
}

export interface SysctlApplyResult {
  /** Keys whose value was written, in order; empty when everything already had its value. */
  readonly changed: readonly SysctlChange[];
  /** Per-interface keys whose interface does not exist yet; apply again when it appears. */
  readonly missing: readonly SysctlTarget[];
}

/** The /proc/sys file of a key; throws SysctlError for a key that could name a path outside /proc/sys. */
export function sysctlPath(key: string): string {
  const segments = key.split('.');
  if (segments.length < 2 || !segments.every((segment) => SEGMENT.test(segment))) {
    throw new SysctlError(key, `not a sysctl key: ${JSON.stringify(key)}`);
  }
  const names = segments.map((segment) => segment.replaceAll('/', '.'));
  if (names.some((name) => name === '.' || name === '..')) {
    throw new SysctlError(key, `not a sysctl key: ${JSON.stringify(key)}`);
  }
  return `${PROC_SYS}/${names.join('/')}`;
}

/** The current value, whitespace-normalised ("32768 60999" for a pair the kernel separates with a tab). */
export async function readSysctl(key: string): Promise<string> {
  const path = sysctlPath(key);
  try {
    return normalise(await readFile(path, 'utf8'));
  } catch (error) {
    throw new SysctlError(key, `cannot read ${key} (${path}): ${describe(error)}`, { cause: error });
  }
}

/**
 * Sets `key` to `value` unless it has it already, then reads it back (the kernel silently clamps some values).
 * Returns the change, or null when there was nothing to do.
 */
export async function writeSysctl(key: string, value: string): Promise<SysctlChange | null> {
  const wanted = normalise(value);
  if (wanted === '' || /[\n\r]/.test(value.trim())) {
    throw new SysctlError(key, `cannot set ${key}: the value must be one line of text, got ${JSON.stringify(value)}`);
  }
  const before = await readSysctl(key);
  if (before === wanted) {
    return null;
  }
  const path = sysctlPath(key);
  try {
    // No O_CREAT: a key that does not exist must fail, never create a file.
    await writeFile(path, `${wanted}\n`, { flag: 'r+' });
  } catch (error) {
    throw new SysctlError(key, `cannot set ${key} to ${JSON.stringify(wanted)} (${path}): ${describe(error)}`, {
      cause: error,
    });
  }
  const after = await readSysctl(key);
  if (after !== wanted) {
    throw new SysctlError(key, `set ${key} to ${JSON.stringify(wanted)}, but the kernel kept ${JSON.stringify(after)}`);
  }
  return { key, from: before, to: wanted };
}

/**
 * Writes each setting in order. A per-interface key (`dev` set) whose interface does not exist is reported as
 * missing instead of failing; any other problem stops at that key with a SysctlError naming it.
 */
export async function applySysctls(settings: readonly SysctlTarget[]): Promise<SysctlApplyResult> {
  const changed: SysctlChange[] = [];
  const missing: SysctlTarget[] = [];
  for (const setting of settings) {
    try {
      const change = await writeSysctl(setting.key, setting.value);
      if (change !== null) {
        changed.push(change);
      }
    } catch (error) {
      if (setting.dev !== undefined && isMissingFile(error)) {
        missing.push(setting);
        continue;
      }
      throw error;
    }
  }
  return { changed, missing };
}

function normalise(value: string): string {
  return value.trim().split(/\s+/).join(' ');
}

function isMissingFile(error: unknown): boolean {
  return error instanceof SysctlError && (error.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/** The errno in words: what matters to someone reading the log is which key and why. */
function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such key (a per-interface key needs the interface to exist)';
    case 'EINVAL':
      return 'the kernel refused the value (EINVAL)';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code}): it needs root or CAP_NET_ADMIN`;
    case 'EROFS':
      return '/proc/sys is mounted read-only here (EROFS)';
    default:
      return (error as Error).message;
  }
}

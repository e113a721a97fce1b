// Removing a lab run completely, from its run id alone: so `stop()`, `lab down` and the sweep of a crashed run's
// leftovers share one path and no part of a lab can be forgotten. Only names of the lab's own schemes are touched.
import { readdir, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRecord, RECORD_NAME, removeRecordOf } from './lab-record.js';
import { isAlive, listNamespaces, removeNamespace } from './namespaces.js';
import { creatorPidOf, FIXED_RUN_ID, namesFor, runIdOfNamespace, runIdOfRunDir } from './names.js';

export const UAPI_SOCKET_DIR = '/var/run/wireguard';
const NETNS_ETC = '/etc/netns';

/**
 * Removes everything of run `runId`: processes in its namespaces, the namespaces, their /etc/netns entries, its
 * WireGuard UAPI sockets, its run directories, the record and the provider files it published. Runs every step even when one fails.
 */
export async function teardownRun(runId: string): Promise<void> {
  const names = namesFor(runId);
  const errors: unknown[] = [];
  const attempt = async (step: () => Promise<void>) => {
    try {
      await step();
    } catch (error) {
      errors.push(error);
    }
  };
  for (const ns of Object.values(names.namespaces)) {
    await attempt(() => removeNamespace(ns));
  }
  // The lab made /etc/netns if it was not there; an empty one is left to nobody.
  await attempt(() => removeIfEmpty(NETNS_ETC));
  // A daemon killed hard leaves its socket behind.
  for (const ifname of [
    ...Object.values(names.vpnInterfaces),
    names.routerTunnelInterface,
    names.routerProbeInterface,
    names.phoneInterface,
  ]) {
    await attempt(() => rm(join(UAPI_SOCKET_DIR, `${ifname}.sock`), { force: true }));
  }
  for (const dir of await runDirsOf(runId)) {
    await attempt(async () => {
      // A damaged copy only hides where the record was published; the directory goes all the same.
      const record = await readRecord(join(dir, RECORD_NAME)).catch(() => undefined);
      if (record?.files.record) {
        await removeRecordOf(record.files.record, runId);
      }
      // The provider files hold this run's keys, useless once it is gone (var/lab/provider-*.conf for `make run`).
      for (const server of record?.vpnServers ?? []) {
        await rm(server.client.configFile, { force: true });
      }
      await rm(dir, { recursive: true, force: true });
    });
  }
  if (errors.length > 0) {
    throw new AggregateError(errors, `Removing lab run ${runId} failed ${errors.length} time(s)`);
  }
}

/**
 * Removes the leftovers of lab runs whose owner is gone: unique runs whose creating process no longer exists, and
 * (with `includeFixed`) a fixed run that no live process holds. Returns the run ids removed.
 */
export async function sweepLeftoverRuns(options: { includeFixed: boolean }): Promise<string[]> {
  const swept: string[] = [];
  for (const runId of await knownRunIds()) {
    if (runId === FIXED_RUN_ID ? options.includeFixed && (await fixedRunOwner()) === undefined : isLeftover(runId)) {
      await teardownRun(runId);
      swept.push(runId);
    }
  }
  return swept;
}

/** The live process holding the fixed lab, or undefined when none does (not running, handed over, or crashed). */
export async function fixedRunOwner(): Promise<number | undefined> {
  for (const dir of await runDirsOf(FIXED_RUN_ID)) {
    const record = await readRecord(join(dir, RECORD_NAME)).catch(() => undefined);
    const owner = record?.ownerPid;
    if (owner !== undefined && owner !== null && isAlive(owner)) {
      return owner;
    }
  }
  return undefined;
}

function isLeftover(runId: string): boolean {
  const creator = creatorPidOf(runId);
  return creator !== undefined && !isAlive(creator);
}

/** Run ids with anything left on this machine: a namespace, an /etc/netns entry or a run directory. */
async function knownRunIds(): Promise<Set<string>> {
  const ids = new Set<string>();
  const add = (id: string | undefined) => id !== undefined && ids.add(id);
  (await listNamespaces()).forEach((ns) => add(runIdOfNamespace(ns)));
  (await listDir(NETNS_ETC)).forEach((ns) => add(runIdOfNamespace(ns)));
  (await listDir(tmpdir())).forEach((name) => add(runIdOfRunDir(name)));
  return ids;
}

async function runDirsOf(runId: string): Promise<string[]> {
  return (await listDir(tmpdir())).filter((name) => runIdOfRunDir(name) === runId).map((name) => join(tmpdir(), name));
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return [];
    }
    throw error;
  }
}

async function removeIfEmpty(dir: string): Promise<void> {
  try {
    await rmdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Another lab's entries are still in it, or it is gone already.
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOENT') {
      throw error;
    }
  }
}

// The two reference wireguard-go builds the interop suite and `make bench` compare against: Debian's installed
// package (bookworm: 0.0.20220316, without offloads) and the newer Debian package 0.0.20231211 (bookworm-backports,
// trixie: UDP GSO/GRO and TUN offloads), which is fetched once into build/bench-cache/wireguard-go/ and run from there.
//
// The fetch never changes the machine's apt sources or lists: apt runs with a private sources list, lists and
// cache in a temporary folder, pointed at the mirror the machine's own apt configuration already uses (read from
// /etc/apt), with the `<codename>-backports` suite added. If the version is not there (say, a newer release whose
// own suite carries it), the machine's own lists are asked too. Then `dpkg-deb -x` unpacks the package.
import { execFile } from 'node:child_process';
import { access, constants, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { run } from './netns-exec.js';

/** The newer reference: the version in Debian bookworm-backports and trixie. */
export const NEWER_WIREGUARD_GO_VERSION = '0.0.20231211';
// test/dist/helpers/ → the repository's build/ (git-ignored). Not var/: that is the appliance's 0700 data folder,
// which creating it here first would leave readable to all.
const CACHE_DIR = fileURLToPath(new URL('../../../build/bench-cache/wireguard-go/', import.meta.url));
const INSTALL_DIR = join(CACHE_DIR, NEWER_WIREGUARD_GO_VERSION);
/** The newer wireguard-go once fetched. */
export const NEWER_WIREGUARD_GO_PATH = join(INSTALL_DIR, 'usr/bin/wireguard-go');
/** The full Debian version (e.g. 0.0.20231211-1~bpo12+1), written beside the unpacked package. */
const DEBIAN_VERSION_FILE = join(INSTALL_DIR, 'debian-version');
const APT_TIMEOUT_MS = 180_000;
const SOURCES_DIR = '/etc/apt/sources.list.d';
const SOURCES_LIST = '/etc/apt/sources.list';
const execFileAsync = promisify(execFile);

/** The Debian version of the installed wireguard-go package (e.g. 0.0.20220316-1+b4), or undefined. */
export async function installedWireguardGoVersion(): Promise<string | undefined> {
  const result = await run(['dpkg-query', '--show', '--showformat', '${Version}', 'wireguard-go'], { check: false });
  return result.exitCode === 0 && result.stdout !== '' ? result.stdout.trim() : undefined;
}

export type FetchResult = { ok: true; path: string; debianVersion: string } | { ok: false; problem: string };

let fetchOnce: Promise<FetchResult> | undefined;

/**
 * The newer wireguard-go, fetched on first use (once per process; parallel processes each unpack into a
 * temporary folder and the first rename wins). Never throws: a machine without the mirror gets the reason.
 */
export function newerWireguardGo(): Promise<FetchResult> {
  fetchOnce ??= cachedOrFetched().catch((error: unknown) => ({
    ok: false as const,
    problem: `fetching wireguard-go ${NEWER_WIREGUARD_GO_VERSION} failed: ${firstLine(error)}`,
  }));
  return fetchOnce;
}

async function cachedOrFetched(): Promise<FetchResult> {
  const cached = await readCached();
  if (cached) {
    return cached;
  }
  await mkdir(CACHE_DIR, { recursive: true, mode: 0o755 });
  const work = await mkdtemp(join(CACHE_DIR, '.fetch-'));
  try {
    const fetched = await fetchInto(work);
    if (!fetched.ok) {
      return fetched;
    }
    try {
      await rename(join(work, 'root'), INSTALL_DIR);
    } catch (error) {
      // Another process unpacked it first: theirs is the same package.
      if (!['ENOTEMPTY', 'EEXIST'].includes((error as NodeJS.ErrnoException).code ?? '')) {
        throw error;
      }
    }
    return (await readCached()) ?? { ok: false, problem: `${NEWER_WIREGUARD_GO_PATH} is missing after unpacking` };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function readCached(): Promise<FetchResult | undefined> {
  try {
    await access(NEWER_WIREGUARD_GO_PATH, constants.X_OK);
    const debianVersion = (await readFile(DEBIAN_VERSION_FILE, 'utf8')).trim();
    return { ok: true, path: NEWER_WIREGUARD_GO_PATH, debianVersion };
  } catch {
    return undefined;
  }
}

/** Downloads the package with a private apt state in `work` and unpacks it into `work`/root. */
async function fetchInto(work: string): Promise<FetchResult> {
  const mirror = await configuredMirror();
  if (mirror === undefined) {
    return { ok: false, problem: 'no Debian mirror found in the apt sources (/etc/apt/sources.list{,.d})' };
  }
  const state = join(work, 'apt');
  for (const dir of ['lists/partial', 'cache/archives/partial']) {
    await mkdir(join(state, dir), { recursive: true });
  }
  const sourcesList = join(state, 'sources.list');
  const signedBy = mirror.signedBy === undefined ? '' : `[signed-by=${mirror.signedBy}] `;
  await writeFile(sourcesList, `deb ${signedBy}${mirror.uri} ${mirror.codename}-backports main\n`);
  const privateSources = [
    ...['-o', `Dir::Etc::sourcelist=${sourcesList}`, '-o', 'Dir::Etc::sourceparts=-'],
    ...['-o', `Dir::State::Lists=${join(state, 'lists')}`, '-o', `Dir::Cache=${join(state, 'cache')}`],
  ];
  const quiet = [
    // The work folder is root's alone; apt's _apt sandbox user could not write there.
    ...['-o', 'APT::Sandbox::User=root', '-o', 'Acquire::Retries=1', '-o', 'Acquire::http::Timeout=30', '--quiet'],
  ];
  const update = await run(['apt-get', ...privateSources, ...quiet, 'update'], { timeoutMs: APT_TIMEOUT_MS });
  // apt-get update exits 0 when a source cannot be reached, and says so on its "Err:"/"W:" lines.
  if (
    !(await readdir(join(state, 'lists'))).some((name) => name.endsWith('_Packages') || name.includes('_Packages.'))
  ) {
    const reason = `${update.stdout}\n${update.stderr}`.split('\n').find((line) => /^(Err:|W:|E:)/.test(line));
    return { ok: false, problem: `the mirror could not be reached (offline?): ${reason ?? 'no package list fetched'}` };
  }

  // The private lists first (backports); then the machine's own lists, unchanged, for a release that carries it.
  for (const sources of [privateSources, []]) {
    const debianVersion = await findVersion(sources);
    if (debianVersion === undefined) {
      continue;
    }
    const downloads = join(work, 'download');
    await mkdir(downloads);
    // `apt-get download` writes into its working directory.
    await execFileAsync('apt-get', [...sources, ...quiet, 'download', `wireguard-go=${debianVersion}`], {
      cwd: downloads,
      timeout: APT_TIMEOUT_MS,
    });
    const [deb] = (await readdir(downloads)).filter((name) => name.endsWith('.deb'));
    if (deb === undefined) {
      return { ok: false, problem: `apt-get download wireguard-go=${debianVersion} left no .deb` };
    }
    const root = join(work, 'root');
    await run(['dpkg-deb', '--extract', join(downloads, deb), root]);
    await writeFile(join(root, 'debian-version'), `${debianVersion}\n`);
    return { ok: true, path: NEWER_WIREGUARD_GO_PATH, debianVersion };
  }
  return {
    ok: false,
    problem: `wireguard-go ${NEWER_WIREGUARD_GO_VERSION} is in neither ${mirror.codename}-backports nor the configured suites`,
  };
}

/** The Debian version string of wireguard-go NEWER_WIREGUARD_GO_VERSION that apt (with `aptOptions`) can fetch. */
async function findVersion(aptOptions: readonly string[]): Promise<string | undefined> {
  const { stdout } = await run(['apt-cache', ...aptOptions, 'madison', 'wireguard-go'], { check: false });
  // "wireguard-go | 0.0.20231211-1~bpo12+1 | http://… bookworm-backports/main amd64 Packages"
  return stdout
    .split('\n')
    .map((line) => line.split('|')[1]?.trim())
    .find((version) => version?.startsWith(`${NEWER_WIREGUARD_GO_VERSION}-`));
}

interface Mirror {
  readonly uri: string;
  readonly codename: string;
  readonly signedBy?: string;
}

/**
 * The mirror serving this release's main suite (the suite named like the release's codename), from the deb822
 * `.sources` files or the one-line `sources.list` format. No host name is written anywhere in the repository.
 */
async function configuredMirror(): Promise<Mirror | undefined> {
  const codename = /^VERSION_CODENAME=(\S+)$/m.exec(await readFile('/etc/os-release', 'utf8'))?.[1];
  if (codename === undefined) {
    return undefined;
  }
  for (const entry of await aptSourceEntries()) {
    if (entry.types.includes('deb') && entry.suites.includes(codename) && entry.uris[0] !== undefined) {
      return { uri: entry.uris[0], codename, ...(entry.signedBy ? { signedBy: entry.signedBy } : {}) };
    }
  }
  return undefined;
}

interface SourceEntry {
  readonly types: string[];
  readonly uris: string[];
  readonly suites: string[];
  readonly signedBy?: string;
}

async function aptSourceEntries(): Promise<SourceEntry[]> {
  const entries: SourceEntry[] = [];
  let names: string[] = [];
  try {
    names = (await readdir(SOURCES_DIR)).sort();
  } catch {
    // No sources.list.d: the one-line list alone.
  }
  for (const name of names.filter((file) => file.endsWith('.sources'))) {
    entries.push(...parseDeb822(await readFile(join(SOURCES_DIR, name), 'utf8')));
  }
  for (const path of [
    SOURCES_LIST,
    ...names.filter((file) => file.endsWith('.list')).map((file) => join(SOURCES_DIR, file)),
  ]) {
    try {
      entries.push(...parseOneLine(await readFile(path, 'utf8')));
    } catch {
      // A missing sources.list is normal on deb822-only systems.
    }
  }
  return entries;
}

/** deb822 stanzas (blank-line separated); an inline Signed-By key block is not a path and is left out. */
function parseDeb822(text: string): SourceEntry[] {
  return text
    .split(/\n\s*\n/)
    .map((stanza) => {
      const fields = new Map<string, string>();
      for (const line of stanza.split('\n')) {
        const match = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
        if (match?.[1] !== undefined && match[2] !== undefined) {
          fields.set(match[1].toLowerCase(), match[2].trim());
        }
      }
      const words = (key: string): string[] => (fields.get(key) ?? '').split(/\s+/).filter((word) => word !== '');
      const signedBy = fields.get('signed-by');
      return {
        types: words('types'),
        uris: words('uris'),
        suites: words('suites'),
        ...(signedBy?.startsWith('/') ? { signedBy } : {}),
      };
    })
    .filter((entry) => entry.types.length > 0 && entry.uris.length > 0);
}

/** `deb [options] URI SUITE COMPONENT…` lines. */
function parseOneLine(text: string): SourceEntry[] {
  const entries: SourceEntry[] = [];
  for (const raw of text.split('\n')) {
    const match = /^\s*(deb(?:-src)?)\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)/.exec(raw);
    if (match?.[1] === undefined || match[3] === undefined || match[4] === undefined) {
      continue;
    }
    const signedBy = /(?:^|\s)signed-by=(\S+)/.exec(match[2] ?? '')?.[1];
    entries.push({ types: [match[1]], uris: [match[3]], suites: [match[4]], ...(signedBy ? { signedBy } : {}) });
  }
  return entries;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

// Debian's Chromium driven by playwright-core: no browser download, nothing leaves 127.0.0.1.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type BrowserContext, type BrowserContextOptions } from 'playwright-core';

const execFileAsync = promisify(execFile);

/** Where Debian's `chromium` package installs the browser; CHROMIUM_PATH overrides it. */
const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/** Quiet, offline, headless: no update checks, sync, QUIC or first-run pages that would reach the network. */
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // The router's own name, so a test can open https://burrow.lan:<port>/ and have the certificate checked
  // against the name a household uses.
  '--host-resolver-rules=MAP burrow.lan 127.0.0.1',
];

export interface ChromiumSession {
  readonly context: BrowserContext;
  /** Closes the browser and removes its profile directory. */
  readonly close: () => Promise<void>;
}

export interface ChromiumOptions extends Pick<BrowserContextOptions, 'viewport' | 'colorScheme' | 'reducedMotion'> {
  /**
   * A CA certificate (PEM) this browser trusts as a user would after installing it, so HTTPS pages it
   * signed load with no certificate error. Without it, a certificate signed by a test's CA is refused.
   */
  trustedCaPem?: string;
}

/** Launches Chromium with a fresh, throw-away profile (and home directory, when it must trust a CA). */
export async function launchChromium(options: ChromiumOptions = {}): Promise<ChromiumSession> {
  const { trustedCaPem, ...contextOptions } = options;
  // One directory for everything the browser writes: the profile, and the home directory when there is one.
  const dir = await mkdtemp(join(tmpdir(), 'burrow-e2e-chromium-'));
  let context: BrowserContext;
  try {
    const home = trustedCaPem === undefined ? undefined : await homeTrusting(dir, trustedCaPem);
    const profile = join(dir, 'profile');
    await mkdir(profile);
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env['CHROMIUM_PATH'] ?? DEFAULT_CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_FLAGS,
      ...(home === undefined ? {} : { env: { ...process.env, HOME: home } }),
      ...contextOptions,
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    context,
    close: async () => {
      try {
        await context.close();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * A home directory under `dir` whose NSS database trusts `caPem` to identify websites: Chromium on Linux
 * reads user-installed CAs from `$HOME/.pki/nssdb`, so this is what installing the CA does for a person.
 */
async function homeTrusting(dir: string, caPem: string): Promise<string> {
  const home = join(dir, 'home');
  const nssDb = join(home, '.pki', 'nssdb');
  await mkdir(nssDb, { recursive: true });
  const caFile = join(dir, 'trusted-ca.pem');
  await writeFile(caFile, caPem);
  await certutil(['-d', `sql:${nssDb}`, '-N', '--empty-password']);
  await certutil(['-d', `sql:${nssDb}`, '-A', '-t', 'C,,', '-n', 'Burrow test CA', '-i', caFile]);
  return home;
}

async function certutil(args: readonly string[]): Promise<void> {
  try {
    await execFileAsync('certutil', args);
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') {
      throw new Error('certutil is not installed: it comes with the libnss3-tools package.', { cause: error });
    }
    throw error;
  }
}

// Debian's Chromium driven by playwright-core: no browser download, nothing leaves 127.0.0.1.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type BrowserContextOptions } from 'playwright-core';

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
];

export interface ChromiumSession {
  readonly context: BrowserContext;
  /** Closes the browser and removes its profile directory. */
  readonly close: () => Promise<void>;
}

export type ChromiumOptions = Pick<BrowserContextOptions, 'viewport' | 'colorScheme' | 'reducedMotion'>;

/** Launches Chromium with a fresh, throw-away profile. */
export async function launchChromium(options: ChromiumOptions = {}): Promise<ChromiumSession> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'burrow-e2e-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: process.env['CHROMIUM_PATH'] ?? DEFAULT_CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_FLAGS,
      ...options,
    });
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    context,
    close: async () => {
      try {
        await context.close();
      } finally {
        await rm(userDataDir, { recursive: true, force: true });
      }
    },
  };
}

// Screenshots under test-output/e2e/ (git-ignored), so a person can look at what the browser saw.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Page } from 'playwright-core';

// test/dist/e2e/support → <repo>/test-output/e2e
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../../../test-output/e2e/', import.meta.url));
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 667 };

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** How many pixels the page is wider than the screen; 0 when nothing scrolls sideways. */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

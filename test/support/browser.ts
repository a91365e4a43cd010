import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Where the browser tests save their screenshots (gitignored). */
export const SCREENSHOT_DIR = resolve(import.meta.dirname, '..', '..', 'test-artifacts', 'screenshots');

/**
 * Debian's chromium (installed by scripts/lib.sh ensure_chromium, which npm test runs), or
 * CHROMIUM_PATH. A missing browser fails the test with a line saying how to get it.
 */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error('Chromium not found: run `npm test` (scripts/lib.sh ensure_chromium installs Debian\'s chromium with apt-get) or set CHROMIUM_PATH');
  }
  return found;
}

export async function launchChromium(): Promise<Browser> {
  return await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // As root (CI containers) Chromium refuses to start with its sandbox; /dev/shm is small in containers.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run', '--no-default-browser-check'],
  });
}

/** A phone-sized page (375 × 667 CSS pixels, touch, 2× pixels), the size of a small iPhone. */
export async function phoneContext(browser: Browser): Promise<BrowserContext> {
  return await browser.newContext({ viewport: { width: 375, height: 667 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'en-GB' });
}

/** Saves a full-page screenshot under test-artifacts/screenshots/ and prints its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${relative(process.cwd(), path)}`);
  return path;
}

/**
 * Collects what the page logs as errors (CSP violations, uncaught exceptions): a test expects none.
 * Chromium also logs every 4xx answer ("Failed to load resource"); those are the tests' own doing.
 */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(`console: ${message.text()}`);
  });
  return errors;
}

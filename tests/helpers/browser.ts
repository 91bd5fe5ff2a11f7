/** A real headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core. */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../config';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Without the background-networking flags Chromium keeps dialling out, and this machine has no network.
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** playwright-core gives every launch a fresh temporary profile, removed on close. */
export async function launchBrowser(): Promise<{ browser: Browser; close: () => Promise<void> }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ARGS });
  return { browser, close: () => browser.close() };
}

/** Where page screenshots go for a human to look at (git-ignored; CI keeps the folder as output). */
export const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR ?? path.join(PROJECT_ROOT, 'test-output', 'screenshots');

/** Saves a full-page screenshot as `<SCREENSHOT_DIR>/<name>.png` and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  // From the top, so sticky table headers sit where a reader first sees them.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Collects the page's console errors and warnings and uncaught exceptions; `ignore` drops messages
 * from request URLs that are expected to fail in a test.
 */
export function watchProblems(page: Page, ignore: RegExp | null = null): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (ignore && ignore.test(m.location().url)) return;
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return problems;
}

/** Opens `url` in a new 1400×1800 page, waits for the network to go idle and collects its problems (watchProblems). */
export async function openPage(browser: Browser, url: string, ignore: RegExp | null = null): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1800 } });
  const problems = watchProblems(page, ignore);
  await page.goto(url, { waitUntil: 'networkidle' });
  return { page, problems };
}

import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium: the tests never download a browser. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * For a `before` hook: Debian's Chromium, started headless. When it is missing the suite is skipped with
 * one line saying how to install it; under `CI=true` (CI installs it) that fails instead.
 */
export async function launchChromium(context: Mocha.Context): Promise<Browser | undefined> {
  if (!existsSync(CHROMIUM)) {
    const line = `${CHROMIUM} is missing; install it with: apt-get install chromium`;
    if (process.env.CI === 'true') throw new Error(`${line} (CI=true: the browser tests fail)`);
    console.log(`    skipped: ${line}`);
    context.skip();
    return undefined;
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // As root in a container, with no network but this machine's: nothing reaches out.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

// Launches Debian's Chromium (never a downloaded browser) through playwright-core, headless, with
// a fresh profile per launch and nothing that talks to the network on its own.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { REPO_ROOT } from './tandem-ui.ts';

export const CHROMIUM_PATH = process.env['TANDEM_CHROMIUM'] ?? '/usr/bin/chromium';

export const ARTIFACTS_DIR = join(REPO_ROOT, 'test-results', 'e2e');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: install Debian's package (apt-get install -y chromium) or set TANDEM_CHROMIUM.`);
  }
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  // launch() (not launchPersistentContext) gives every run a fresh temporary profile.
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
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

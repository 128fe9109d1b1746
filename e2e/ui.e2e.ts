// The "Done when": the real `tandem ui`, the built renderer in Chromium, and state that
// arrives over the token-guarded WebSocket — a real round trip for Pause and Resume.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR, launchChromium } from './helpers/chromium.ts';
import { startTandemUi, type TandemUi } from './helpers/tandem-ui.ts';
import packageJson from '../package.json' with { type: 'json' };

let browser: Browser;
let ui: TandemUi;
const pages: Page[] = [];
/** Console errors and uncaught exceptions per page; a CSP violation shows up here. */
const problems: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

beforeEach(async () => {
  problems.length = 0;
  ui = await startTandemUi();
});

afterEach(async () => {
  for (const page of pages.splice(0)) await page.context().close();
  await ui.stop();
});

/** Opens `url` in a fresh context; `beforeLoad` may attach listeners before the page loads. */
async function openPage(url: string, beforeLoad?: (page: Page) => void, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 420, height: 520 }, colorScheme });
  const page = await context.newPage();
  pages.push(page);
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  beforeLoad?.(page);
  await page.goto(url);
  return page;
}

describe('tandem ui in Chromium', () => {
  it('shows the app state from the WebSocket, and Pause/Resume round-trip through the app', async () => {
    // Watch the IPC socket itself, so the test knows the state travelled over it.
    const framesIn: string[] = [];
    const socketUrls: string[] = [];
    const page = await openPage(ui.url, (p) =>
      p.on('websocket', (socket) => {
        socketUrls.push(socket.url());
        socket.on('framereceived', (frame) => framesIn.push(String(frame.payload)));
      }),
    );

    await page.getByText('No folder set up yet', { exact: true }).waitFor();
    expect(socketUrls).toEqual([`ws://127.0.0.1:${ui.port}/ipc`]);
    expect(framesIn.some((frame) => frame.includes('"summary":"No folder set up yet"'))).toBe(true);
    await page.getByText(`Version ${packageJson.version}`).waitFor();

    await page.getByRole('button', { name: 'Pause syncing' }).click();
    await page.getByText('Paused — no folder set up yet', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Resume syncing' }).waitFor();
    expect(framesIn.some((frame) => frame.includes('"type":"event"') && frame.includes('"paused":true'))).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'ui-paused.png') });

    // Keyboard only: Tab to the button, Enter resumes.
    await page.getByRole('button', { name: 'Resume syncing' }).focus();
    await page.keyboard.press('Enter');
    await page.getByText('No folder set up yet', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Pause syncing' }).waitFor();

    // No inline script, no CSP violation, no uncaught error.
    expect(problems).toEqual([]);
  });

  it('pauses for 30 minutes and resumes from the bottom bar', async () => {
    const page = await openPage(ui.url);
    await page.getByText('No folder set up yet', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Pause for 30 minutes' }).click();
    await page.getByRole('button', { name: 'Resume syncing' }).waitFor();
    expect(await page.locator('.status-line').textContent()).toMatch(/^Paused/);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'popover-paused-30m.png') });
    await page.getByRole('button', { name: 'Resume syncing' }).click();
    await page.getByText('No folder set up yet', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Pause for 1 hour' }).click();
    await page.getByRole('button', { name: 'Resume syncing' }).waitFor();
    expect(problems).toEqual([]);
  });

  it('shows a pause made in one window in every other window (app events)', async () => {
    const first = await openPage(ui.url);
    const second = await openPage(ui.url);
    await first.getByText('No folder set up yet', { exact: true }).waitFor();
    await second.getByText('No folder set up yet', { exact: true }).waitFor();
    await first.getByRole('button', { name: 'Pause syncing' }).click();
    await second.getByText('Paused — no folder set up yet', { exact: true }).waitFor();
    expect(problems).toEqual([]);
  });

  it("follows the system's dark theme and shows where keyboard focus is", async () => {
    const page = await openPage(ui.url, undefined, 'dark');
    await page.getByText('No folder set up yet', { exact: true }).waitFor();
    const background = await page.evaluate('getComputedStyle(document.body).backgroundColor');
    expect(background).toBe('rgb(21, 23, 26)');
    // Before set-up, the first control is "Set up Tandem…", then Pause.
    await page.keyboard.press('Tab');
    const setUp = page.getByRole('button', { name: 'Set up Tandem…' });
    expect(await setUp.evaluate((element) => element === element.ownerDocument.activeElement)).toBe(true);
    await page.keyboard.press('Tab');
    const button = page.getByRole('button', { name: 'Pause syncing' });
    expect(await button.evaluate((element) => element === element.ownerDocument.activeElement)).toBe(true);
    expect(await button.evaluate((element) => element.ownerDocument.defaultView?.getComputedStyle(element).outlineStyle)).toBe('solid');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'ui-dark.png') });
    expect(problems).toEqual([]);
  });

  it("says it can't reach Tandem when the address has no token", async () => {
    const page = await openPage(`${ui.origin}/`);
    const notice = page.getByRole('alert');
    await notice.getByText("Can't reach Tandem").waitFor();
    await notice.getByText('Open the full address Tandem printed', { exact: false }).waitFor();
    expect(await page.getByText('No folder set up yet').count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'ui-no-token.png') });
  });

  it("says it can't reach Tandem when the token is wrong", async () => {
    const wrong = `${ui.origin}/#token=${'A'.repeat(43)}`;
    const page = await openPage(wrong);
    await page.getByRole('alert').getByText("Can't reach Tandem").waitFor();
    expect(await page.getByText('No folder set up yet').count()).toBe(0);
  });

  it("says it can't reach Tandem when tandem ui stops", async () => {
    const page = await openPage(ui.url);
    await page.getByText('No folder set up yet', { exact: true }).waitFor();
    expect(await ui.stop()).toBe(0);
    await page.getByRole('alert').getByText("Can't reach Tandem").waitFor();
    expect(await page.getByRole('button', { name: 'Pause syncing' }).isDisabled()).toBe(true);
  });
});

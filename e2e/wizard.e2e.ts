// The first-run wizard through the real `tandem ui` in Chromium: a fresh state, the wizard, a
// real server (in this process), and a file put in the chosen folder that reaches the server
// (checked by a second computer that signs in and syncs it down).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppWorld } from '../integration/app/app-harness.ts';
import { ARTIFACTS_DIR, launchChromium } from './helpers/chromium.ts';
import { eventually, PageSet } from './helpers/pages.ts';
import { startTandemUi, type TandemUi } from './helpers/tandem-ui.ts';

let browser: Browser;
let ui: TandemUi;
let world: AppWorld;
let scratch: string;
const pages = new PageSet(() => browser);

beforeAll(async () => {
  browser = await launchChromium();
  world = await AppWorld.start();
  ui = await startTandemUi();
  scratch = await mkdtemp(join(tmpdir(), 'tandem-e2e-wizard-'));
});

afterEach(async (context) => {
  if (context.task.result?.state === 'fail') await pages.screenshotAll((i) => join(ARTIFACTS_DIR, `wizard-failed-${i}.png`));
});

afterAll(async () => {
  await pages.closeAll();
  await ui?.stop();
  await world?.close();
  await browser?.close();
  await rm(scratch, { recursive: true, force: true });
});

describe('first run', () => {
  it('signs in to a server, chooses the folder and what to sync, and a new file reaches the server', async () => {
    const user = await world.user();
    const folder = join(scratch, 'Tandem');
    const page = await pages.open(ui.url, { width: 680, height: 720 });

    await page.getByRole('button', { name: 'Set up Tandem…' }).click();
    const wizard = page.getByRole('dialog', { name: 'Set up Tandem' });
    await wizard.getByText('Keep your files the same on all your computers.').waitFor();
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'wizard-welcome.png') });
    await wizard.getByRole('button', { name: 'Continue' }).click();

    // A wrong password is one sentence, and the wizard stays on this step.
    await wizard.getByLabel('Server address').fill(world.server.url);
    await wizard.getByLabel('User name').fill(user.name);
    await wizard.getByLabel('Password').fill('not the password');
    await wizard.getByLabel("This computer's name").fill('Ada laptop');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'wizard-server.png') });
    await wizard.getByRole('button', { name: 'Sign in' }).click();
    const failure = await wizard.getByRole('alert').textContent();
    expect(failure).toBeTruthy();
    expect(failure).not.toMatch(/\bat .*\(|Error:|undefined/);

    await wizard.getByLabel('Password').fill(user.password);
    // Enter submits the form: the keyboard path.
    await wizard.getByLabel('Password').press('Enter');
    await wizard.getByText('Choose the Tandem folder').waitFor();
    await wizard.getByLabel('Folder on this computer').fill(folder);
    // What choosing it means, in words (the folder does not exist yet: Tandem makes it).
    await wizard.locator('.folder-message').waitFor();
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'wizard-folder.png') });
    await wizard.getByRole('button', { name: 'Continue' }).click();

    await wizard.getByText('Choose what to sync').waitFor();
    await wizard.getByRole('button', { name: 'Start syncing' }).and(page.locator(':not([disabled])')).waitFor();
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'wizard-choose.png') });
    await wizard.getByRole('button', { name: 'Start syncing' }).click();
    await wizard.getByRole('heading', { name: 'Tandem is syncing' }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'wizard-done.png') });
    await wizard.getByRole('button', { name: 'Done' }).click();

    // The popover again, set up now.
    await page.getByRole('button', { name: 'Preferences' }).waitFor();
    expect(await page.getByRole('button', { name: 'Set up Tandem…' }).count()).toBe(0);

    // A file put in the folder reaches the server: a second computer signs in and gets it.
    await writeFile(join(folder, 'hello.txt'), 'from the wizard\n');
    const bob = await world.app('Bob desktop');
    await bob.setUp(world.server.url, user);
    await eventually('hello.txt reaches the other computer through the server', async () => {
      await bob.sync();
      return (await bob.read('hello.txt')) === 'from the wizard\n';
    });

    // The popover shows it in recent activity.
    await page.getByText('hello.txt').first().waitFor();
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'popover-activity.png') });

    // The headless host cannot open a file manager: it says where the folder is instead.
    await page.getByRole('button', { name: 'Open the Tandem folder' }).click();
    await page.getByRole('status').getByText(`This window cannot open folders. It is at ${folder}`).waitFor();
    await page.getByRole('button', { name: 'Show hello.txt in its folder' }).first().click();
    await page.getByRole('status').getByText(`It is at ${folder}`, { exact: false }).waitFor();
    expect(pages.problems).toEqual([]);
  }, 300_000);
});

// The first-run wizard through the real `tandem ui` in Chromium: a fresh state, the wizard, a
// real server (in this process), and a file put in the chosen folder that reaches the server
// (checked by a second computer that signs in and syncs it down). Then "Host on this computer":
// another fresh `tandem ui` runs the server itself, shows the address other computers should
// use, and a second computer signing in at that address gets the files (and sends one back).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
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

/** A TCP port nothing listens on right now (the hosted server must not collide with another test's). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '0.0.0.0', resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const hostedUis: TandemUi[] = [];

afterAll(async () => {
  await pages.closeAll();
  for (const hosted of hostedUis) await hosted.stop();
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

  it('hosts the server on this computer: shows the address other computers should use, and a file reaches a computer that signs in there', async () => {
    const hostedUi = await startTandemUi();
    hostedUis.push(hostedUi);
    const folder = join(scratch, 'Hosted Tandem');
    const port = await freePort();
    const page = await pages.open(hostedUi.url, { width: 680, height: 720 });

    await page.getByRole('button', { name: 'Set up Tandem…' }).click();
    const wizard = page.getByRole('dialog', { name: 'Set up Tandem' });
    await wizard.getByRole('button', { name: 'Continue' }).click();
    await wizard.getByLabel('Host on this computer').check();
    await wizard.getByLabel('User name').fill('ada');
    await wizard.getByLabel('Password').fill('a long enough password');
    await wizard.getByLabel("This computer's name").fill('Ada home server');
    // A port that is not a number is said in words, and nothing starts.
    await wizard.getByLabel('Port other computers connect to').fill('eighty');
    await wizard.getByRole('button', { name: 'Start the server' }).click();
    await wizard.getByRole('alert').getByText('"eighty" is not a port', { exact: false }).waitFor();
    await wizard.getByLabel('Port other computers connect to').fill(String(port));
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'wizard-host.png') });
    await wizard.getByRole('button', { name: 'Start the server' }).click();

    // The next step says where other computers find this one.
    await wizard.getByText('Choose the Tandem folder').waitFor();
    const addresses = (await wizard.locator('.hosted-addresses').textContent()) ?? '';
    const onNetwork = Object.values(networkInterfaces()).some((entries) => entries?.some((e) => e.family === 'IPv4' && !e.internal));
    let address: string;
    if (onNetwork) {
      const match = new RegExp(`^Other computers should use: (http://[0-9.]+:${port})`).exec(addresses);
      expect(match, addresses).not.toBeNull();
      address = match![1]!;
    } else {
      expect(addresses).toContain(`port ${port}`);
      address = `http://127.0.0.1:${port}`;
    }
    await wizard.getByLabel('Folder on this computer').fill(folder);
    await wizard.locator('.folder-message').waitFor();
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'wizard-host-folder.png') });
    await wizard.getByRole('button', { name: 'Continue' }).click();
    await wizard.getByText('Choose what to sync').waitFor();
    await wizard.getByRole('button', { name: 'Start syncing' }).and(page.locator(':not([disabled])')).click();
    await wizard.getByRole('heading', { name: 'Tandem is syncing' }).waitFor();
    expect(await wizard.locator('.hosted-addresses').textContent()).toBe(addresses);
    await wizard.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('button', { name: 'Preferences' }).waitFor();

    // A file put in the folder reaches the server hosted here: a second computer signs in at the
    // address shown and gets it, and what it adds comes back.
    await writeFile(join(folder, 'from-the-host.txt'), 'hosted here\n');
    const bob = await world.app('Bob at the office');
    await bob.setUp(address, { name: 'ada', password: 'a long enough password' });
    await eventually('from-the-host.txt reaches the other computer through the hosted server', async () => {
      await bob.sync();
      return (await bob.read('from-the-host.txt')) === 'hosted here\n';
    });
    await bob.write('from-the-office.txt', 'back again\n');
    await bob.sync();
    await eventually('from-the-office.txt reaches the hosting computer', async () => (await readFile(join(folder, 'from-the-office.txt'), 'utf8').catch(() => '')) === 'back again\n');
    // Bob's computer sees the host under the name given in the wizard.
    const versions = await bob.call('history.versions', { folderId: await bob.folderId(), path: 'from-the-host.txt' });
    expect(versions.versions[0]!.device).toBe('Ada home server');
    expect(pages.problems).toEqual([]);
  }, 300_000);
});

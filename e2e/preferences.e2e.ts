// Preferences that do what they say, through the real `tandem ui` (Ada's laptop) with a second
// engine (Bob's desktop) on the same server: the update server is checked as it is typed and kept;
// "pause on metered networks" can be ticked where the system can tell (Linux); and the large-new-folder threshold set
// here makes a big folder Bob adds appear in the popover's "Needs you" instead of on Ada's disk,
// until Ada ticks it in Choose folders to sync -- checked on disk; and a row in "Needs you" about
// one file offers to show it in its folder.
import { mkdir, readFile, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../integration/app/app-harness.ts';
import { adaJoinsBob, exists, useE2eWorld } from './helpers/ada-and-bob.ts';
import { ARTIFACTS_DIR } from './helpers/chromium.ts';
import { eventually } from './helpers/pages.ts';

const e2e = useE2eWorld('preferences');
let folder: string;
let bob: TestApp;
let page: Page;
const MiB = 1024 * 1024;

beforeAll(async () => {
  ({ bob, page, folder } = await adaJoinsBob(e2e, { 'Documents/plan.txt': 'the plan\n' }));
  await page.getByText('Up to date', { exact: true }).first().waitFor({ timeout: 60_000 });
}, 300_000);

describe('preferences', () => {
  it('checks the update server as it is typed, keeps it, and offers pause on metered networks where this computer can tell', async () => {
    await page.getByRole('button', { name: 'Preferences' }).click();
    const dialog = page.getByRole('dialog', { name: 'Preferences' });
    const updateUrl = dialog.getByLabel('Update server (leave empty to not look for updates)');
    await updateUrl.waitFor();
    expect(await updateUrl.inputValue()).toBe('');
    await dialog.getByText('The desktop app looks there for new versions; this window cannot update itself.').waitFor();

    await updateUrl.fill('ftp://nas.local/updates');
    await dialog.getByText('The update address must start with https:// or http://.').waitFor();
    expect(await dialog.getByRole('button', { name: 'Save preferences' }).isDisabled()).toBe(true);
    await updateUrl.fill('http://nas.local/tandem-updates');
    await dialog.getByText('Over plain http, anyone on the network', { exact: false }).waitFor();
    await updateUrl.fill('https://nas.local/tandem-updates');
    expect(await dialog.getByText('Over plain http', { exact: false }).count()).toBe(0);
    expect(await dialog.getByText('The update address must', { exact: false }).count()).toBe(0);

    // On Linux Tandem asks NetworkManager whether the network is metered: the box can be ticked,
    // and the sentence under it says what Tandem makes of this computer's network.
    const metered = dialog.getByLabel('Pause on metered networks');
    expect(await metered.isDisabled()).toBe(false);
    expect(await dialog.locator('#metered-detection').textContent()).toMatch(/whether (its|this) network is metered/);

    await dialog.getByLabel('Ask before downloading a new server folder larger than (MB)').fill('1');
    await dialog.getByRole('button', { name: 'Save preferences' }).click();
    await dialog.getByRole('status').getByText('Preferences saved.').waitFor();
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'preferences-updates.png'), fullPage: true });

    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Preferences' }).click();
    await updateUrl.waitFor();
    expect(await updateUrl.inputValue()).toBe('https://nas.local/tandem-updates');
    expect(await dialog.getByLabel('Ask before downloading a new server folder larger than (MB)').inputValue()).toBe('1');
    await page.keyboard.press('Escape');
    expect(e2e.pages.problems).toEqual([]);
  }, 300_000);

  it('a new server folder over the threshold is asked about in Needs you, and comes down once ticked', async () => {
    await bob.write('Videos/holiday.bin', Buffer.alloc(2 * MiB, 7));
    await bob.write('Letters/to-ada.txt', 'hello Ada\n');
    await bob.sync();

    // The small folder arrives; the big one is asked about instead.
    await eventually('the letter reaches Ada', async () => (await readFile(join(folder, 'Letters/to-ada.txt'), 'utf8').catch(() => '')) === 'hello Ada\n');
    const row = page.locator('.needs-row', { hasText: 'A new folder on the server, Videos' });
    await row.waitFor({ timeout: 60_000 });
    await row.getByText('It is larger than your limit of 1 MB. Tick it in Choose folders to sync to download it.').waitFor();
    expect(await exists(join(folder, 'Videos'))).toBe(false);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'popover-large-folder.png') });

    await row.getByRole('button', { name: 'Choose…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Choose folders to sync' });
    const videos = dialog.getByRole('checkbox', { name: 'Sync Videos' });
    await videos.waitFor();
    expect(await videos.isChecked()).toBe(false);
    await videos.check();
    await dialog.getByText('This will download', { exact: false }).waitFor();
    await dialog.getByRole('button', { name: 'Apply' }).click();
    await eventually('Videos reaches Ada', async () => (await stat(join(folder, 'Videos/holiday.bin')).catch(() => undefined))?.size === 2 * MiB);
    await page.keyboard.press('Escape');
    await eventually('Needs you no longer asks about Videos', async () => (await row.count()) === 0);
    expect(e2e.pages.problems).toEqual([]);
  }, 300_000);

  it("a link in the folder is listed in Needs you with its reason, and Show says where it is", async () => {
    await mkdir(join(folder, 'Notes'), { recursive: true });
    await symlink('/etc/hostname', join(folder, 'Notes', 'hostname-link'));
    const row = page.locator('.needs-row', { hasText: 'hostname-link' });
    await row.waitFor({ timeout: 60_000 });
    await row.getByText('Links are not synced; put the file itself in the folder if you want it synced.').waitFor();
    await row.getByRole('button', { name: 'Show hostname-link in its folder' }).click();
    // The headless host cannot open a file manager: it says where the folder is instead.
    await page.getByRole('status').getByText(`This window cannot open folders. It is at ${join(folder, 'Notes')}`).waitFor();
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'popover-needs-you-link.png') });
    expect(e2e.pages.problems).toEqual([]);
  }, 300_000);
});

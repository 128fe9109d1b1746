// Selective sync and version history through the real `tandem ui` (Ada's laptop) with a second
// engine (Bob's desktop) on the same server: unchecking a folder removes it from disk and
// re-checking brings it back; an old version and a deleted file are restored, and a copy of an old
// version saved beside its file; all checked on disk.
import { readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../integration/app/app-harness.ts';
import { adaJoinsBob, exists, useE2eWorld } from './helpers/ada-and-bob.ts';
import { ARTIFACTS_DIR } from './helpers/chromium.ts';
import { eventually } from './helpers/pages.ts';

const e2e = useE2eWorld('folders-history');
let folder: string;
let bob: TestApp;
let page: Page;

beforeAll(async () => {
  ({ bob, page, folder } = await adaJoinsBob(e2e, { 'Photos/beach.jpg': 'not really a picture, but 40 bytes long.', 'Documents/plan.txt': 'the plan\n' }));
}, 300_000);

describe('selective sync dialog', () => {
  it('unchecking a folder removes it from this computer; checking it again brings it back', async () => {
    await page.getByRole('button', { name: 'Choose folders to sync' }).click();
    const dialog = page.getByRole('dialog', { name: 'Choose folders to sync' });
    const photos = dialog.getByRole('checkbox', { name: 'Sync Photos' });
    await photos.waitFor();
    expect(await photos.isChecked()).toBe(true);
    // Keyboard: Space toggles the box.
    await photos.focus();
    await page.keyboard.press('Space');
    expect(await photos.isChecked()).toBe(false);
    await dialog.getByText('This will free', { exact: false }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'selective-uncheck.png') });
    await dialog.getByRole('button', { name: 'Apply' }).click();
    await dialog.getByRole('status').waitFor();
    await eventually('Photos is gone from this computer', async () => !(await exists(join(folder, 'Photos'))));
    expect(await readFile(join(folder, 'Documents/plan.txt'), 'utf8')).toBe('the plan\n');

    await dialog.getByRole('checkbox', { name: 'Sync Photos' }).check();
    await dialog.getByText('This will download', { exact: false }).waitFor();
    await dialog.getByRole('button', { name: 'Apply' }).click();
    await eventually('Photos is back', async () => (await readFile(join(folder, 'Photos/beach.jpg'), 'utf8').catch(() => '')) === 'not really a picture, but 40 bytes long.');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Preferences' }).waitFor();
    expect(e2e.pages.problems).toEqual([]);
  }, 300_000);
});

describe('version history', () => {
  it('restores an old version of a file, and a deleted file where it was', async () => {
    await writeFile(join(folder, 'notes.txt'), 'first draft\n');
    await eventually('Bob has the first draft', async () => {
      await bob.sync();
      return (await bob.read('notes.txt').catch(() => '')) === 'first draft\n';
    });
    await writeFile(join(folder, 'notes.txt'), 'second draft, longer\n');
    await eventually('Bob has the second draft', async () => {
      await bob.sync();
      return (await bob.read('notes.txt').catch(() => '')) === 'second draft, longer\n';
    });

    // From the activity row of the file.
    await page.getByRole('button', { name: 'Version history of notes.txt' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Version history' });
    const table = dialog.getByRole('table', { name: 'Versions of notes.txt' });
    await table.getByText('(current)', { exact: false }).waitFor();
    expect(await table.getByRole('row').count()).toBe(3); // the header and two versions
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'history-versions.png') });
    await table.getByRole('button', { name: /^Restore the version saved/ }).click();
    await dialog.getByRole('status').waitFor();
    await eventually('the first draft is the current file again', async () => (await readFile(join(folder, 'notes.txt'), 'utf8')) === 'first draft\n');

    // Save a copy of an OLD version (the second draft, no longer current): its bytes land beside the file.
    await eventually('the restore is listed as a third version', async () => (await table.getByRole('row').count()) === 4);
    const secondDraft = table.getByRole('row').filter({ hasText: '21 bytes' });
    expect(await secondDraft.getByText('(current)').count()).toBe(0);
    await secondDraft.getByRole('button', { name: /^Save a copy of the version saved/ }).click();
    const saved = dialog.getByRole('status').filter({ hasText: 'Saved a copy' });
    await saved.waitFor();
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'history-saved-copy.png') });
    const savedName = /as (notes \(version from [^)]+\)\.txt)\.$/.exec((await saved.textContent()) ?? '')?.[1];
    expect(savedName).toBeDefined();
    expect(await readFile(join(folder, savedName!), 'utf8')).toBe('second draft, longer\n');
    expect(await readFile(join(folder, 'notes.txt'), 'utf8')).toBe('first draft\n');

    // A deleted file comes back where it was, folder and all.
    await unlink(join(folder, 'Documents/plan.txt'));
    await rm(join(folder, 'Documents'), { recursive: true });
    await eventually('the delete reached Bob', async () => {
      await bob.sync();
      return !(await bob.exists('Documents/plan.txt'));
    });
    await dialog.getByRole('tab', { name: 'Deleted files' }).click();
    const deleted = dialog.getByRole('table', { name: 'Deleted files' });
    await eventually('the deleted file is listed', async () => {
      if ((await deleted.getByText('Documents/plan.txt').count()) > 0) return true;
      // Listed once the app knows of the delete: look again.
      await dialog.getByRole('tab', { name: "A file's versions" }).click();
      await dialog.getByRole('tab', { name: 'Deleted files' }).click();
      return false;
    });
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'history-deleted.png') });
    await deleted.getByRole('button', { name: 'Restore Documents/plan.txt' }).click();
    await eventually('plan.txt is back in Documents', async () => (await readFile(join(folder, 'Documents/plan.txt'), 'utf8').catch(() => '')) === 'the plan\n');
    await page.keyboard.press('Escape');
    expect(e2e.pages.problems).toEqual([]);
  }, 300_000);
});

describe('preferences', () => {
  it('shows the account, saves settings that are still there when reopened, and ignore rules keep files off the server', async () => {
    await page.getByRole('button', { name: 'Preferences' }).click();
    const dialog = page.getByRole('dialog', { name: 'Preferences' });
    await dialog.getByText('Signed in as', { exact: false }).waitFor();
    expect(await dialog.getByText(e2e.world.server.url, { exact: false }).count()).toBeGreaterThan(0);

    // A value that is not a number says so in words.
    const upload = dialog.getByLabel('Upload limit');
    await upload.fill('');
    await dialog.getByText('Enter a whole number of 0 or more.').waitFor();
    await upload.fill('250');
    await dialog.getByLabel('Ask before deleting more than this many files').fill('50');
    await dialog.getByLabel('When a file is changed on two computers').selectOption({ label: 'Keep both' });
    await dialog.getByRole('button', { name: 'Save preferences' }).click();
    await dialog.getByRole('status').getByText('Preferences saved.').waitFor();
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'preferences.png'), fullPage: true });

    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Preferences' }).click();
    await dialog.getByText('Signed in as', { exact: false }).waitFor();
    expect(await dialog.getByLabel('Upload limit').inputValue()).toBe('250');
    expect(await dialog.getByLabel('Ask before deleting more than this many files').inputValue()).toBe('50');
    expect(await dialog.getByLabel('When a file is changed on two computers').inputValue()).toBe('both');

    await dialog.getByLabel('Files and folders Tandem leaves alone (one pattern a line)').fill('*.draft\n');
    await dialog.getByRole('button', { name: 'Save ignore rules' }).click();
    await dialog.getByText('Ignore rules saved.').waitFor();
    await writeFile(join(folder, 'scratch.draft'), 'left alone\n');
    await writeFile(join(folder, 'kept.txt'), 'synced\n');
    await eventually('kept.txt reaches Bob', async () => {
      await bob.sync();
      return (await bob.read('kept.txt').catch(() => '')) === 'synced\n';
    });
    expect(await bob.exists('scratch.draft')).toBe(false);

    await dialog.getByRole('button', { name: 'Copy diagnostics' }).click();
    expect(await dialog.getByLabel('Diagnostics').inputValue()).not.toContain('kept.txt');
    await page.keyboard.press('Escape');
    expect(e2e.pages.problems).toEqual([]);
  }, 300_000);

  it('shows every dialog in the dark theme too', async () => {
    const dark = await e2e.pages.open(e2e.ui.url, { width: 900, height: 760, colorScheme: 'dark' });
    await dark.getByRole('button', { name: 'Preferences' }).click();
    await dark.getByRole('dialog', { name: 'Preferences' }).getByText('Signed in as', { exact: false }).waitFor();
    expect(await dark.evaluate('getComputedStyle(document.body).backgroundColor')).toBe('rgb(21, 23, 26)');
    await dark.screenshot({ path: join(ARTIFACTS_DIR, 'preferences-dark.png') });
    await dark.keyboard.press('Escape');
    await dark.getByRole('button', { name: 'Version history', exact: true }).click();
    await dark.getByRole('dialog', { name: 'Version history' }).getByRole('tab', { name: 'Deleted files' }).waitFor();
    await dark.screenshot({ path: join(ARTIFACTS_DIR, 'history-dark.png') });
    await dark.keyboard.press('Escape');
    await dark.getByRole('button', { name: 'Choose folders to sync' }).click();
    await dark.getByRole('checkbox', { name: 'Sync Photos' }).waitFor();
    await dark.screenshot({ path: join(ARTIFACTS_DIR, 'selective-dark.png') });
    await dark.keyboard.press('Escape');
    await dark.screenshot({ path: join(ARTIFACTS_DIR, 'popover-dark.png') });
    expect(e2e.pages.problems).toEqual([]);
  }, 300_000);
});

describe('the popover asks before a mass delete', () => {
  it('shows the question in "Needs you", and "Keep them" brings the files back', async () => {
    await page.getByRole('button', { name: 'Preferences' }).click();
    const prefs = page.getByRole('dialog', { name: 'Preferences' });
    await prefs.getByLabel('Ask before deleting more than this many files').fill('3');
    await prefs.getByLabel('…when that is more than this percent of the folder').fill('10');
    await prefs.getByRole('button', { name: 'Save preferences' }).click();
    await prefs.getByRole('status').getByText('Preferences saved.').waitFor();
    await page.keyboard.press('Escape');

    for (let i = 0; i < 8; i++) await bob.write(`many/file-${i}.txt`, `file ${i}`);
    await bob.sync();
    await eventually('Ada has the eight files', async () => (await readFile(join(folder, 'many/file-7.txt'), 'utf8').catch(() => '')) === 'file 7');

    await rm(join(folder, 'many'), { recursive: true });
    const needsYou = page.getByRole('region', { name: 'Needs you' });
    await needsYou.getByRole('button', { name: 'Keep them' }).waitFor({ timeout: 120_000 });
    await needsYou.getByRole('button', { name: 'Delete them' }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'popover-mass-delete.png') });
    await needsYou.getByRole('button', { name: 'Keep them' }).click();
    await eventually('the files are back on this computer', async () => (await readFile(join(folder, 'many/file-0.txt'), 'utf8').catch(() => '')) === 'file 0');
    await bob.sync();
    expect(await bob.read('many/file-7.txt')).toBe('file 7');
    await eventually('the question is gone', async () => (await page.getByRole('button', { name: 'Keep them' }).count()) === 0);
    expect(e2e.pages.problems).toEqual([]);
  }, 300_000);
});

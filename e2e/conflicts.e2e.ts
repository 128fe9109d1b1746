// The Conflicts dialog through the real `tandem ui`: the app's engine (Ada's laptop, watching its
// folder) and a second engine (Bob's desktop) edit the same three files while Ada is paused, so
// resuming makes three real conflicts. The dialog labels both sides by device, and each file is
// resolved a different way (keep this computer's, keep Bob's, keep both), checked on disk; one
// choice is first undone (the row comes back, the disk unchanged).
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useE2eWorld } from './helpers/ada-and-bob.ts';
import { ARTIFACTS_DIR } from './helpers/chromium.ts';
import { eventually } from './helpers/pages.ts';
import { setUpThroughWizard } from './helpers/setup.ts';

const e2e = useE2eWorld('conflicts');

const BASE = 'first line\nthe same middle\n';
const ADA = `${BASE}Ada added this\n`;
const BOB = `${BASE}Bob added this\n`;

describe('conflicts dialog', () => {
  it('shows both sides by device and resolves with each of the three choices, then two at once with a remembered rule; files checked on disk', async () => {
    const user = await e2e.world.user();
    const folder = join(e2e.scratch, 'Tandem');
    const page = await e2e.pages.open(e2e.ui.url, { width: 960, height: 800 });
    await setUpThroughWizard(page, { server: e2e.world.server.url, user: user.name, password: user.password, folder, deviceName: 'Ada laptop' });
    const bob = await e2e.world.app('Bob desktop');
    await bob.setUp(e2e.world.server.url, user);

    const names = ['mine.txt', 'theirs.txt', 'both.txt'];
    for (const name of names) await writeFile(join(folder, name), BASE);
    await eventually('Bob has the three files', async () => {
      await bob.sync();
      for (const name of names) if ((await bob.read(name)) !== BASE) return false;
      return true;
    });

    // Ada pauses; both computers edit; Bob's edits reach the server first; Ada resumes.
    await page.getByRole('button', { name: 'Pause syncing' }).click();
    await page.getByRole('button', { name: 'Resume syncing' }).waitFor();
    for (const name of names) {
      await writeFile(join(folder, name), ADA);
      await bob.write(name, BOB);
    }
    await bob.sync();
    await page.getByRole('button', { name: 'Resume syncing' }).click();

    await page.getByRole('button', { name: 'Resolve…' }).click({ timeout: 120_000 });
    const dialog = page.getByRole('dialog', { name: 'Conflicts' });
    await eventually('all three conflicts are listed', async () => (await dialog.getByRole('navigation').getByRole('button').count()) === 3);

    async function choose(name: string, button: RegExp | string) {
      await dialog.getByRole('navigation').getByRole('button', { name: new RegExp(`^${name.replace('.', '\\.')}`) }).click();
      const detail = dialog.getByRole('region', { name: `Conflict: ${name}` });
      await detail.getByRole('heading', { name: 'This computer (Ada laptop)' }).waitFor();
      await detail.getByRole('heading', { name: 'Bob desktop' }).waitFor();
      await detail.getByLabel('Differences between the two versions').getByText('Ada added this').waitFor();
      await page.screenshot({ path: join(ARTIFACTS_DIR, `conflicts-${name.replace('.txt', '')}.png`) });
      await detail.getByRole('button', { name: button }).click();
      await dialog.getByRole('status').getByText('history', { exact: false }).waitFor();
    }

    const copies = async () => (await readdir(folder)).filter((entry) => entry.includes('conflicted copy'));

    // A choice can be taken back for a few seconds: the row comes back and nothing on disk changed.
    await choose('mine.txt', 'Keep this one: the version from Bob desktop');
    await eventually('mine.txt leaves the list', async () => (await dialog.getByRole('navigation').getByRole('button').count()) === 2);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'conflicts-undo.png') });
    await dialog.getByRole('status').getByRole('button', { name: 'Undo' }).click();
    await dialog.getByRole('status').getByText('Undone: mine.txt still has both versions.').waitFor();
    await eventually('mine.txt is listed again', async () => (await dialog.getByRole('navigation').getByRole('button').count()) === 3);
    expect(await copies()).toHaveLength(3);
    expect(await readFile(join(folder, 'mine.txt'), 'utf8')).toBe(BOB);

    await choose('mine.txt', 'Keep this one: the version from This computer (Ada laptop)');
    await eventually('mine.txt holds this computer\'s edit, on both computers', async () => {
      await bob.sync();
      return (await readFile(join(folder, 'mine.txt'), 'utf8')) === ADA && (await bob.read('mine.txt')) === ADA;
    });

    await choose('theirs.txt', 'Keep this one: the version from Bob desktop');
    await eventually('theirs.txt holds Bob\'s edit', async () => (await readFile(join(folder, 'theirs.txt'), 'utf8')) === BOB);

    await choose('both.txt', 'Keep both');
    await eventually('both versions of both.txt are kept under clear names', async () => {
      const entries = await readdir(folder);
      const other = entries.find((e) => e === "both (Ada laptop's version).txt");
      return other !== undefined && (await readFile(join(folder, other), 'utf8')) === ADA && (await readFile(join(folder, 'both.txt'), 'utf8')) === BOB;
    });
    expect(await copies()).toEqual([]);
    await dialog.getByText('No conflicts. Every file has one version.').waitFor();

    // Esc closes the dialog, back to the popover, which no longer asks.
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Preferences' }).waitFor();
    await eventually('the popover no longer lists conflicts', async () => (await page.getByRole('button', { name: 'Resolve…' }).count()) === 0);

    // Two more conflicts, resolved together with one rule, remembered for the future.
    const more = ['one.txt', 'two.txt'];
    for (const name of more) await writeFile(join(folder, name), BASE);
    await eventually('Bob has the two new files', async () => {
      await bob.sync();
      for (const name of more) if ((await bob.read(name).catch(() => '')) !== BASE) return false;
      return true;
    });
    await page.getByRole('button', { name: 'Pause syncing' }).click();
    await page.getByRole('button', { name: 'Resume syncing' }).waitFor();
    for (const name of more) {
      await writeFile(join(folder, name), ADA);
      await bob.write(name, BOB);
    }
    await bob.sync();
    await page.getByRole('button', { name: 'Resume syncing' }).click();
    await page.getByRole('button', { name: 'Resolve…' }).click({ timeout: 120_000 });
    await eventually('both conflicts are listed', async () => (await dialog.getByRole('navigation').getByRole('button').count()) === 2);
    await dialog.getByLabel('Rule').selectOption({ label: "Keep this computer's" });
    await dialog.getByLabel('Remember my choice for new conflicts').check();
    await dialog.getByRole('button', { name: 'Apply to all 2 conflicts' }).click();
    await dialog.getByText('No conflicts. Every file has one version.').waitFor();
    await eventually("both files hold this computer's edit", async () => {
      for (const name of more) if ((await readFile(join(folder, name), 'utf8')) !== ADA) return false;
      return (await copies()).length === 0;
    });
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Preferences' }).click();
    const prefs = page.getByRole('dialog', { name: 'Preferences' });
    await prefs.getByText('Signed in as', { exact: false }).waitFor();
    expect(await prefs.getByLabel('When a file is changed on two computers').inputValue()).toBe('mine');
    expect(e2e.pages.problems).toEqual([]);
  }, 400_000);
});

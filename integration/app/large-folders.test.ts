// The large-new-folder threshold with real engines: after Bob's first sync, Ada adds a folder
// larger than Bob's limit and a small one. Bob's app downloads the small one, leaves the large
// one out, says so in "Needs you" (and with a notification), and downloads it once Bob ticks it
// in Choose folders to sync -- without leaving it out again.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Notification } from '../../src-shared/ipc/contract.ts';
import { AppWorld, type TestApp } from './app-harness.ts';

let world: AppWorld;
let ada: TestApp;
let bob: TestApp;
let folderId = '';
const notifications: Notification[] = [];
const MiB = 1024 * 1024;

beforeAll(async () => {
  world = await AppWorld.start();
  const user = await world.user();
  ada = await world.app('Ada laptop');
  bob = await world.app('Bob desktop');
  bob.app.onEvent((name, payload) => name === 'app.notification' && notifications.push(payload));
  await ada.write('Old/notes.txt', 'already here');
  await ada.setUp(world.server.url, user);
  folderId = await bob.setUp(world.server.url, user);
  await bob.call('settings.update', { largeFolderThresholdMiB: 1 });
});

afterAll(async () => {
  await world.close();
});

/** Syncs Bob until the held-back folder is listed (the guard finishes its work after the pass it stopped). */
async function syncUntilHeld() {
  return vi.waitFor(
    async () => {
      await bob.sync();
      const items = (await bob.call('health.get', {})).items.filter((item) => item.kind === 'large_folder');
      expect(items).toHaveLength(1);
      return items[0]!;
    },
    { timeout: 15_000, interval: 200 },
  );
}

describe('large new folders', () => {
  it('are asked about instead of downloaded; small ones come as usual', async () => {
    expect(await bob.read('Old/notes.txt')).toBe('already here');
    await ada.write('Videos/holiday.bin', Buffer.alloc(Math.round(1.5 * MiB), 7));
    await ada.write('Videos/Raw/clip.bin', Buffer.alloc(MiB, 3));
    await ada.write('Letters/to-bob.txt', 'hello');
    await ada.sync();

    const item = await syncUntilHeld();
    expect(item).toMatchObject({
      folderId,
      path: 'Videos',
      title: 'A new folder on the server, Videos (2.6 MB), was not downloaded.',
      fix: 'It is larger than your limit of 1 MB. Tick it in Choose folders to sync to download it.',
    });
    await bob.sync();
    expect(await bob.read('Letters/to-bob.txt')).toBe('hello');
    expect(existsSync(join(bob.folder, 'Videos'))).toBe(false);
    // Stopped before its files came down, not downloaded and then removed.
    const activity = (await bob.call('activity.list', { limit: 200 })).entries;
    expect(activity.filter((entry) => entry.kind === 'file' && entry.path.startsWith('Videos/'))).toEqual([]);
    expect(activity.some((entry) => entry.path === 'Letters/to-bob.txt')).toBe(true);
    const state = await bob.call('app.getState', {});
    expect(state.attentionCount).toBeGreaterThanOrEqual(1);
    expect(notifications.filter((n) => n.kind === 'question').map((n) => n.body)).toEqual([
      'A new folder on the server, Videos, is larger than your limit and was not downloaded. Open Tandem to answer.',
    ]);
    const listing = await bob.call('selective.list', { folderId });
    expect(listing.folders.find((f) => f.name === 'Videos')).toMatchObject({ state: 'unchecked' });
  });

  it('come down once ticked in Choose folders to sync, and are not left out again', async () => {
    await bob.call('selective.apply', { folderId, excludedIds: [] });
    await vi.waitFor(
      async () => {
        await bob.sync();
        expect((await bob.read('Videos/Raw/clip.bin')).length).toBe(MiB);
      },
      { timeout: 15_000, interval: 200 },
    );
    expect((await bob.call('health.get', {})).items.filter((item) => item.kind === 'large_folder')).toEqual([]);
    expect((await bob.call('selective.list', { folderId })).excludedIds).toEqual([]);
  });
});

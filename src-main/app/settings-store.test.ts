// Settings on disk: defaults, round trip, atomic replacement, and an unreadable file kept aside.
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSettings, SETTINGS_FILE, SettingsStore } from './settings-store.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tandem-settings-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('SettingsStore', () => {
  it('starts from the defaults and keeps every change across a reopen, in a file only this user reads', async () => {
    const store = await SettingsStore.open(dir);
    expect(store.current).toMatchObject({ massDelete: { minCount: 25, percent: 30 }, conflictDefault: 'ask', pause: null });
    await store.update((s) => ({ ...s, notifications: false, bandwidth: { uploadKiBps: 100, downloadKiBps: 0 } }));
    const again = await SettingsStore.open(dir);
    expect(again.current).toMatchObject({ notifications: false, bandwidth: { uploadKiBps: 100, downloadKiBps: 0 } });
    expect((await stat(join(dir, SETTINGS_FILE))).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('applies changes made at once one after the other, losing none', async () => {
    const store = await SettingsStore.open(dir);
    await Promise.all([
      store.update((s) => ({ ...s, notifications: false })),
      store.update((s) => ({ ...s, startAtLogin: true })),
      store.update((s) => ({ ...s, deviceName: 'Ada laptop' })),
    ]);
    const saved = JSON.parse(await readFile(join(dir, SETTINGS_FILE), 'utf8'));
    expect(saved).toMatchObject({ notifications: false, startAtLogin: true, deviceName: 'Ada laptop' });
  });

  it('refuses an invalid change and keeps the file as it was', async () => {
    const store = await SettingsStore.open(dir);
    await store.update((s) => ({ ...s, notifications: false }));
    await expect(store.update((s) => ({ ...s, massDelete: { minCount: -1, percent: 30 } }))).rejects.toThrow();
    expect(JSON.parse(await readFile(join(dir, SETTINGS_FILE), 'utf8')).massDelete).toEqual({ minCount: 25, percent: 30 });
    expect(store.current.massDelete).toEqual({ minCount: 25, percent: 30 });
  });

  it('keeps an unreadable file aside, uses the defaults and says so', async () => {
    await writeFile(join(dir, SETTINGS_FILE), '{ this is not json');
    const loaded = await loadSettings(dir);
    expect(loaded.settings.accounts).toEqual([]);
    expect(loaded.warning).toMatch(/could not be read, so the defaults are in use/);
    expect((await readdir(dir)).some((name) => name.startsWith(`${SETTINGS_FILE}.unreadable-`))).toBe(true);
  });
});

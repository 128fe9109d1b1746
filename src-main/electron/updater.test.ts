// Update checks with a fake autoUpdater against a real App's settings: no address set means no
// check at all; the address set in Preferences is the feed URL the check uses (generic provider);
// a bad address is refused with a sentence and changes nothing; a failed check is only logged.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../app/app.ts';
import { createIpcDispatcher } from '../../src-shared/ipc/dispatch.ts';
import { FIRST_UPDATE_CHECK_DELAY_MS, UPDATE_CHECK_INTERVAL_MS, type AutoUpdaterLike, UpdateChecker } from './updater.ts';

function fakeAutoUpdater(fail?: string) {
  const calls: string[] = [];
  const errorListeners: ((error: Error) => void)[] = [];
  const updater: AutoUpdaterLike = {
    autoDownload: false,
    autoInstallOnAppQuit: false,
    setFeedURL: (options) => calls.push(`feed ${options.provider} ${options.url}`),
    checkForUpdatesAndNotify: async () => {
      calls.push('check');
      if (fail) throw new Error(`${fail}\n    at stack`);
      return null;
    },
    on: (_event, listener) => errorListeners.push(listener),
  };
  return { updater, calls, errorListeners };
}

const dirs: string[] = [];
const apps: App[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function makeApp(): App {
  const stateDir = mkdtempSync(join(tmpdir(), 'tandem-updater-test-'));
  dirs.push(stateDir);
  const app = new App({ version: '1.0.0', stateDir, updates: true, keyring: 'tests never use the system keychain' });
  apps.push(app);
  return app;
}

const urlOf = (app: App) => async () => (await app.handlers['settings.get']({})).updateUrl;

describe('UpdateChecker', () => {
  it('does not look for updates while no update address is set', async () => {
    const app = makeApp();
    const fake = fakeAutoUpdater();
    const checker = new UpdateChecker({ autoUpdater: fake.updater, updateUrl: urlOf(app), log: () => undefined });
    expect(await checker.check()).toBe('no-url');
    expect(fake.calls).toEqual([]);
    expect((await app.handlers['settings.get']({})).updatesSupported).toBe(true);
  });

  it('checks the generic feed at the address set in Preferences, and follows a change of address', async () => {
    const app = makeApp();
    const fake = fakeAutoUpdater();
    const checker = new UpdateChecker({ autoUpdater: fake.updater, updateUrl: urlOf(app), log: () => undefined });
    expect(fake.updater).toMatchObject({ autoDownload: true, autoInstallOnAppQuit: true });
    await app.handlers['settings.update']({ updateUrl: 'https://nas.local/tandem-updates' });
    expect(await checker.check()).toBe('checked');
    expect(await checker.check()).toBe('checked');
    // Copy diagnostics says an address is set, never which (it may name a private server).
    const { text } = await app.handlers['settings.diagnostics']({});
    expect(text).toContain('Updates: checked at an https address');
    expect(text).not.toContain('nas.local');
    await app.handlers['settings.update']({ updateUrl: 'http://192.168.1.20:8080/updates' });
    await checker.check();
    await app.handlers['settings.update']({ updateUrl: null });
    expect(await checker.check()).toBe('no-url');
    expect(fake.calls).toEqual(['feed generic https://nas.local/tandem-updates', 'check', 'check', 'feed generic http://192.168.1.20:8080/updates', 'check']);
  });

  it('refuses an address that is not http(s) with a sentence, and keeps the old one', async () => {
    const app = makeApp();
    const dispatch = createIpcDispatcher(app.handlers);
    await app.handlers['settings.update']({ updateUrl: 'https://nas.local/updates' });
    for (const bad of ['ftp://nas.local/updates', 'nas.local/updates', 'https://ada:secret@nas.local/updates']) {
      const answer = await dispatch({ type: 'request', id: 1, name: 'settings.update', args: { updateUrl: bad } });
      expect(answer.ok).toBe(false);
      if (!answer.ok) expect(answer.error.message).toMatch(/update address/);
    }
    expect((await app.handlers['settings.get']({})).updateUrl).toBe('https://nas.local/updates');
  });

  it('logs a failed check in one line and keeps going', async () => {
    const app = makeApp();
    await app.handlers['settings.update']({ updateUrl: 'https://nas.local/updates' });
    const fake = fakeAutoUpdater('net::ERR_CONNECTION_REFUSED');
    const log: string[] = [];
    const checker = new UpdateChecker({ autoUpdater: fake.updater, updateUrl: urlOf(app), log: (line) => log.push(line) });
    expect(await checker.check()).toBe('failed');
    fake.errorListeners[0]!(new Error('Cannot find latest.yml\nstack'));
    expect(log).toEqual(['updates: the check at https://nas.local/updates failed: net::ERR_CONNECTION_REFUSED', 'updates: Cannot find latest.yml']);
  });

  it('checks a minute after start and then every six hours, until stopped', async () => {
    const app = makeApp();
    await app.handlers['settings.update']({ updateUrl: 'https://nas.local/updates' });
    const fake = fakeAutoUpdater();
    const timers: { ms: number; run: () => void; cleared: boolean }[] = [];
    const schedule = (run: () => void, ms: number) => {
      const timer = { ms, run, cleared: false };
      timers.push(timer);
      return timer;
    };
    const checker = new UpdateChecker({
      autoUpdater: fake.updater,
      updateUrl: urlOf(app),
      log: () => undefined,
      setTimeout: schedule,
      setInterval: schedule,
      clear: (timer) => ((timer as { cleared: boolean }).cleared = true),
    });
    checker.start();
    expect(timers.map((t) => t.ms)).toEqual([FIRST_UPDATE_CHECK_DELAY_MS, UPDATE_CHECK_INTERVAL_MS]);
    timers[0]!.run();
    await expect.poll(() => fake.calls).toEqual(['feed generic https://nas.local/updates', 'check']);
    checker.stop();
    expect(timers.every((t) => t.cleared)).toBe(true);
  });
});

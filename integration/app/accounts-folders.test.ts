// The app's first run and everyday running against a real server: signing in (and a wrong
// password changing nothing), adding a folder whose files then sync, the sign-in kept without the
// password across a restart, pausing and resuming, and settings that survive a restart.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppWorld } from './app-harness.ts';

let world: AppWorld;

beforeEach(async () => {
  world = await AppWorld.start();
});

afterEach(async () => {
  await world.close();
});

describe('first run', () => {
  it('refuses a wrong password in one sentence and saves nothing', async () => {
    const user = await world.user();
    const ada = await world.app('Ada laptop');
    await expect(ada.call('setup.signIn', { server: world.server.url, user: user.name, password: 'not the password' })).rejects.toThrow(
      /did not accept that user name and password/,
    );
    expect((await ada.call('settings.get', {})).accounts).toEqual([]);
    expect((await ada.call('app.getState', {})).summary).toBe('No folder set up yet');
  });

  it('says whether a Tandem server answers at an address', async () => {
    const ada = await world.app('Ada laptop');
    const defaults = await ada.call('setup.defaults', {});
    expect(defaults.folder).toMatch(/[/\\]Tandem$/);
    expect(defaults.deviceName.length).toBeGreaterThan(0);
    expect(await ada.call('setup.checkServer', { server: world.server.url })).toMatchObject({ ok: true });
    const nothing = await ada.call('setup.checkServer', { server: 'http://127.0.0.1:9' });
    expect(nothing.ok).toBe(false);
    expect(nothing.message).toMatch(/Nothing answers at http:\/\/127\.0\.0\.1:9/);
    await expect(ada.call('setup.checkServer', { server: 'ftp://example.com' })).rejects.toThrow(/not a web address/);
  });

  it('signs in, adds a folder, and a file put in it reaches another computer', async () => {
    const user = await world.user();
    const ada = await world.app('Ada laptop');
    const inspected = await ada.call('setup.inspectFolder', { path: ada.folder });
    expect(inspected).toMatchObject({ exists: false, usable: true });
    const signedIn = await ada.call('setup.signIn', { server: world.server.url, user: user.name, password: user.password, deviceName: 'Ada laptop' });
    expect(signedIn).toMatchObject({ user: user.name, deviceName: 'Ada laptop' });
    const folder = await ada.call('folders.add', { path: ada.folder });
    expect(folder.path).toBe(ada.folder);
    const events: string[] = [];
    ada.app.onEvent((name, payload) => {
      if (name === 'app.activity') events.push(`${payload.action} ${payload.path}`);
      if (name === 'app.state') events.push(`state ${payload.phase}`);
    });
    await ada.write('notes/hello.txt', 'hello from Ada');
    const state = await ada.sync();
    // Renderers are told as it happens: the activity row and the status changes.
    expect(events).toContain('added notes/hello.txt');
    expect(events).toContain('state syncing');
    expect(events.at(-1)).toBe('state up-to-date');
    expect(state).toMatchObject({ setUp: true, phase: 'up-to-date', summary: 'Up to date' });

    const bob = await world.app('Bob desktop');
    await bob.setUp(world.server.url, user);
    expect(await bob.read('notes/hello.txt')).toBe('hello from Ada');

    // The activity feed says what happened and who did it.
    // The other computer's name is looked up from the version it made.
    await vi.waitFor(async () => {
      const activity = await bob.call('activity.list', {});
      expect(activity.entries).toContainEqual(expect.objectContaining({ path: 'notes/hello.txt', action: 'added', thisComputer: false, device: 'Ada laptop' }));
    });
    const adaActivity = await ada.call('activity.list', {});
    expect(adaActivity.entries).toContainEqual(expect.objectContaining({ path: 'notes/hello.txt', action: 'added', device: 'This computer (Ada laptop)' }));
  });

  it('refuses a folder inside its own state folder, and a second folder for the same account', async () => {
    const user = await world.user();
    const ada = await world.app('Ada laptop');
    await ada.setUp(world.server.url, user);
    await expect(ada.call('folders.add', { path: join(ada.stateDir, 'inside') })).rejects.toThrow(/Tandem's own state/);
    await expect(ada.call('folders.add', { path: `${ada.folder}-2` })).rejects.toThrow(/already syncs to/);
    await expect(ada.call('folders.add', { path: 'relative/path' })).rejects.toThrow(/full path/);
    expect((await ada.call('settings.get', {})).folders).toHaveLength(1);
  });
});

describe('running', () => {
  it('keeps the sign-in and settings across a restart, without the password', async () => {
    const user = await world.user();
    const ada = await world.app('Ada laptop');
    await ada.setUp(world.server.url, user);
    await ada.call('settings.update', { bandwidth: { uploadKiBps: 512, downloadKiBps: 0 }, massDelete: { minCount: 40, percent: 50 }, conflictDefault: 'ask', notifications: false });
    await ada.write('before-restart.txt', 'earlier');
    await ada.sync();
    await ada.restart();
    // Recent activity is still there for the popover.
    expect((await ada.call('activity.list', {})).entries).toContainEqual(expect.objectContaining({ action: 'added', path: 'before-restart.txt' }));
    const settings = await ada.call('settings.get', {});
    expect(settings).toMatchObject({ deviceName: 'Ada laptop', notifications: false, bandwidth: { uploadKiBps: 512, downloadKiBps: 0 }, massDelete: { minCount: 40, percent: 50 } });
    expect(settings.folders.map((f) => f.path)).toEqual([ada.folder]);
    // Still signed in: a new file syncs after the restart.
    await ada.write('after-restart.txt', 'still here');
    await ada.sync();
    const bob = await world.app('Bob desktop');
    await bob.setUp(world.server.url, user);
    expect(await bob.read('after-restart.txt')).toBe('still here');
  });

  it('holds downloads to the bandwidth limit set in preferences', async () => {
    const user = await world.user();
    const ada = await world.app('Ada laptop');
    const bob = await world.app('Bob desktop');
    await ada.setUp(world.server.url, user);
    await bob.setUp(world.server.url, user);
    await bob.call('settings.update', { bandwidth: { uploadKiBps: 0, downloadKiBps: 64 } });
    await ada.write('big.bin', randomBytes(256 * 1024));
    await ada.sync();
    const started = performance.now();
    await bob.sync();
    // 256 KiB at 64 KiB/s, with one second's worth allowed at once: about three seconds
    // (unlimited, the same sync takes well under one here).
    expect(performance.now() - started).toBeGreaterThan(2_500);
    expect((await stat(bob.path('big.bin'))).size).toBe(256 * 1024);
  });

  it('holds uploads to the bandwidth limit set in preferences, and lifts it when set back to 0', async () => {
    const user = await world.user();
    const ada = await world.app('Ada laptop');
    await ada.setUp(world.server.url, user);
    await ada.call('settings.update', { bandwidth: { uploadKiBps: 64, downloadKiBps: 0 } });
    await ada.write('slow.bin', randomBytes(256 * 1024));
    let started = performance.now();
    await ada.sync();
    // As for downloads: about three seconds at 64 KiB/s.
    expect(performance.now() - started).toBeGreaterThan(2_500);

    await ada.call('settings.update', { bandwidth: { uploadKiBps: 0, downloadKiBps: 0 } });
    await ada.write('fast.bin', randomBytes(256 * 1024));
    started = performance.now();
    await ada.sync();
    expect(performance.now() - started).toBeLessThan(2_500);
    const bob = await world.app('Bob desktop');
    await bob.setUp(world.server.url, user);
    expect((await stat(bob.path('slow.bin'))).size).toBe(256 * 1024);
  });

  it('moves the folder to another place and keeps syncing from there, uploading nothing again', async () => {
    const user = await world.user();
    const ada = await world.app('Ada laptop');
    const bob = await world.app('Bob desktop');
    await ada.setUp(world.server.url, user);
    await bob.setUp(world.server.url, user);
    await ada.write('Docs/letter.txt', 'dear Bob');
    await ada.sync();
    const folderId = await ada.folderId();
    const newPath = `${ada.folder}-moved`;
    await expect(ada.call('folders.move', { folderId, newPath: ada.stateDir })).rejects.toThrow(/own state/);
    const moved = await ada.call('folders.move', { folderId, newPath });
    expect(moved.path).toBe(newPath);
    await ada.sync();
    expect(await readFile(join(newPath, 'Docs', 'letter.txt'), 'utf8')).toBe('dear Bob');
    expect(await ada.exists('Docs/letter.txt')).toBe(false);
    expect((await ada.call('settings.get', {})).folders.map((f) => f.path)).toEqual([newPath]);
    // Nothing was uploaded again: the file still has its one version.
    const versions = await ada.call('history.versions', { folderId: moved.id, path: 'Docs/letter.txt' });
    expect(versions.versions).toHaveLength(1);
    await writeFile(join(newPath, 'from-new-place.txt'), 'hello');
    await ada.sync();
    await bob.sync();
    expect(await bob.read('from-new-place.txt')).toBe('hello');
  });

  it('moves the folder to another disk by copying it, and keeps syncing from there, uploading nothing again', async () => {
    // Another disk than the temp folder's: /dev/shm is its own (tmpfs) on Linux.
    const otherDisk = '/dev/shm';
    expect((await stat(otherDisk)).dev, 'this test needs /dev/shm on another filesystem than the temp folder').not.toBe((await stat(tmpdir())).dev);
    const place = await mkdtemp(join(otherDisk, 'tandem-move-'));
    try {
      const user = await world.user();
      const ada = await world.app('Ada laptop');
      const bob = await world.app('Bob desktop');
      await ada.setUp(world.server.url, user);
      await bob.setUp(world.server.url, user);
      await ada.write('Docs/letter.txt', 'dear Bob');
      await ada.write('Photos/beach.bin', randomBytes(200_000));
      await ada.sync();
      const newPath = join(place, 'Tandem');
      const moved = await ada.call('folders.move', { folderId: await ada.folderId(), newPath });
      expect(moved.path).toBe(newPath);
      await ada.sync();
      expect(await readFile(join(newPath, 'Docs', 'letter.txt'), 'utf8')).toBe('dear Bob');
      expect((await stat(join(newPath, 'Photos', 'beach.bin'))).size).toBe(200_000);
      expect(await ada.exists('Docs')).toBe(false);
      const versions = await ada.call('history.versions', { folderId: moved.id, path: 'Photos/beach.bin' });
      expect(versions.versions).toHaveLength(1);
      await writeFile(join(newPath, 'from-other-disk.txt'), 'hello');
      await ada.sync();
      await bob.sync();
      expect(await bob.read('from-other-disk.txt')).toBe('hello');
      expect(await bob.read('Docs/letter.txt')).toBe('dear Bob');
    } finally {
      await rm(place, { recursive: true, force: true });
    }
  });

  it('refuses bad settings in one sentence and changes nothing', async () => {
    const ada = await world.app('Ada laptop');
    await expect(ada.call('settings.update', { massDelete: { minCount: 0, percent: 30 } } as never)).rejects.toThrow(/Bad arguments/);
    await expect(ada.call('settings.update', { colour: 'blue' } as never)).rejects.toThrow(/Bad arguments/);
    expect((await ada.call('settings.get', {})).massDelete).toEqual({ minCount: 25, percent: 30 });
  });

  it('pauses for an hour (remembered across a restart) and resumes; nothing syncs while paused', async () => {
    const user = await world.user();
    const ada = await world.app('Ada laptop');
    const bob = await world.app('Bob desktop');
    await ada.setUp(world.server.url, user);
    await bob.setUp(world.server.url, user);

    const paused = await bob.call('app.pause', { duration: '1h' });
    expect(paused.paused).toBe(true);
    expect(paused.pausedUntil).toBeGreaterThan(Date.now() + 59 * 60_000);
    expect(paused.summary).toMatch(/^Paused until /);
    await ada.write('while-paused.txt', 'wait for it');
    await ada.sync();
    await bob.sync();
    expect(await bob.exists('while-paused.txt')).toBe(false);

    await bob.restart();
    expect((await bob.call('app.getState', {})).paused).toBe(true);
    await bob.sync();
    expect(await bob.exists('while-paused.txt')).toBe(false);

    const resumed = await bob.call('app.resume', {});
    expect(resumed.paused).toBe(false);
    await bob.sync();
    expect(await bob.read('while-paused.txt')).toBe('wait for it');
  });

  it('keeps the sign-in in a file only this user can read when no keychain works, and says so in health', async () => {
    const user = await world.user();
    // A keychain module that loads but finds no Secret Service, as on a headless Linux box.
    const ada = await world.app('Ada laptop', {
      keyring: () => ({
        getPassword: () => null,
        setPassword: () => {
          throw new Error("Couldn't access platform storage: AccessDenied");
        },
        deletePassword: () => false,
      }),
    });
    const signedIn = await ada.call('setup.signIn', { server: world.server.url, user: user.name, password: user.password });
    expect(signedIn.credentialStorage).toBe('file');
    expect(signedIn.warning).toMatch(/kept in a file/);
    const info = await stat(join(ada.stateDir, 'credentials.json'));
    expect(info.mode & 0o777).toBe(0o600);
    const health = await ada.call('health.get', {});
    expect(health.items).toContainEqual(expect.objectContaining({ kind: 'credentials', severity: 'warning' }));
    expect((await ada.call('app.getState', {})).attentionCount).toBeGreaterThanOrEqual(1);
  });

  it('signs out: syncing stops, the files stay, the saved sign-in is gone', async () => {
    const user = await world.user();
    const ada = await world.app('Ada laptop');
    await ada.setUp(world.server.url, user);
    await ada.write('kept.txt', 'mine');
    await ada.sync();
    const state = await ada.call('account.signOut', {});
    expect(state).toMatchObject({ setUp: false, folders: [] });
    expect(await ada.read('kept.txt')).toBe('mine');
    await expect(stat(join(ada.stateDir, 'credentials.json'))).rejects.toThrow();
  });
});

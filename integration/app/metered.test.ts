// "Pause on metered networks" with real engines and a stand-in for the system's answer: while
// Bob's network is metered and the preference is on, nothing reaches Bob's disk and the app says
// why; off the metered network (or with the preference off) syncing goes on by itself; and Bob's
// own pause is never undone by the network changing.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MeteredSource } from '../../src-main/app/metered.ts';
import { AppWorld, type TestApp } from './app-harness.ts';

let world: AppWorld;
let ada: TestApp;
let bob: TestApp;
let metered: boolean | 'cannot ask' = false;
const source: MeteredSource = {
  unavailable: undefined,
  read: async () => {
    if (metered === 'cannot ask') throw new Error('NetworkManager did not answer');
    return metered;
  },
};

beforeAll(async () => {
  world = await AppWorld.start();
  const user = await world.user();
  ada = await world.app('Ada laptop');
  bob = await world.app('Bob phone-tethered', { metered: source, meteredCheckIntervalMs: 50 });
  await ada.setUp(world.server.url, user);
  await bob.setUp(world.server.url, user);
});

afterAll(async () => {
  await world.close();
});

const HELD = 'Paused on a metered network; syncing goes on by itself on another network';

describe('pause on metered networks', () => {
  it('holds syncing while the network is metered, and goes on by itself off it', async () => {
    metered = true;
    const settings = await bob.call('settings.update', { pauseOnMeteredNetworks: true });
    expect(settings.meteredDetection).toEqual({ available: true, message: 'This network is metered, so Tandem is paused until you are on another one.' });
    const state = await bob.call('app.getState', {});
    expect(state).toMatchObject({ phase: 'paused', summary: HELD, paused: false });
    expect(state.folders[0]).toMatchObject({ phase: 'paused', summary: HELD });

    await ada.write('report.txt', 'from Ada\n');
    await ada.sync();
    await bob.sync();
    expect(await bob.exists('report.txt')).toBe(false);

    metered = false;
    await vi.waitFor(async () => expect((await bob.call('app.getState', {})).phase).not.toBe('paused'), { timeout: 10_000 });
    await bob.sync();
    expect(await bob.read('report.txt')).toBe('from Ada\n');
  });

  it("keeps Bob's own pause when the network stops being metered", async () => {
    metered = true;
    await vi.waitFor(async () => expect((await bob.call('app.getState', {})).summary).toBe(HELD), { timeout: 10_000 });
    await bob.call('app.pause', { duration: 'untilResumed' });
    metered = false;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await bob.call('app.getState', {})).toMatchObject({ phase: 'paused', paused: true, summary: 'Paused until you resume' });
    await bob.call('app.resume', {});
    expect((await bob.call('app.getState', {})).paused).toBe(false);
  });

  it('keeps syncing, and says why, when the system cannot be asked or the preference is off', async () => {
    metered = 'cannot ask';
    await vi.waitFor(async () => expect((await bob.call('settings.get', {})).meteredDetection.message).toBe('Tandem could not tell whether this network is metered (NetworkManager did not answer), so it keeps syncing.'), { timeout: 10_000 });
    expect((await bob.call('app.getState', {})).phase).not.toBe('paused');

    metered = true;
    await vi.waitFor(async () => expect((await bob.call('app.getState', {})).summary).toBe(HELD), { timeout: 10_000 });
    await bob.call('settings.update', { pauseOnMeteredNetworks: false });
    expect((await bob.call('app.getState', {})).phase).not.toBe('paused');
    await ada.write('later.txt', 'still syncing\n');
    await ada.sync();
    await bob.sync();
    expect(await bob.read('later.txt')).toBe('still syncing\n');
  });
});

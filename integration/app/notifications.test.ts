// Desktop notifications from real conflicts: two real engines (Ada's and Bob's computers) edit the
// same files between syncs. Bob's app says so once at once, collapses the next ones of that
// minute into one notification when the minute is up (its timer is a fake, run by the test), and
// says nothing once Bob turns notifications off in Preferences.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Notification } from '../../src-shared/ipc/contract.ts';
import { AppWorld, type TestApp } from './app-harness.ts';

let world: AppWorld;
let ada: TestApp;
let bob: TestApp;
/** The limiter's timers: what it owes once the minute is up. */
let owed: (() => void)[] = [];
const notifications: Notification[] = [];

beforeAll(async () => {
  world = await AppWorld.start();
  const user = await world.user();
  ada = await world.app('Ada laptop');
  bob = await world.app('Bob desktop', {
    notificationSchedule: (run) => {
      owed.push(run);
      return () => (owed = owed.filter((r) => r !== run));
    },
  });
  bob.app.onEvent((name, payload) => name === 'app.notification' && notifications.push(payload));
  await ada.setUp(world.server.url, user);
  await bob.setUp(world.server.url, user);
});

afterAll(async () => {
  await world.close();
});

/** Both computers edit each file between syncs; Bob syncs second, so each is a conflict on Bob's side. */
async function makeConflicts(...names: string[]): Promise<void> {
  for (const name of names) await ada.write(name, 'the first version\n');
  await ada.sync();
  await bob.sync();
  for (const name of names) {
    await ada.write(name, 'Ada changed this\n');
    await bob.write(name, 'Bob changed this\n');
  }
  await ada.sync();
  await bob.sync();
}

function runOwedTimers(): void {
  const due = owed;
  owed = [];
  for (const run of due) run();
}

describe('notifications', () => {
  it('tells Bob about a conflict at once, and about the next ones of that minute in one notification', async () => {
    await makeConflicts('budget.txt');
    expect((await bob.call('app.getState', {})).conflictCount).toBe(1);
    expect(notifications).toEqual([
      { kind: 'conflict', title: 'A file was changed on two computers', body: 'Both versions are kept. Open Tandem to choose which to keep.', at: expect.any(Number) },
    ]);

    await makeConflicts('plan.txt', 'notes.txt');
    await makeConflicts('list.txt');
    expect((await bob.call('app.getState', {})).conflictCount).toBe(4);
    // Within the minute: nothing more yet, one notification owed.
    expect(notifications).toHaveLength(1);
    expect(owed).toHaveLength(1);
    runOwedTimers();
    expect(notifications.map((n) => n.title)).toEqual(['A file was changed on two computers', '3 files were changed on two computers']);

    // Both are in the log Preferences → About points to, with the folder's changes of state.
    await bob.app.log.flush();
    const log = await readFile(join((await bob.call('settings.get', {})).about.logsFolder, 'tandem.log'), 'utf8');
    expect(log).toMatch(/^\S+Z Tandem 0\.0\.0-test starting\n/);
    expect(log).toContain(' notified: 3 files were changed on two computers. Both versions of each are kept.');
    expect(log).toContain(`folder ${bob.folder}: attention — 1 conflict to resolve\n`);
  });

  it('says nothing once notifications are turned off in Preferences', async () => {
    expect((await bob.call('settings.update', { notifications: false })).notifications).toBe(false);
    await makeConflicts('quiet.txt');
    expect((await bob.call('app.getState', {})).conflictCount).toBe(5);
    runOwedTimers();
    expect(notifications).toHaveLength(2);
    expect((await bob.call('settings.diagnostics', {})).text).toContain('Notifications: off');
  });
});

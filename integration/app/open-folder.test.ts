// app.openFolder: the desktop shell's file manager is asked for the synced folder, or the folder a
// file is in; without one (the headless host) the answer says where the folder is; paths that
// leave the folder are refused in one sentence.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppWorld, type TestApp } from './app-harness.ts';

let world: AppWorld;
let desktop: TestApp;
let headless: TestApp;
const opened: string[] = [];

beforeAll(async () => {
  world = await AppWorld.start();
  const user = await world.user();
  desktop = await world.app('Ada laptop', { openPath: async (path) => (opened.push(path), '') });
  headless = await world.app('Bob server');
  await desktop.setUp(world.server.url, user);
  await headless.setUp(world.server.url, user);
});

afterAll(async () => {
  await world.close();
});

describe('app.openFolder', () => {
  it("opens the folder, or a file's folder, through the shell", async () => {
    const folderId = await desktop.folderId();
    expect(await desktop.call('app.openFolder', { folderId })).toEqual({ opened: true, message: `Opened ${desktop.folder}` });
    await desktop.call('app.openFolder', { folderId, path: 'Documents/plans/report.txt' });
    expect(opened).toEqual([desktop.folder, join(desktop.folder, 'Documents', 'plans')]);
  });

  it('says where the folder is when the shell cannot open it', async () => {
    const answer = await headless.call('app.openFolder', { folderId: await headless.folderId() });
    expect(answer).toEqual({ opened: false, message: `This window cannot open folders. It is at ${headless.folder}` });
  });

  it('refuses a path that leaves the folder, and an unknown folder', async () => {
    const folderId = await desktop.folderId();
    const before = opened.length;
    await expect(desktop.call('app.openFolder', { folderId, path: '../../etc/passwd' })).rejects.toThrow('That is not a place inside the synced folder.');
    await expect(desktop.call('app.openFolder', { folderId: 'nope' })).rejects.toThrow(/not synced any more/);
    expect(opened.length).toBe(before);
  });
});

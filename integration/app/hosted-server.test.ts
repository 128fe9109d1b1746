// "Host on this computer": the server runs inside the app, the app signs in to it, and another
// computer syncs with it through the address the app shows; after a restart the app serves it
// again on the same port.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { AppWorld } from './app-harness.ts';

let world: AppWorld;

beforeEach(async () => {
  world = await AppWorld.start();
});

afterEach(async () => {
  await world.close();
});

it('hosts the server, syncs a folder with it, and serves it again after a restart', async () => {
  const ada = await world.app('Ada laptop');
  await expect(ada.call('setup.hostHere', { user: 'ada', password: 'short', port: 0 })).rejects.toThrow(/Bad arguments/);
  const hosted = await ada.call('setup.hostHere', { user: 'ada', password: 'a long enough password', port: 0, deviceName: 'Ada home server' });
  expect(hosted).toMatchObject({ user: 'ada', deviceName: 'Ada home server', server: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
  const server = (await ada.call('settings.hostedServer', {})).server;
  expect(server).toMatchObject({ running: true, localUrl: hosted.server });
  expect((await ada.call('settings.get', {})).accounts).toEqual([expect.objectContaining({ hosted: true, user: 'ada' })]);

  await ada.call('folders.add', { path: ada.folder });
  await ada.write('shared.txt', 'served from Ada');
  await ada.sync();

  // Bob's computer uses the address Ada's app shows (loopback here: the test binds 127.0.0.1).
  const bob = await world.app('Bob desktop');
  await bob.setUp(server!.localUrl, { name: 'ada', password: 'a long enough password' });
  expect(await bob.read('shared.txt')).toBe('served from Ada');

  await ada.restart();
  expect((await ada.call('settings.hostedServer', {})).server).toMatchObject({ running: true, localUrl: hosted.server });
  await bob.write('reply.txt', 'from Bob');
  await bob.sync();
  await ada.sync();
  expect(await ada.read('reply.txt')).toBe('from Bob');
});

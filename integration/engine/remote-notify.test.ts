// The change watcher against a real server: hints arrive over the socket within moments of a
// change; after the server restarts the watcher reconnects by itself and catches up on what changed
// meanwhile; and when the socket is blocked (a proxy that swallows the upgrade), polling the
// changes feed still delivers.
import { type Server, type Socket, createServer } from 'node:net';
import { afterEach, beforeEach, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type RemoteHint, RemoteChangeWatcher, type NotifySocket, type WatcherClient, type WatcherState } from '../../src-main/engine/remote/change-watcher.ts';
import type { RemoteClient } from '../../src-main/engine/remote/remote-client.ts';
import { TestServer } from './remote-harness.ts';

let server: TestServer;
const cleanups: (() => unknown)[] = [];
beforeEach(async () => {
  server = await TestServer.start();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await server.close();
});

/** Resolves when `test` holds, checking every 10 ms; fails after `ms`. */
async function until(test: () => boolean, ms = 10_000, what = 'the condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function watch(client: RemoteClient, options: Partial<ConstructorParameters<typeof RemoteChangeWatcher>[0]> = {}) {
  const hints: RemoteHint[] = [];
  const states: WatcherState[] = [];
  const watcher = new RemoteChangeWatcher({
    client,
    onHint: (hint) => hints.push(hint),
    onState: (state) => states.push(state),
    reconnectBaseMs: 50,
    reconnectMaxMs: 200,
    pollIntervalMs: 60_000,
    ...options,
  });
  watcher.start();
  cleanups.push(() => watcher.stop());
  return { watcher, hints, states };
}

async function makeFolder(client: RemoteClient, rootId: string, name: string): Promise<string> {
  const outcome = await client.createItem({ parent_id: rootId, name, kind: 'folder' });
  if (!outcome.ok) throw new Error('create refused');
  return (await client.account()).cursor;
}

it('hints the new cursor over the socket soon after a change', async () => {
  const { client, rootId } = await server.user();
  const { watcher, hints } = watch(client, { cursor: (await client.account()).cursor });
  await until(() => watcher.state === 'connected', 5_000, 'the socket');
  const cursor = await makeFolder(client, rootId, 'A');
  await until(() => hints.some((hint) => hint.cursor === cursor), 5_000, 'the hint');
  expect(hints.every((hint) => hint.via === 'socket')).toBe(true);
});

it('reconnects after a server restart and catches up on the change made meanwhile', async () => {
  const { client, rootId } = await server.user();
  // The first reconnect comes ~1.5 s after the loss: time for a change to land while it is away.
  const { watcher, hints, states } = watch(client, { cursor: (await client.account()).cursor, reconnectBaseMs: 1_500, random: () => 0.999 });
  await until(() => watcher.state === 'connected', 5_000, 'the socket');

  await server.stop();
  await until(() => watcher.state !== 'connected', 5_000, 'the watcher to notice');
  await server.restart();
  const cursor = await makeFolder(client, rootId, 'made while reconnecting');
  expect(watcher.state).not.toBe('connected');
  // Caught up: by the poll that follows a lost link, or by the cursor the server sends on reconnect.
  await until(() => hints.some((hint) => hint.cursor === cursor), 10_000, 'the catch-up hint');
  await until(() => watcher.state === 'connected', 10_000, 'the reconnect');
  expect(states).toContain('disconnected');
  // And the new link carries the next change.
  const next = await makeFolder(client, rootId, 'after the reconnect');
  await until(() => hints.some((hint) => hint.cursor === next), 5_000, 'the next hint');
  expect(hints.find((hint) => hint.cursor === next)?.via).toBe('socket');
});

it('the reconnect alone catches up: the server sends its current cursor first thing', async () => {
  const { client, rootId } = await server.user();
  // Polling cannot help here: this watcher's view of the feed always fails.
  const socketOnly: WatcherClient = {
    token: client.token,
    notifyUrl: client.notifyUrl,
    account: () => Promise.reject(new Error('feed unreachable')),
    changes: () => Promise.reject(new Error('feed unreachable')),
  };
  const { watcher, hints } = watch(socketOnly as RemoteClient, { cursor: (await client.account()).cursor, reconnectBaseMs: 1_000, random: () => 0.999 });
  await until(() => watcher.state === 'connected', 5_000, 'the socket');
  await server.stop();
  await until(() => watcher.state !== 'connected', 5_000, 'the watcher to notice');
  await server.restart();
  const cursor = await makeFolder(client, rootId, 'made while away');
  expect(watcher.state).not.toBe('connected');
  await until(() => hints.some((hint) => hint.cursor === cursor), 10_000, 'the catch-up hint');
  expect(hints).toEqual([{ cursor, via: 'socket' }]);
});

it('when the socket is blocked, polling the changes feed still delivers', async () => {
  // A "proxy" that accepts the connection and never answers the upgrade.
  const swallowed: Socket[] = [];
  const blackhole: Server = createServer((socket) => void swallowed.push(socket));
  await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => { for (const s of swallowed) s.destroy(); blackhole.close(resolve); }));
  const address = blackhole.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const { client, rootId } = await server.user();
  const { watcher, hints } = watch(client, {
    cursor: (await client.account()).cursor,
    pollIntervalMs: 200,
    handshakeTimeoutMs: 60_000,
    openSocket: (_url, headers) => new WebSocket(`ws://127.0.0.1:${port}/v1/notify`, { headers, handshakeTimeout: 60_000 }) as unknown as NotifySocket,
  });
  const cursor = await makeFolder(client, rootId, 'seen by polling');
  await until(() => hints.some((hint) => hint.cursor === cursor), 10_000, 'the polled hint');
  expect(hints.every((hint) => hint.via === 'poll')).toBe(true);
  expect(watcher.state).toBe('connecting');
});

it('a device signed out elsewhere stops watching', async () => {
  const { client } = await server.user();
  const { watcher } = watch(client);
  await until(() => watcher.state === 'connected', 5_000, 'the socket');
  const account = await client.account();
  const response = await fetch(`${server.url}/v1/devices/${encodeURIComponent(account.device_id)}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${client.token}` },
  });
  expect(response.status).toBe(204);
  await until(() => watcher.state === 'signed_out', 5_000, 'signed_out');
});

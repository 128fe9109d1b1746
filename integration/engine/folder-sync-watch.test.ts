// The sync loop while watching (start()): changes travel with no one asking, pause holds them,
// resume lets them through, and the status says which.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SyncWorld } from './sync-harness.ts';
import type { Device } from './sync-harness.ts';

let world: SyncWorld;
beforeAll(async () => {
  world = await SyncWorld.start();
});
afterAll(async () => {
  await world.close();
});

async function arrives(device: Device, path: string, content: string): Promise<void> {
  await expect.poll(() => device.read(path).catch(() => undefined), { timeout: 15_000, interval: 20 }).toBe(content);
}

it('watching devices pass changes along by themselves; a paused one holds them until resumed', async () => {
  const account = await world.account();
  const a = await world.device('Ada', account, { watch: true, pollIntervalMs: 5_000 });
  const b = await world.device('Bob', account, { watch: true, pollIntervalMs: 5_000 });
  await a.engine.start();
  await b.engine.start();

  await a.write('notes/today.txt', 'first');
  await arrives(b, 'notes/today.txt', 'first');
  await b.write('notes/today.txt', 'second, from Bob');
  await arrives(a, 'notes/today.txt', 'second, from Bob');

  b.engine.pause();
  expect(b.engine.status.state).toBe('paused');
  await a.write('notes/while-paused.txt', 'held');
  await a.engine.idle();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(await b.exists('notes/while-paused.txt')).toBe(false);
  expect(b.engine.status.state).toBe('paused');

  b.engine.resume();
  await arrives(b, 'notes/while-paused.txt', 'held');
  await expect.poll(() => b.engine.status.state, { timeout: 10_000 }).toBe('idle');
}, 60_000);

// The periodic clean-up end to end: an expired trash entry is purged, and its blocks are freed
// only after the block store's grace period.
import { afterEach, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { openDatabase } from '../db/database.ts';
import { TestServer } from '../testing/test-server.ts';

let server: TestServer;
afterEach(async () => server?.close());

const DAY = 24 * 60 * 60 * 1000;

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('condition never became true');
}

it('purges expired trash, then frees its blocks once the grace period has passed', async () => {
  server = await TestServer.start({ maintenanceMs: 40 });
  const alice = await server.user();
  const file = await server.file(alice, alice.rootId, 'old.txt', 'bytes that will be freed');
  const hash = file.blocks[0]!.hash;
  await server.request('DELETE', `/v1/items/${file.id}`, { token: alice.token, headers: { 'if-match': file.etag } });
  // Read the block index directly: asking the API "is it missing?" would itself restart the grace period.
  const stored = async () => {
    const db = openDatabase(server.dataDir) as unknown as Kysely<{ blocks: { hash: string } }>;
    const row = await db.selectFrom('blocks').select('hash').where('hash', '=', hash).executeTakeFirst();
    await db.destroy();
    return row !== undefined;
  };

  server.clock.now += 31 * DAY;
  await until(async () => (await server.request('GET', '/v1/trash', { token: alice.token })).json().entries.length === 0);
  // Unreferenced now, but still within the grace period: the block is kept.
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(await stored()).toBe(true);

  server.clock.now += 2 * DAY;
  await until(async () => !(await stored()));
});

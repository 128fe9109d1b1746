// Issue 6, end to end: a small edit of a big synced file sends the changed blocks and next to
// nothing else. Real FolderSync engines on real folders against a real in-process server, each
// client's traffic counted on its fetch (request and answer bodies). Without block list deltas a
// 20 MiB file's ~320-block list (~27 KB of JSON) travels three times per edit (the missing-blocks
// question, the commit, the other device's read).
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FetchLike } from '../../src-main/engine/remote/remote-client.ts';
import { SyncWorld, expectInvariants, settle } from './sync-harness.ts';

let world: SyncWorld;
beforeAll(async () => {
  world = await SyncWorld.start();
});
afterAll(async () => {
  await world.close();
});

const MiB = 1024 * 1024;
const BLOCK_PATHS = new Set(['/v1/blocks', '/v1/blocks/fetch']);

interface Tap {
  fetch: FetchLike;
  /** Bytes of request and answer bodies that are not block data (lists, questions, items). */
  listBytes: number;
  /** Bytes of block uploads and block fetches. */
  blockBytes: number;
  paths: string[];
  /** The next answer to POST /v1/blocks/missing says "nothing is missing" (a block purged right after). */
  lieOnce: boolean;
}

function tap(): Tap {
  const counted: Tap = {
    listBytes: 0,
    blockBytes: 0,
    paths: [],
    lieOnce: false,
    fetch: async (input, init) => {
      const path = new URL(input).pathname;
      const body = init.body;
      const sent = typeof body === 'string' ? Buffer.byteLength(body) : body instanceof Uint8Array ? body.length : 0;
      counted.paths.push(`${init.method ?? 'GET'} ${path}`);
      if (counted.lieOnce && path === '/v1/blocks/missing') {
        counted.lieOnce = false;
        await globalThis.fetch(input, init).then((r) => r.arrayBuffer());
        return new Response(JSON.stringify({ missing: [] }), { status: 200, headers: { 'content-type': 'application/json' } });
      }
      const response = await globalThis.fetch(input, init);
      const received = (await response.clone().arrayBuffer()).byteLength;
      if (BLOCK_PATHS.has(path)) counted.blockBytes += sent + received;
      else counted.listBytes += sent + received;
      return response;
    },
  };
  return counted;
}

async function insertByte(path: string): Promise<Buffer> {
  const original = await readFile(path);
  const middle = Math.floor(original.length / 2);
  const edited = Buffer.concat([original.subarray(0, middle), Buffer.from([0x2a]), original.subarray(middle)]);
  await writeFile(path, edited);
  return edited;
}

it('a one-byte insert into a synced 20 MiB file: the lists cost under 8 KB, not the ~80 KB of three whole lists', async () => {
  const account = await world.account();
  const ta = tap();
  const tb = tap();
  const a = await world.device('Ada', account, { client: { fetch: ta.fetch } });
  const b = await world.device('Bob', account, { client: { fetch: tb.fetch } });
  await a.write('disk.img', randomBytes(20 * MiB));
  await settle([a, b]);

  for (const t of [ta, tb]) Object.assign(t, { listBytes: 0, blockBytes: 0, paths: [] });
  const edited = await insertByte(a.path('disk.img'));
  await settle([a, b]);
  expect((await readFile(b.path('disk.img'))).equals(edited)).toBe(true);
  // Bob asked for the change of the list he holds, not the whole list.
  expect(tb.paths.some((p) => /^GET \/v1\/items\/[^/]+\/versions\/2\/blocks$/.test(p))).toBe(true);
  expect(tb.paths.some((p) => /^GET \/v1\/items\/[^/]+$/.test(p))).toBe(false);
  expect(ta.listBytes + tb.listBytes).toBeLessThan(8_000);
  // The changed blocks went up once and down once (FastCDC: one or two blocks of at most 256 KiB).
  expect(ta.blockBytes).toBeLessThan(600 * 1024);
  expect(tb.blockBytes).toBeLessThan(600 * 1024);
  await expectInvariants([a, b]);

  // After a restart nothing is remembered in memory: the next edit still arrives whole and right.
  await a.restart();
  await b.restart();
  const again = await insertByte(a.path('disk.img'));
  await settle([a, b]);
  expect((await readFile(b.path('disk.img'))).equals(again)).toBe(true);
  await expectInvariants([a, b]);
}, 120_000);

it('a block the server lost between the question and the commit is sent after all, and the commit made once more', async () => {
  const account = await world.account();
  const ta = tap();
  const a = await world.device('Ada', account, { client: { fetch: ta.fetch } });
  const b = await world.device('Bob', account);
  await a.write('disk.img', randomBytes(20 * MiB));
  await settle([a, b]);

  ta.paths = [];
  ta.lieOnce = true;
  const edited = await insertByte(a.path('disk.img'));
  await settle([a, b]);
  expect((await readFile(b.path('disk.img'))).equals(edited)).toBe(true);
  // Asked (told nothing is missing), committed (refused: blocks_missing), asked again, uploaded, committed.
  const steps = ta.paths.filter((p) => p === 'POST /v1/blocks/missing' || p === 'POST /v1/blocks' || p === 'POST /v1/batch');
  expect(steps).toEqual(['POST /v1/blocks/missing', 'POST /v1/batch', 'POST /v1/blocks/missing', 'POST /v1/blocks', 'POST /v1/batch']);
  expect(a.engine.status.conflicts).toEqual([]);
  await expectInvariants([a, b]);
}, 120_000);

// Block transfer against a real server: an upload sends only the blocks the server lacks, many per
// request within the size limit; an upload cut off halfway and resumed sends every byte once; a
// repeated block travels once; downloads are checked block by block against their hashes, and a
// damaged answer is never used.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { getHasher } from '../../src-main/engine/hasher.ts';
import { BandwidthLimiter } from '../../src-main/engine/remote/bandwidth.ts';
import { FakeClock } from '../../src-main/engine/remote/fake-clock.ts';
import { downloadBlocks, downloadToFile, uploadFile, uploadMissingBlocks, type BlockReader } from '../../src-main/engine/remote/block-transfer.ts';
import { type FetchLike, RemoteClient } from '../../src-main/engine/remote/remote-client.ts';
import { TestServer, type WireRequest, wiretap } from './remote-harness.ts';

let server: TestServer;
let scratch: string;
beforeEach(async () => {
  server = await TestServer.start();
  scratch = await mkdtemp(join(tmpdir(), 'tandem-remote-files-'));
});
afterEach(async () => {
  await server.close();
  await rm(scratch, { recursive: true, force: true });
});

const BLOCK = 64 * 1024;

/** Cuts `data` into fixed 64 KiB blocks (the server accepts any cut) and reads them back by index. */
async function asContent(data: Uint8Array) {
  const hasher = await getHasher();
  const pieces: Uint8Array[] = [];
  for (let offset = 0; offset < data.length; offset += BLOCK) pieces.push(data.subarray(offset, offset + BLOCK));
  const blocks = pieces.map((piece) => ({ hash: hasher.hash(piece), size: piece.length }));
  const read: BlockReader = async (_block, index) => pieces[index]!;
  return { content: { hash: hasher.hash(data), blocks }, read, pieces };
}

/** Bytes of block uploads that reached the server. */
const uploadBytes = (requests: WireRequest[]) =>
  requests.filter((r) => r.reached && r.method === 'POST' && r.path === '/v1/blocks').reduce((sum, r) => sum + r.bodyBytes, 0);

it('uploads a file in several requests within the byte limit, commits it, and downloads the same bytes', async () => {
  const tap = wiretap();
  const { client, rootId } = await server.user({ fetch: tap.fetch });
  const data = new Uint8Array(randomBytes(20 * BLOCK + 123));
  const { content, read } = await asContent(data);

  const { outcome, sent } = await uploadFile(client, { content, read, target: { kind: 'create', item: { parent_id: rootId, name: 'big.bin' } } }, { maxRequestBytes: 5 * BLOCK });
  if (!outcome.ok) throw new Error('create refused');
  expect(outcome.item.size).toBe(data.length);
  expect(sent).toEqual({ blocks: 21, bytes: data.length, requests: 5 });
  expect(tap.requests.filter((r) => r.path === '/v1/blocks')).toHaveLength(5);

  const target = join(scratch, 'big.bin');
  const got = await downloadToFile(client, { size: outcome.item.size, blocks: outcome.item.blocks }, target, { maxRequestBytes: 8 * BLOCK });
  expect(got.requests).toBe(3);
  expect(Buffer.compare(await readFile(target), Buffer.from(data))).toBe(0);

  // Uploading the same content again sends nothing: the server has every block.
  const again = await uploadMissingBlocks(client, content.blocks, read);
  expect(again).toEqual({ blocks: 0, bytes: 0, requests: 0 });
});

it('an upload interrupted halfway, then resumed, sends every block exactly once', async () => {
  let cut = true;
  let reachedUploads = 0;
  const tap = wiretap((request) => {
    if (request.method === 'POST' && request.path === '/v1/blocks') {
      if (cut && reachedUploads >= 2) return 'drop-request';
      reachedUploads += 1;
    }
    return 'pass';
  });
  const { client, rootId } = await server.user({ fetch: tap.fetch });
  const data = new Uint8Array(randomBytes(12 * BLOCK));
  const { content, read } = await asContent(data);
  const input = { content, read, target: { kind: 'create' as const, item: { parent_id: rootId, name: 'resume.bin' } }, idempotencyKey: 'upload-resume-1' };

  await expect(uploadFile(client, input, { maxRequestBytes: 3 * BLOCK })).rejects.toMatchObject({ code: 'network', kind: 'retryable' });
  expect(uploadBytes(tap.requests)).toBe(6 * (BLOCK + 36));
  expect(tap.requests.some((r) => !r.reached)).toBe(true);
  expect((await client.listChildren(rootId)).items).toEqual([]);

  cut = false;
  const { outcome, sent } = await uploadFile(client, input, { maxRequestBytes: 3 * BLOCK });
  expect(outcome.ok).toBe(true);
  expect(sent).toEqual({ blocks: 6, bytes: 6 * BLOCK, requests: 2 });
  // Over both attempts, each block's bytes (plus its 36-byte frame header) reached the server once.
  expect(uploadBytes(tap.requests)).toBe(data.length + 12 * 36);
});

it('a block used twice in a file travels once and lands at both places', async () => {
  const tap = wiretap();
  const { client, rootId } = await server.user({ fetch: tap.fetch });
  const hasher = await getHasher();
  const a = new Uint8Array(randomBytes(1000));
  const b = new Uint8Array(randomBytes(500));
  const whole = new Uint8Array([...a, ...b, ...a]);
  const blocks = [a, b, a].map((piece) => ({ hash: hasher.hash(piece), size: piece.length }));
  const pieces = [a, b, a];
  const { outcome, sent } = await uploadFile(client, {
    content: { hash: hasher.hash(whole), blocks },
    read: async (_block, index) => pieces[index]!,
    target: { kind: 'create', item: { parent_id: rootId, name: 'aba.bin' } },
  });
  if (!outcome.ok) throw new Error('create refused');
  expect(sent).toEqual({ blocks: 2, bytes: 1500, requests: 1 });
  const target = join(scratch, 'aba.bin');
  const got = await downloadToFile(client, { size: outcome.item.size, blocks: outcome.item.blocks }, target);
  expect(got.blocks).toBe(2);
  expect(Buffer.compare(await readFile(target), Buffer.from(whole))).toBe(0);
});

it('a file that changed since it was chunked is refused before anything is committed', async () => {
  const { client, rootId } = await server.user();
  const { content } = await asContent(new Uint8Array(randomBytes(2 * BLOCK)));
  const changed: BlockReader = async (block) => new Uint8Array(block.size);
  await expect(
    uploadFile(client, { content, read: changed, target: { kind: 'create', item: { parent_id: rootId, name: 'moving.bin' } } }),
  ).rejects.toMatchObject({ code: 'source_changed', message: 'The file changed while it was being uploaded; it will be read again.' });
  expect((await client.listChildren(rootId)).items).toEqual([]);
});

/** A fetch that flips one byte in the first `times` block downloads. */
function damaging(times: number): FetchLike & { damaged: number } {
  const wrapped = (async (input: string, init: RequestInit) => {
    const response = await fetch(input, init);
    if (!input.endsWith('/v1/blocks/fetch') || wrapped.damaged >= times) return response;
    wrapped.damaged += 1;
    const body = new Uint8Array(await response.arrayBuffer());
    body[body.length - 1] = body[body.length - 1]! ^ 0xff;
    return new Response(body, { status: response.status, headers: response.headers });
  }) as FetchLike & { damaged: number };
  wrapped.damaged = 0;
  return wrapped;
}

it('a damaged block is never used: asked again, and after repeated damage the download fails', async () => {
  const { client: writer, rootId } = await server.user();
  const { content, read } = await asContent(new Uint8Array(randomBytes(3 * BLOCK)));
  const { outcome } = await uploadFile(writer, { content, read, target: { kind: 'create', item: { parent_id: rootId, name: 'x.bin' } } });
  if (!outcome.ok) throw new Error('create refused');

  const once = damaging(1);
  const reader = new RemoteClient({ serverUrl: server.url, token: writer.token!, fetch: once });
  const received: string[] = [];
  const stats = await downloadBlocks(reader, content.blocks, (block) => void received.push(block.hash));
  expect(once.damaged).toBe(1);
  expect(stats.requests).toBe(2);
  expect(received).toEqual(content.blocks.map((block) => block.hash));

  const always = damaging(Infinity);
  const broken = new RemoteClient({ serverUrl: server.url, token: writer.token!, fetch: always });
  const used: string[] = [];
  await expect(downloadBlocks(broken, content.blocks, (block) => void used.push(block.hash))).rejects.toMatchObject({
    code: 'bad_block',
    message: expect.stringMatching(/^The sync server sent damaged data \(block blake3:[0-9a-f]{64} does not match its hash\); the download was not used\.$/),
  });
  expect(used).toEqual([]);
});

it('a bandwidth limit paces uploads and downloads to the set rate', async () => {
  const { client, rootId } = await server.user();
  const { content, read } = await asContent(new Uint8Array(randomBytes(16 * BLOCK)));
  const rate = 4 * (BLOCK + 36);
  const upClock = new FakeClock();
  const up = new BandwidthLimiter(rate, upClock);
  const { outcome } = await uploadFile(client, { content, read, target: { kind: 'create', item: { parent_id: rootId, name: 'paced.bin' } } }, { maxRequestBytes: 4 * BLOCK, limiter: up });
  if (!outcome.ok) throw new Error('create refused');
  // Four requests of one second's worth each: the first rides the burst, the other three wait.
  expect(upClock.sleeps).toEqual([1000, 1000, 1000]);

  const downClock = new FakeClock();
  const down = new BandwidthLimiter(rate, downClock);
  await downloadBlocks(client, content.blocks, () => {}, { maxRequestBytes: 8 * BLOCK, limiter: down });
  expect(downClock.sleeps).toEqual([1000, 2000]);
});

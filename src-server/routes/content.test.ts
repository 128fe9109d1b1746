// Downloading a file's content over HTTP: the whole file, HEAD, one byte range, conditional
// requests, and 404 for files the caller cannot see.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashBlock } from '../blocks/hash.ts';
import { type BlockTestServer, startBlockTestServer } from '../blocks/test-server.ts';
import { parseRange } from './content.ts';

let server: BlockTestServer;
let whole: Buffer;
const FILE = '0190a0b0-0000-7000-8000-000000000001';

beforeEach(async () => {
  server = await startBlockTestServer();
  const blocks = [3000, 1, 70000, 500].map((size) => {
    const data = new Uint8Array(randomBytes(size));
    return { hash: hashBlock(data), data };
  });
  await server.store.putBlocks(blocks, { accountId: 'alice' });
  whole = Buffer.concat(blocks.map((b) => b.data));
  server.files.set(FILE, {
    accountId: 'alice',
    content: {
      size: whole.length,
      hash: hashBlock(whole),
      name: 'Résumé "final".pdf',
      blocks: blocks.map((b) => ({ hash: b.hash, size: b.data.length })),
    },
  });
});
afterEach(async () => {
  await server.close();
});

function get(headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET', id = FILE, account = 'alice') {
  return server.app.inject({ method, url: `/v1/items/${id}/content`, headers: { 'x-test-account': account, ...headers } });
}

describe('GET /v1/items/:id/content', () => {
  it('streams the whole file with its length, ETag and name', async () => {
    const response = await get();
    expect(response.statusCode).toBe(200);
    expect(response.rawPayload.equals(whole)).toBe(true);
    expect(response.headers['content-length']).toBe(String(whole.length));
    expect(response.headers.etag).toBe(`"${hashBlock(whole)}"`);
    expect(response.headers['accept-ranges']).toBe('bytes');
    expect(response.headers['content-type']).toBe('application/octet-stream');
    expect(response.headers['content-disposition']).toBe(
      `attachment; filename="R_sum_ _final_.pdf"; filename*=UTF-8''${encodeURIComponent('Résumé "final".pdf')}`,
    );
  });

  it('HEAD gives the same headers and no body', async () => {
    const response = await get({}, 'HEAD');
    expect(response.statusCode).toBe(200);
    expect(response.rawPayload.length).toBe(0);
    expect(response.headers['content-length']).toBe(String(whole.length));
    expect(response.headers.etag).toBe(`"${hashBlock(whole)}"`);
  });

  it.each([
    ['bytes=0-0', 0, 1],
    ['bytes=2999-3001', 2999, 3002],
    ['bytes=3001-', 3001, null],
    ['bytes=-500', null, null],
    ['bytes=100-999999999', 100, null],
  ] as const)('%s answers 206 with exactly those bytes', async (range, from, to) => {
    const start = from ?? whole.length - 500;
    const end = to ?? whole.length;
    const response = await get({ range });
    expect(response.statusCode).toBe(206);
    expect(response.headers['content-range']).toBe(`bytes ${start}-${end - 1}/${whole.length}`);
    expect(response.headers['content-length']).toBe(String(end - start));
    expect(response.rawPayload.equals(whole.subarray(start, end))).toBe(true);
  });

  it('HEAD with a range gives the range headers', async () => {
    const response = await get({ range: 'bytes=10-19' }, 'HEAD');
    expect(response.statusCode).toBe(206);
    expect(response.headers['content-length']).toBe('10');
    expect(response.headers['content-range']).toBe(`bytes 10-19/${whole.length}`);
  });

  it('a range past the end is 416 with the real size', async () => {
    const response = await get({ range: `bytes=${whole.length}-` });
    expect(response.statusCode).toBe(416);
    expect(response.headers['content-range']).toBe(`bytes */${whole.length}`);
    expect(response.json()).toEqual({ code: 'bad_request', message: `The file is ${whole.length} bytes; the requested range is outside it.` });
  });

  it('several ranges or a malformed one are ignored: the whole file comes back', async () => {
    for (const range of ['bytes=0-1,5-6', 'bytes=9-2', 'items=0-5', 'bytes=abc']) {
      const response = await get({ range });
      expect(response.statusCode, range).toBe(200);
      expect(response.rawPayload.length).toBe(whole.length);
    }
  });

  it('If-None-Match with the current ETag is 304 without a body', async () => {
    const response = await get({ 'if-none-match': `"${hashBlock(whole)}"` });
    expect(response.statusCode).toBe(304);
    expect(response.rawPayload.length).toBe(0);
    expect((await get({ 'if-none-match': '"blake3:old"' })).statusCode).toBe(200);
  });

  it('If-Range with an old ETag sends the whole (new) file instead of a range', async () => {
    const stale = await get({ range: 'bytes=0-9', 'if-range': '"blake3:old"' });
    expect(stale.statusCode).toBe(200);
    expect(stale.rawPayload.length).toBe(whole.length);
    const current = await get({ range: 'bytes=0-9', 'if-range': `"${hashBlock(whole)}"` });
    expect(current.statusCode).toBe(206);
  });

  it("is 404 for another account's file and for an unknown id, with the same message", async () => {
    const other = await get({}, 'GET', FILE, 'bob');
    const unknown = await get({}, 'GET', '0190a0b0-0000-7000-8000-00000000dead');
    expect(other.statusCode).toBe(404);
    expect(unknown.statusCode).toBe(404);
    expect(other.json()).toEqual(unknown.json());
    expect(other.json()).toEqual({ code: 'not_found', message: 'That file does not exist, or it is not yours.' });
  });

  it('serves an empty file, and any range of it is 416', async () => {
    server.files.set('empty', { accountId: 'alice', content: { size: 0, hash: hashBlock(new Uint8Array(0)), name: 'e', blocks: [] } });
    const response = await get({}, 'GET', 'empty');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-length']).toBe('0');
    expect((await get({ range: 'bytes=0-' }, 'GET', 'empty')).statusCode).toBe(416);
  });

  it('a block missing from the store is a clean JSON error, not a cut-off download', async () => {
    // A block list naming a block the store never received.
    const hash = hashBlock(new Uint8Array([1, 2, 3]));
    server.files.set('broken', { accountId: 'alice', content: { size: 3, hash, name: 'b', blocks: [{ hash, size: 3 }] } });
    const response = await get({}, 'GET', 'broken');
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/application\/json/);
    expect(response.json()).toEqual({ code: 'not_found', message: `Block ${hash} is not on the server.` });
  });
});

describe('parseRange', () => {
  it('reads single byte ranges and refuses what cannot be satisfied', () => {
    expect(parseRange(undefined, 10)).toBeUndefined();
    expect(parseRange('bytes=0-4', 10)).toEqual({ start: 0, end: 5 });
    expect(parseRange('bytes=-3', 10)).toEqual({ start: 7, end: 10 });
    expect(parseRange('bytes=-30', 10)).toEqual({ start: 0, end: 10 });
    expect(parseRange('bytes=-0', 10)).toBe('unsatisfiable');
    expect(parseRange('bytes=10-', 10)).toBe('unsatisfiable');
    expect(parseRange('bytes=-', 10)).toBeUndefined();
  });
});

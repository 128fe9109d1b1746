// The block routes over HTTP (Fastify inject): missing checks that reveal nothing about other
// accounts, uploads that store all or nothing, fetches limited to what the caller can read.
import { randomBytes } from 'node:crypto';
import { Agent, type IncomingMessage, request as httpRequest } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_HASHES_PER_REQUEST, decodeBlockFrames, encodeBlockFrames } from '../../src-shared/protocol/blocks.ts';
import { hashBlock } from '../blocks/hash.ts';
import { type BlockTestServer, startBlockTestServer } from '../blocks/test-server.ts';
import { UPLOAD_BODY_LIMIT } from './blocks.ts';

let server: BlockTestServer;
beforeEach(async () => {
  server = await startBlockTestServer();
});
afterEach(async () => {
  await server.close();
});

function block(size: number) {
  const data = new Uint8Array(randomBytes(size));
  return { hash: hashBlock(data), data };
}

function upload(account: string, body: Uint8Array, contentType = 'application/octet-stream') {
  return server.app.inject({
    method: 'POST',
    url: '/v1/blocks',
    headers: { 'x-test-account': account, 'content-type': contentType },
    payload: Buffer.from(body),
  });
}

function missing(account: string, hashes: unknown) {
  return server.app.inject({ method: 'POST', url: '/v1/blocks/missing', headers: { 'x-test-account': account }, payload: { hashes } });
}

function fetchBlocks(account: string, hashes: unknown) {
  return server.app.inject({ method: 'POST', url: '/v1/blocks/fetch', headers: { 'x-test-account': account }, payload: { hashes } });
}

describe('POST /v1/blocks and /v1/blocks/missing', () => {
  it('uploads many blocks in one request; they then no longer count as missing', async () => {
    const blocks = [block(65536), block(10), block(65536)];
    const before = await missing('alice', blocks.map((b) => b.hash));
    expect(before.json()).toEqual({ missing: blocks.map((b) => b.hash) });

    const response = await upload('alice', encodeBlockFrames(blocks));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ blocks: 3, bytes: 131082 });

    const extra = block(5);
    const after = await missing('alice', [...blocks.map((b) => b.hash), extra.hash, blocks[0]!.hash]);
    expect(after.json()).toEqual({ missing: [extra.hash] });
  });

  it("answers about another account's blocks as if they were not there", async () => {
    const b = block(100);
    await upload('alice', encodeBlockFrames([b]));
    expect((await missing('bob', [b.hash])).json()).toEqual({ missing: [b.hash] });
    // Bob proving he has the bytes (uploading them) gives him access; nothing is stored twice.
    const usage = await server.store.diskUsage();
    expect((await upload('bob', encodeBlockFrames([b]))).statusCode).toBe(200);
    expect((await missing('bob', [b.hash])).json()).toEqual({ missing: [] });
    expect(await server.store.diskUsage()).toEqual(usage);
  });

  it('refuses the whole upload when one hash does not match its bytes', async () => {
    const good = block(100);
    const liar = { hash: block(100).hash, data: new Uint8Array(randomBytes(100)) };
    const response = await upload('alice', encodeBlockFrames([good, liar]));
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      code: 'bad_request',
      message: expect.stringMatching(new RegExp(`^Block ${liar.hash} does not match its bytes .*nothing from this upload was stored\\.$`)),
    });
    expect((await missing('alice', [good.hash])).json()).toEqual({ missing: [good.hash] });
    expect((await server.store.diskUsage()).bytes).toBe(0);
  });

  it('refuses a cut-off body, an empty body and a JSON body with clear errors', async () => {
    const body = encodeBlockFrames([block(100)]);
    const cut = await upload('alice', body.subarray(0, body.length - 1));
    expect(cut.statusCode).toBe(400);
    expect(cut.json().message).toMatch(/Block frame 1 .* is cut off: it declares 100 bytes but only 99 remain/);
    const empty = await upload('alice', new Uint8Array(0));
    expect(empty.json()).toEqual({ code: 'bad_request', message: 'The upload carries no blocks.' });
    const json = await upload('alice', new TextEncoder().encode('{"a":1}'), 'application/json');
    expect(json.statusCode).toBe(400);
    expect(json.json().message).toBe('Send blocks as application/octet-stream frames.');
  });

  it('refuses a block over 8 MiB (413) before reading its bytes', async () => {
    const frame = encodeBlockFrames([{ hash: block(1).hash, data: new Uint8Array(0) }]);
    new DataView(frame.buffer).setUint32(32, 8 * 1024 * 1024 + 1, false);
    const response = await upload('alice', frame);
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ code: 'too_large', message: expect.stringMatching(/a block may be at most 8388608 bytes/) });
  });

  it('refuses a body over the upload limit (413) and stores nothing', async () => {
    const response = await upload('alice', new Uint8Array(UPLOAD_BODY_LIMIT + 1));
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({ code: 'too_large', message: 'The request body is larger than this endpoint accepts.' });
    expect((await server.store.diskUsage()).bytes).toBe(0);
  });

  it('stores an upload that arrives over a socket in small pieces, byte for byte', async () => {
    const blocks = [block(100_000), block(3), block(200_000)];
    const body = Buffer.from(encodeBlockFrames(blocks));
    const base = await server.app.listen({ host: '127.0.0.1', port: 0 });
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const request = httpRequest(`${base}/v1/blocks`, {
        method: 'POST',
        headers: { 'x-test-account': 'alice', 'content-type': 'application/octet-stream', 'content-length': body.length },
      });
      request.on('response', (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode!, text }));
      });
      request.on('error', reject);
      // Pieces that cut frame headers and blocks anywhere, each sent on its own.
      const write = (at: number): void => {
        if (at >= body.length) {
          request.end();
          return;
        }
        request.write(body.subarray(at, at + 7919), () => setImmediate(write, at + 7919));
      };
      write(0);
    });
    expect(answer).toEqual({ status: 200, text: JSON.stringify({ blocks: 3, bytes: 300_003 }) });
    const fetched = decodeBlockFrames(new Uint8Array((await fetchBlocks('alice', blocks.map((b) => b.hash))).rawPayload));
    fetched.forEach((frame, i) => expect(Buffer.from(frame.data).equals(Buffer.from(blocks[i]!.data))).toBe(true));
  });

  it('refuses malformed hashes and oversized lists in a missing check', async () => {
    const bad = await missing('alice', ['blake3:../../etc/passwd']);
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/hashes\.0.*64 lowercase hex digits/) });
    const tooMany = await missing('alice', Array(MAX_HASHES_PER_REQUEST + 1).fill(block(1).hash));
    expect(tooMany.statusCode).toBe(400);
    const notAList = await missing('alice', 'blake3:00');
    expect(notAList.statusCode).toBe(400);
  });
});

describe('POST /v1/blocks/fetch', () => {
  it('returns the blocks as frames, in the order asked, each once', async () => {
    const blocks = [block(1000), block(0), block(70000)];
    await upload('alice', encodeBlockFrames(blocks));
    const order = [blocks[2]!.hash, blocks[0]!.hash, blocks[2]!.hash, blocks[1]!.hash];
    const response = await fetchBlocks('alice', order);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/octet-stream');
    const frames = decodeBlockFrames(new Uint8Array(response.rawPayload));
    expect(frames.map((f) => f.hash)).toEqual([blocks[2]!.hash, blocks[0]!.hash, blocks[1]!.hash]);
    expect(frames.every((f) => hashBlock(f.data) === f.hash)).toBe(true);
  });

  it('keeps a large answer intact while its reader is slow and other fetches are answered (answers reuse memory)', async () => {
    const first = [block(4 * 1024 * 1024), block(4 * 1024 * 1024)];
    const second = [block(4 * 1024 * 1024), block(4 * 1024 * 1024)];
    await upload('alice', encodeBlockFrames([...first, ...second]));
    const base = await server.app.listen({ host: '127.0.0.1', port: 0 });
    const agent = new Agent({ keepAlive: false });
    const startFetch = (blocks: typeof first) =>
      new Promise<IncomingMessage>((resolve, reject) => {
        const request = httpRequest(`${base}/v1/blocks/fetch`, {
          method: 'POST',
          agent,
          headers: { 'x-test-account': 'alice', 'content-type': 'application/json' },
        });
        request.on('response', resolve).on('error', reject);
        request.end(JSON.stringify({ hashes: blocks.map((b) => b.hash) }));
      });
    const readAll = async (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      for await (const chunk of response) chunks.push(chunk as Buffer);
      return decodeBlockFrames(new Uint8Array(Buffer.concat(chunks))).map((frame) => hashBlock(frame.data));
    };
    // The first answer waits, most of it unsent, while two more are served in full.
    const slow = await startFetch(first);
    expect(await readAll(await startFetch(second))).toEqual(second.map((b) => b.hash));
    expect(await readAll(await startFetch(second))).toEqual(second.map((b) => b.hash));
    expect(await readAll(slow)).toEqual(first.map((b) => b.hash));
    agent.destroy();
  });

  it("gives 404 for another account's block, exactly as for a block nobody has", async () => {
    const alices = block(100);
    await upload('alice', encodeBlockFrames([alices]));
    const nobodys = block(100).hash;
    const other = await fetchBlocks('bob', [alices.hash]);
    const absent = await fetchBlocks('bob', [nobodys]);
    expect(other.statusCode).toBe(404);
    expect(absent.statusCode).toBe(404);
    expect(other.json()).toEqual({ code: 'not_found', message: `Block ${alices.hash} is not on the server.` });
    expect(absent.json()).toEqual({ code: 'not_found', message: `Block ${nobodys} is not on the server.` });
  });

  it('refuses an empty list and malformed hashes', async () => {
    expect((await fetchBlocks('alice', [])).statusCode).toBe(400);
    expect((await fetchBlocks('alice', ['nope'])).statusCode).toBe(400);
  });
});

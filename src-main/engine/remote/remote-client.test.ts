// The client's error handling against a scripted fake server (fetch replaced): what is retried,
// what is not, that a retried mutation re-sends the SAME Idempotency-Key, and that answers which
// do not match the protocol are refused. The real server is exercised in integration/engine/.
// Block transfers without a fetch passed in go over node:http: those run against a small local
// HTTP server that scripts its answers.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { decodeBlockFrames, encodeBlockFrames } from '../../../src-shared/protocol/blocks.ts';
import { FakeClock } from './fake-clock.ts';
import { type FetchLike, RemoteClient } from './remote-client.ts';
import { RemoteError } from './remote-error.ts';

const ITEM_ID = '01890a5d-ac96-774b-bcce-b302099a8057';
const item = {
  id: ITEM_ID,
  parent_id: 'root',
  name: 'a.txt',
  kind: 'file',
  size: 0,
  content_hash: null,
  client_mtime: null,
  executable: false,
  created_at: 1,
  modified_at: 1,
  metadata_version: 2,
  content_version: 3,
  etag: '"m2-c3"',
  deleted: false,
  seq: 7,
};

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string>;
}

type Reply = Response | Error;

/** A fetch that answers from a script, one reply per call, and records what it was sent. */
function scripted(replies: Reply[]): { fetch: FetchLike; seen: Seen[] } {
  const seen: Seen[] = [];
  const fetch: FetchLike = async (input, init) => {
    seen.push({ method: init.method ?? 'GET', url: input, headers: { ...(init.headers as Record<string, string>) } });
    const reply = replies.shift();
    if (!reply) throw new Error('the script ran out of replies');
    if (reply instanceof Error) throw reply;
    return reply;
  };
  return { fetch, seen };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

function clientWith(replies: Reply[], clock = new FakeClock()) {
  const { fetch, seen } = scripted(replies);
  const client = new RemoteClient({ serverUrl: 'http://sync.test:8750/', token: 'tok', fetch, clock, random: () => 0.5 });
  return { client, seen, clock };
}

const refused = () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });

describe('RemoteClient retries', () => {
  it('retries a commit after a 503 and a dropped connection with the same Idempotency-Key', async () => {
    const { client, seen, clock } = clientWith([json(503, { code: 'internal', message: 'x' }), refused(), json(200, { ...item, blocks: [] })]);
    const outcome = await client.commitContent(ITEM_ID, '"m2-c2"', { hash: `blake3:${'a'.repeat(64)}`, blocks: [] });
    expect(outcome).toMatchObject({ ok: true, item: { etag: '"m2-c3"' } });
    expect(seen).toHaveLength(3);
    const keys = seen.map((request) => request.headers['idempotency-key']);
    expect(keys[0]).toBeTruthy();
    expect(new Set(keys).size).toBe(1);
    expect(seen.every((request) => request.headers['if-match'] === '"m2-c2"' && request.headers.authorization === 'Bearer tok')).toBe(true);
    expect(seen[0]!.url).toBe(`http://sync.test:8750/v1/items/${ITEM_ID}/content`);
    expect(clock.sleeps).toHaveLength(2);
  });

  it('two logical operations get two different keys', async () => {
    const { client, seen } = clientWith([json(201, { ...item, blocks: [] }), json(201, { ...item, blocks: [] })]);
    await client.createItem({ parent_id: 'root', name: 'a', kind: 'folder' });
    await client.createItem({ parent_id: 'root', name: 'b', kind: 'folder' });
    expect(seen[0]!.headers['idempotency-key']).not.toBe(seen[1]!.headers['idempotency-key']);
  });

  it('honours Retry-After on 429', async () => {
    const { client, clock } = clientWith([json(429, { code: 'rate_limited', message: 'slow down' }, { 'retry-after': '7' }), json(200, { ...item, blocks: [] })]);
    await client.getItem(ITEM_ID);
    expect(clock.sleeps).toEqual([7_000]);
  });

  it('sign-in does not sit out a long Retry-After: the person is told at once', async () => {
    const { client, seen, clock } = clientWith([
      json(429, { code: 'rate_limited', message: 'Too many failed sign-ins for this user; try again in 15 minute(s).' }, { 'retry-after': '900' }),
    ]);
    await expect(client.login('ann', 'pw', 'laptop')).rejects.toThrow('Too many failed sign-ins for this user; try again in 15 minute(s).');
    expect(seen).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('does not retry a 4xx refusal and reports the server sentence', async () => {
    const { client, seen } = clientWith([json(409, { code: 'conflict', message: 'A file named "a.txt" already exists here.' })]);
    const error = await client.createItem({ parent_id: 'root', name: 'a.txt', kind: 'file' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ kind: 'permanent', code: 'conflict', status: 409, message: 'A file named "a.txt" already exists here.' });
    expect(seen).toHaveLength(1);
  });

  it('a full account (507) is permanent: retrying cannot help', async () => {
    const { client, seen } = clientWith([json(507, { code: 'quota_exceeded', message: 'Your account is full.' })]);
    await expect(client.getItem(ITEM_ID)).rejects.toMatchObject({ kind: 'permanent', code: 'quota_exceeded' });
    expect(seen).toHaveLength(1);
  });

  it('a proxy error page with no Tandem body is still classified and worded for people', async () => {
    const { client } = clientWith(Array.from({ length: 6 }, () => new Response('<html>Bad Gateway</html>', { status: 502 })));
    const error = (await client.account().catch((caught: unknown) => caught)) as RemoteError;
    expect(error.kind).toBe('retryable');
    expect(error.code).toBe('http_502');
    expect(error.message).toBe('The sync server had a problem (HTTP 502); Tandem will try again.');
  });

  it('names the network problem in one line', async () => {
    const { client } = clientWith(Array.from({ length: 6 }, refused));
    const error = (await client.account().catch((caught: unknown) => caught)) as RemoteError;
    expect(error.message).toBe('Cannot reach the sync server at http://sync.test:8750 (connection refused); Tandem will try again.');
    expect(error.message).not.toContain('\n');
  });
});

describe('RemoteClient cancellation and timeouts', () => {
  it('a cancelled call stops at once, is not retried, and says so', async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    const fetch: FetchLike = (input, init) => {
      seen.push(input);
      return new Promise((_resolve, reject) => {
        init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        controller.abort();
      });
    };
    const client = new RemoteClient({ serverUrl: 'http://sync.test', token: 'tok', fetch, clock: new FakeClock() });
    await expect(client.account({ signal: controller.signal })).rejects.toMatchObject({ code: 'cancelled', kind: 'permanent' });
    expect(seen).toHaveLength(1);
  });

  it('a server that does not answer in time is a retryable timeout', async () => {
    const fetch: FetchLike = (_input, init) =>
      new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(new DOMException('timed out', 'TimeoutError'))));
    const clock = new FakeClock();
    const client = new RemoteClient({
      serverUrl: 'http://sync.test',
      token: 'tok',
      fetch,
      clock,
      requestTimeoutMs: 20,
      retry: { baseDelayMs: 1, maxDelayMs: 1, maxAttempts: 2, maxRetryAfterMs: 0 },
    });
    await expect(client.account()).rejects.toMatchObject({
      code: 'timeout',
      kind: 'retryable',
      message: 'The sync server at http://sync.test did not answer in time; Tandem will try again.',
    });
    expect(clock.sleeps).toHaveLength(1);
  });
});

describe('RemoteClient typed results and validation', () => {
  it('412 is a result carrying the server item, not an exception', async () => {
    const { client } = clientWith([json(412, { code: 'precondition_failed', message: 'changed', item })]);
    const outcome = await client.updateItem(ITEM_ID, '"m1-c3"', { name: 'b.txt' });
    expect(outcome).toEqual({ ok: false, reason: 'precondition_failed', current: item, message: 'changed' });
  });

  it('410 on the changes feed is a cursor_expired result', async () => {
    const { client } = clientWith([json(410, { code: 'cursor_expired', message: 'list again' })]);
    expect(await client.changes('abc')).toEqual({ ok: false, reason: 'cursor_expired', message: 'list again' });
  });

  it('410 cursor_ahead on the changes feed says the server went back in time (restored from a backup)', async () => {
    const { client } = clientWith([json(410, { code: 'cursor_ahead', message: 'ahead' })]);
    expect(await client.changes('abc')).toEqual({ ok: false, reason: 'cursor_expired', message: 'ahead', serverRestored: true });
  });

  it('refuses an answer that does not match the protocol, naming the field', async () => {
    const { client } = clientWith([json(200, { ...item, etag: 5, blocks: [] })]);
    await expect(client.getItem(ITEM_ID)).rejects.toMatchObject({ code: 'bad_response', kind: 'permanent', message: expect.stringContaining('"etag"') });
  });

  it('refuses a non-JSON 200', async () => {
    const { client } = clientWith([new Response('hello', { status: 200 })]);
    await expect(client.account()).rejects.toMatchObject({ code: 'bad_response' });
  });

  it('a batch result per operation: applied, refused with the current item, or failed', async () => {
    const { client, seen } = clientWith([
      json(200, {
        cursor: 'c9',
        results: [
          { status: 201, item },
          { status: 412, error: { code: 'precondition_failed', message: 'changed', item } },
          { status: 409, error: { code: 'conflict', message: 'taken' } },
        ],
      }),
    ]);
    const output = await client.batch([
      { op: 'create', item: { parent_id: 'root', name: 'x', kind: 'folder' } },
      { op: 'update', id: ITEM_ID, if_match: '"m1-c3"', changes: { name: 'y' } },
      { op: 'delete', id: ITEM_ID, if_match: '"m2-c3"', idempotency_key: 'mine' },
    ]);
    expect(output.cursor).toBe('c9');
    expect(output.results.map((result) => result.ok)).toEqual([true, false, false]);
    expect(output.results[1]).toMatchObject({ code: 'precondition_failed', current: item });
    expect(output.results[2]).toMatchObject({ code: 'conflict', message: 'taken', current: undefined });
    expect(seen[0]!.headers['idempotency-key']).toBeTruthy();
  });

  it('a request without a sign-in fails clearly before touching the network', async () => {
    const { fetch, seen } = scripted([]);
    const client = new RemoteClient({ serverUrl: 'http://sync.test', fetch });
    await expect(client.account()).rejects.toThrow('This device is not signed in to the sync server; sign in first.');
    expect(seen).toHaveLength(0);
  });

  it('a bad server address is one clear line', () => {
    expect(() => new RemoteClient({ serverUrl: 'nas:8750x' })).toThrow(/is not (a server address|an http)/);
    expect(() => new RemoteClient({ serverUrl: 'ftp://nas' })).toThrow('"ftp://nas" is not an http:// or https:// address.');
  });

  it('the notify URL follows the server URL', () => {
    expect(new RemoteClient({ serverUrl: 'https://sync.example/' }).notifyUrl).toBe('wss://sync.example/v1/notify');
  });
});

describe('RemoteClient block transfers over node:http (no fetch passed in)', () => {
  const hashOf = (fill: number) => `blake3:${fill.toString(16).padStart(2, '0').repeat(32)}`;
  const blocks = [1, 2, 3].map((fill) => ({ hash: hashOf(fill), data: new Uint8Array(70_000 + fill).fill(fill) }));

  /** A local server: each request's body is collected and handed to `answer` with the socket it came on. */
  async function localServer(answer: (request: IncomingMessage, body: Buffer, response: ServerResponse) => void) {
    const sockets = new Set<unknown>();
    const server = createServer((request, response) => {
      sockets.add(request.socket);
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => answer(request, Buffer.concat(chunks), response));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = new RemoteClient({ serverUrl: url, token: 'tok', retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 4, maxRetryAfterMs: 1000 } });
    const close = () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    };
    return { client, sockets, close };
  }

  it('an upload arrives as the framed blocks, byte for byte, and a download on the same kept-alive connection gets them back', async () => {
    let uploaded: Buffer | undefined;
    const local = await localServer((request, body, response) => {
      expect(request.headers.authorization).toBe('Bearer tok');
      if (request.url === '/v1/blocks') {
        uploaded = body;
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ blocks: blocks.length, bytes: body.length }));
      } else {
        // Sent in uneven pieces a few ms apart, so frame headers and blocks arrive cut anywhere.
        const { hashes } = JSON.parse(body.toString()) as { hashes: string[] };
        const answer = Buffer.from(encodeBlockFrames(hashes.map((hash) => blocks.find((block) => block.hash === hash)!)));
        response.writeHead(200, { 'content-length': answer.length });
        const sendFrom = (at: number) => {
          if (at >= answer.length) return void response.end();
          response.write(answer.subarray(at, at + 7_019));
          setTimeout(() => sendFrom(at + 7_019), 1);
        };
        sendFrom(0);
      }
    });
    try {
      await local.client.uploadBlocks(blocks);
      expect(uploaded && decodeBlockFrames(uploaded).map((frame) => [frame.hash, Buffer.from(frame.data).equals(Buffer.from(blocks.find((b) => b.hash === frame.hash)!.data))])).toEqual(
        blocks.map((block) => [block.hash, true]),
      );
      const frames = await local.client.fetchBlocks([blocks[2]!.hash, blocks[0]!.hash]);
      expect(frames.map((frame) => [frame.hash, frame.data.length, frame.data[0]])).toEqual([
        [blocks[2]!.hash, 70_003, 3],
        [blocks[0]!.hash, 70_001, 1],
      ]);
      expect(local.sockets.size).toBe(1);
    } finally {
      await local.close();
    }
  });

  it('an answer cut off midway is never used: the request is sent again, and a 503 with Retry-After is waited out', async () => {
    const answers: string[] = [];
    const local = await localServer((_request, _body, response) => {
      const body = Buffer.from(encodeBlockFrames([blocks[0]!]));
      if (answers.length === 0) {
        answers.push('cut');
        response.writeHead(200, { 'content-length': body.length });
        response.write(body.subarray(0, 1000));
        setTimeout(() => response.socket?.destroy(), 20);
      } else if (answers.length === 1) {
        answers.push('503');
        response.writeHead(503, { 'retry-after': '0', 'content-type': 'application/json' });
        response.end(JSON.stringify({ code: 'unavailable', message: 'busy' }));
      } else {
        answers.push('whole');
        response.end(body);
      }
    });
    try {
      const frames = await local.client.fetchBlocks([blocks[0]!.hash]);
      expect(answers).toEqual(['cut', '503', 'whole']);
      expect(frames).toHaveLength(1);
      expect(Buffer.from(frames[0]!.data).equals(Buffer.from(blocks[0]!.data))).toBe(true);
    } finally {
      await local.close();
    }
  });

  it('a download whose frame claims more bytes than the answer holds is refused, not retried', async () => {
    let asked = 0;
    const local = await localServer((_request, _body, response) => {
      asked += 1;
      const answer = Buffer.from(encodeBlockFrames([blocks[0]!]));
      answer.writeUInt32BE(blocks[0]!.data.length + 10, 32);
      response.end(answer);
    });
    try {
      await expect(local.client.fetchBlocks([blocks[0]!.hash])).rejects.toMatchObject({ kind: 'permanent', code: 'bad_response' });
      expect(asked).toBe(1);
    } finally {
      await local.close();
    }
  });

  it('a download that ends inside a frame (header or block) is refused, naming the cut-off block', async () => {
    const whole = Buffer.from(encodeBlockFrames([blocks[0]!, blocks[1]!]));
    const firstFrame = 36 + blocks[0]!.data.length;
    for (const end of [firstFrame + 10, whole.length - 1]) {
      const local = await localServer((_request, _body, response) => response.end(whole.subarray(0, end)));
      try {
        await expect(local.client.fetchBlocks([blocks[0]!.hash, blocks[1]!.hash])).rejects.toMatchObject({
          kind: 'permanent',
          code: 'bad_response',
          message: expect.stringContaining('the block download is malformed (block 2 is cut off)'),
        });
      } finally {
        await local.close();
      }
    }
  });

  it('a refused upload is a permanent error carrying the server sentence', async () => {
    const local = await localServer((_request, _body, response) => {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ code: 'bad_request', message: 'Block 1 does not match its hash.' }));
    });
    try {
      await expect(local.client.uploadBlocks(blocks)).rejects.toMatchObject({ kind: 'permanent', status: 400, code: 'bad_request', message: 'Block 1 does not match its hash.' });
    } finally {
      await local.close();
    }
  });
});

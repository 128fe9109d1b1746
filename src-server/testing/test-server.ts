// Test helpers for the server: a real server over a temp data folder (real SQLite, real pack
// files), driven with inject(); a movable clock; users signed in; blocks uploaded through the
// real block route; files committed the way a client would.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { encodeBlockFrames } from '../../src-shared/protocol/blocks.ts';
import type { BlockRef, ItemWithBlocks } from '../../src-shared/protocol/common.ts';
import { hashBlock } from '../blocks/hash.ts';
import { addUser, buildServer, type ServerOptions } from '../index.ts';

export function blake3Hex(data: Uint8Array): string {
  return hashBlock(data);
}

export interface TestUser {
  name: string;
  token: string;
  rootId: string;
  accountId: string;
  deviceId: string;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export class TestServer {
  readonly app: FastifyInstance;
  readonly dataDir: string;
  readonly clock: { now: number };

  constructor(app: FastifyInstance, dataDir: string, clock: { now: number }) {
    this.app = app;
    this.dataDir = dataDir;
    this.clock = clock;
  }

  static async start(options: Partial<ServerOptions> & { dataDir?: string } = {}): Promise<TestServer> {
    const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'tandem-server-'));
    const clock = { now: Date.UTC(2026, 0, 1) };
    const app = await buildServer({ maintenanceMs: 0, heartbeatMs: 60_000, now: () => clock.now, ...options, dataDir });
    return new TestServer(app, dataDir, clock);
  }

  async close(removeData = true): Promise<void> {
    await this.app.close();
    if (removeData) rmSync(this.dataDir, { recursive: true, force: true });
  }

  async request(method: string, url: string, options: RequestOptions = {}): Promise<LightMyRequestResponse> {
    return this.app.inject({
      method: method as 'GET',
      url,
      headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers },
      ...(options.body !== undefined ? { payload: options.body as object } : {}),
    });
  }

  async user(name = 'alice', password = 'correct horse battery', quotaBytes: number | null = null): Promise<TestUser> {
    const { accountId } = await addUser({ dataDir: this.dataDir, name, password, quotaBytes });
    const login = await this.request('POST', '/v1/login', { body: { user: name, password, device_name: 'laptop' } });
    if (login.statusCode !== 200) throw new Error(`login failed: ${login.body}`);
    const body = login.json<{ token: string; root_id: string; device_id: string }>();
    return { name, token: body.token, rootId: body.root_id, accountId, deviceId: body.device_id };
  }

  /** Uploads the blocks of `data` (cut in fixed pieces) and returns the content to commit. */
  async upload(user: TestUser, data: Uint8Array, blockSize = 64 * 1024): Promise<{ hash: string; blocks: BlockRef[] }> {
    const pieces: Uint8Array[] = [];
    for (let i = 0; i < data.length; i += blockSize) pieces.push(data.subarray(i, Math.min(data.length, i + blockSize)));
    const frames = pieces.map((piece) => ({ hash: blake3Hex(piece), data: piece }));
    if (frames.length > 0) {
      const body = encodeBlockFrames(frames);
      const response = await this.app.inject({
        method: 'POST',
        url: '/v1/blocks',
        headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/octet-stream' },
        payload: Buffer.from(body.buffer, body.byteOffset, body.byteLength),
      });
      if (response.statusCode !== 200) throw new Error(`upload failed: ${response.body}`);
    }
    return { hash: blake3Hex(data), blocks: frames.map((f) => ({ hash: f.hash, size: f.data.length })) };
  }

  /** Creates a file with `text` as content in `parentId` and returns the item. */
  async file(user: TestUser, parentId: string, name: string, text: string): Promise<ItemWithBlocks> {
    const content = await this.upload(user, Buffer.from(text));
    const response = await this.request('POST', '/v1/items', { token: user.token, body: { parent_id: parentId, name, kind: 'file', content } });
    if (response.statusCode !== 201) throw new Error(`create failed: ${response.body}`);
    return response.json();
  }

  async folder(user: TestUser, parentId: string, name: string): Promise<ItemWithBlocks> {
    const response = await this.request('POST', '/v1/items', { token: user.token, body: { parent_id: parentId, name, kind: 'folder' } });
    if (response.statusCode !== 201) throw new Error(`create failed: ${response.body}`);
    return response.json();
  }

  async item(user: TestUser, id: string): Promise<LightMyRequestResponse> {
    return this.request('GET', `/v1/items/${id}`, { token: user.token });
  }
}

// Crash test: run the real `tandem server` process, commit files (block upload + create/commit/batch)
// from a client, kill -9 the server at random moments, restart it, and check after every restart:
// every acknowledged commit is there with its content, no item shows a partial version, and every
// file's content downloads and re-hashes to its content hash (so each referenced block exists).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { encodeBlockFrames } from '../../src-shared/protocol/blocks.ts';
import { hashBlock } from '../blocks/hash.ts';
import { addUser } from '../index.ts';

const BIN = new URL('../../bin/tandem.js', import.meta.url).pathname;
let child: ChildProcess | undefined;
let dataDir: string;
afterEach(() => {
  child?.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

function start(): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [BIN, 'server', '--data', dataDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let out = '';
    let err = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      if (url) resolve(url);
    });
    proc.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    proc.once('exit', (code) => reject(new Error(`server exited early (${code}): ${err}`)));
  });
}

async function killHard(): Promise<void> {
  const proc = child!;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGKILL');
  await exited;
  child = undefined;
}

interface Ack {
  id: string;
  hash: string;
  contentVersion: number;
}

async function json(url: string, token: string | undefined, method: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Writes files until the server dies; returns what the server acknowledged. */
async function writeUntilKilled(url: string, token: string, rootId: string, round: number, acks: Map<string, Ack>): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      const data = Buffer.alloc(20_000 + ((i * 7919) % 100_000), `round ${round} file ${i} `);
      const pieces = [data.subarray(0, 16_384), data.subarray(16_384)];
      const frames = encodeBlockFrames(pieces.map((piece) => ({ hash: hashBlock(piece), data: piece })));
      const upload = await fetch(`${url}/v1/blocks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
        body: frames,
      });
      if (upload.status !== 200) throw new Error(`upload ${upload.status}`);
      const content = { hash: hashBlock(data), blocks: pieces.map((piece) => ({ hash: hashBlock(piece), size: piece.length })) };
      const existing = [...acks.values()].at(-1);
      if (i % 3 === 2) {
        // A batch: several small files in one transaction (all share this round's blocks).
        const operations = Array.from({ length: 5 }, (_, j) => ({ op: 'create', item: { parent_id: rootId, name: `r${round}-b${i}-${j}.bin`, kind: 'file', content } }));
        const r = await json(`${url}/v1/batch`, token, 'POST', { operations });
        if (r.status === 200) {
          for (const result of r.body['results'] as { status: number; item: { id: string } }[]) {
            if (result.status === 201) acks.set(result.item.id, { id: result.item.id, hash: content.hash, contentVersion: 1 });
          }
        }
      } else if (i % 3 === 1 && existing) {
        const current = await json(`${url}/v1/items/${existing.id}`, token, 'GET');
        const r = await json(`${url}/v1/items/${existing.id}/content`, token, 'PUT', content, { 'if-match': current.body['etag'] as string });
        if (r.status === 200) acks.set(existing.id, { id: existing.id, hash: content.hash, contentVersion: r.body['content_version'] as number });
      } else {
        const r = await json(`${url}/v1/items`, token, 'POST', { parent_id: rootId, name: `r${round}-f${i}.bin`, kind: 'file', content });
        if (r.status === 201) acks.set(r.body['id'] as string, { id: r.body['id'] as string, hash: content.hash, contentVersion: 1 });
      }
    } catch {
      return; // the server is gone
    }
  }
}

async function verify(url: string, token: string, acks: Map<string, Ack>): Promise<number> {
  const feed = await json(`${url}/v1/changes?limit=5000`, token, 'GET');
  const items = feed.body['changes'] as { id: string; kind: string; size: number; content_hash: string; content_version: number; deleted: boolean }[];
  const byId = new Map(items.map((item) => [item.id, item]));
  for (const ack of acks.values()) {
    const item = byId.get(ack.id);
    expect(item, `acknowledged item ${ack.id}`).toBeDefined();
    expect(item!.content_version).toBeGreaterThanOrEqual(ack.contentVersion);
    if (item!.content_version === ack.contentVersion) expect(item!.content_hash).toBe(ack.hash);
  }
  let files = 0;
  for (const item of items.filter((i) => i.kind === 'file')) {
    const full = await json(`${url}/v1/items/${item.id}`, token, 'GET');
    const blocks = full.body['blocks'] as { size: number }[];
    expect(blocks.reduce((sum, b) => sum + b.size, 0)).toBe(item.size);
    const content = await fetch(`${url}/v1/items/${item.id}/content`, { headers: { authorization: `Bearer ${token}` } });
    expect(content.status).toBe(200);
    expect(hashBlock(new Uint8Array(await content.arrayBuffer()))).toBe(item.content_hash);
    files++;
  }
  return files;
}

it('every acknowledged commit survives kill -9, and no partial version is ever visible', { timeout: 120_000 }, async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tandem-crash-'));
  await addUser({ dataDir, name: 'alice', password: 'correct horse battery' });
  const acks = new Map<string, Ack>();
  let url = await start();
  const login = await json(`${url}/v1/login`, undefined, 'POST', { user: 'alice', password: 'correct horse battery', device_name: 'crash' });
  const token = login.body['token'] as string;
  const rootId = login.body['root_id'] as string;
  for (let round = 0; round < 4; round++) {
    const writing = writeUntilKilled(url, token, rootId, round, acks);
    await new Promise((resolve) => setTimeout(resolve, 400 + round * 150));
    await killHard();
    await writing;
    url = await start();
    const files = await verify(url, token, acks);
    expect(files).toBeGreaterThanOrEqual(acks.size);
  }
  expect(acks.size).toBeGreaterThan(10);
});

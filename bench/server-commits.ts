// Benchmark: the sync server's metadata path over loopback HTTP on this machine's disk —
// batched small-file commits per second (POST /v1/batch, each file one block, blocks uploaded
// beforehand), and changes-feed items per second (GET /v1/changes, paged). Real server, real
// SQLite with synchronous=FULL. Prints figures (with SQL statements run per file and this
// process's CPU-seconds, server and the client's fetches together); not a timed test.
//   node bench/server-commits.ts [--files 5000] [--batch 500]
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import SqliteDatabase from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import { encodeBlockFrames } from '../src-shared/protocol/blocks.ts';
import { hashBlock } from '../src-server/blocks/hash.ts';
import { addUser, startServer } from '../src-server/index.ts';

const { values } = parseArgs({ options: { files: { type: 'string', default: '5000' }, batch: { type: 'string', default: '500' } } });
const files = Number(values.files);
const batchSize = Number(values.batch);
if (!Number.isInteger(files) || files <= 0 || !Number.isInteger(batchSize) || batchSize <= 0 || batchSize > 1000) {
  process.stderr.write('usage: node bench/server-commits.ts [--files N] [--batch 1..1000]\n');
  process.exit(2);
}

/**
 * Counts statements run through better-sqlite3 (every statement the server runs goes through one
 * of these methods of the one Statement class), by patching its prototype in this process.
 */
let statementsRun = 0;
{
  const probe = new SqliteDatabase(':memory:');
  const prototype = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, (...args: unknown[]) => unknown>;
  for (const method of ['run', 'get', 'all', 'iterate']) {
    const original = prototype[method]!;
    prototype[method] = function (this: unknown, ...args: unknown[]) {
      statementsRun += 1;
      return original.apply(this, args);
    };
  }
  probe.close();
}

const dataDir = mkdtempSync(join(tmpdir(), 'tandem-bench-commits-'));
try {
  await addUser({ dataDir, name: 'bench', password: 'benchmark password' });
  const server = await startServer({ dataDir, port: 0, maintenanceMs: 0 });
  const api = async (method: string, path: string, token?: string, body?: unknown) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json() as Promise<Record<string, unknown>>;
  };
  const login = await api('POST', '/v1/login', undefined, { user: 'bench', password: 'benchmark password', device_name: 'bench' });
  const token = login['token'] as string;
  const rootId = login['root_id'] as string;

  // Small files of 1-4 KiB, one block each; blocks uploaded first (not timed: that is bench:blocks).
  const contents = Array.from({ length: files }, (_, i) => {
    const data = Buffer.alloc(1024 + (i % 4) * 1024, `file ${i} `);
    const hash = hashBlock(data);
    return { data, hash, blocks: [{ hash, size: data.length }] };
  });
  for (let i = 0; i < files; i += 1000) {
    const frames = encodeBlockFrames(contents.slice(i, i + 1000).map((c) => ({ hash: c.hash, data: c.data })));
    const response = await fetch(`${server.url}/v1/blocks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      body: frames,
    });
    if (!response.ok) throw new Error(`upload: ${response.status}`);
  }

  const folder = await api('POST', '/v1/items', token, { parent_id: rootId, name: 'bench', kind: 'folder' });
  const commitStart = performance.now();
  const commitCpu = process.cpuUsage();
  const commitStatements = statementsRun;
  for (let i = 0; i < files; i += batchSize) {
    // As the engine sends them: each create with its own key and a proposed id.
    const operations = contents.slice(i, i + batchSize).map((c, j) => ({
      op: 'create',
      idempotency_key: randomUUID(),
      item: { id: uuidv7(), parent_id: folder['id'], name: `file-${i + j}.txt`, kind: 'file', content: { hash: c.hash, blocks: c.blocks } },
    }));
    const result = await api('POST', '/v1/batch', token, { operations });
    const failed = (result['results'] as { status: number }[]).filter((r) => r.status !== 201).length;
    if (failed > 0) throw new Error(`${failed} operations failed`);
  }
  const commitSeconds = (performance.now() - commitStart) / 1000;
  const commitCpuUsage = process.cpuUsage(commitCpu);
  const commitCpuSeconds = (commitCpuUsage.user + commitCpuUsage.system) / 1e6;
  const statementsPerFile = (statementsRun - commitStatements) / files;

  // For comparison: one request (and one durable transaction, one fsync) per file.
  const singles = Math.min(300, files);
  const singleStart = performance.now();
  for (let i = 0; i < singles; i++) {
    const c = contents[i]!;
    await api('POST', '/v1/items', token, { parent_id: folder['id'], name: `single-${i}.txt`, kind: 'file', content: { hash: c.hash, blocks: c.blocks } });
  }
  const singleSeconds = (performance.now() - singleStart) / 1000;

  const feedStart = performance.now();
  let cursor = '';
  let items = 0;
  for (;;) {
    const page = await api('GET', `/v1/changes?limit=1000${cursor ? `&cursor=${cursor}` : ''}`, token);
    items += (page['changes'] as unknown[]).length;
    cursor = page['cursor'] as string;
    if (!page['has_more']) break;
  }
  const feedSeconds = (performance.now() - feedStart) / 1000;
  await server.close();

  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  process.stdout.write(`Tandem server metadata benchmark — ${cpus().length} × ${cpu}, Node ${process.versions.node}, SQLite WAL synchronous=FULL\n`);
  process.stdout.write(
    `batched commits: ${files} small files in batches of ${batchSize}: ${(files / commitSeconds).toFixed(0)} files/s (${commitSeconds.toFixed(2)} s, ` +
      `${commitCpuSeconds.toFixed(2)} CPU-s, ${statementsPerFile.toFixed(2)} SQL statements per file)\n`,
  );
  process.stdout.write(`single commits:  ${singles} small files, one request each: ${(singles / singleSeconds).toFixed(0)} files/s (${singleSeconds.toFixed(2)} s)\n`);
  process.stdout.write(`changes feed:    ${items} items in pages of 1000: ${(items / feedSeconds).toFixed(0)} items/s (${feedSeconds.toFixed(2)} s)\n`);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}

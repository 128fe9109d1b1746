// Benchmark: block upload (and download) throughput of the sync server over loopback HTTP, with
// 64 KiB blocks, many per request, into the default pack-file store on this machine's disk.
// Runs the block routes in a small Fastify with a stand-in auth hook (auth costs one indexed
// lookup per request, negligible next to 16 MiB bodies). Prints figures; not a timed test.
//   node bench/server-blocks.ts [--mib 256] [--blocks-per-request 256]
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { encodeBlockFrames } from '../src-shared/protocol/blocks.ts';
import { blake3Implementation, hashBlock } from '../src-server/blocks/hash.ts';
import { startBlockTestServer } from '../src-server/blocks/test-server.ts';

const { values } = parseArgs({
  options: {
    mib: { type: 'string', default: '256' },
    'blocks-per-request': { type: 'string', default: '256' },
  },
});
const BLOCK_SIZE = 64 * 1024;
const totalBytes = Number(values.mib) * 1024 * 1024;
const perRequest = Number(values['blocks-per-request']);
if (!Number.isInteger(totalBytes) || totalBytes <= 0 || !Number.isInteger(perRequest) || perRequest <= 0) {
  process.stderr.write('usage: node bench/server-blocks.ts [--mib N] [--blocks-per-request N]\n');
  process.exit(2);
}

function makeBodies(): { bodies: Uint8Array[]; hashes: string[][] } {
  const count = Math.floor(totalBytes / BLOCK_SIZE);
  const bodies: Uint8Array[] = [];
  const hashes: string[][] = [];
  for (let i = 0; i < count; i += perRequest) {
    const blocks = Array.from({ length: Math.min(perRequest, count - i) }, () => {
      const data = new Uint8Array(randomBytes(BLOCK_SIZE));
      return { hash: hashBlock(data), data };
    });
    bodies.push(encodeBlockFrames(blocks));
    hashes.push(blocks.map((block) => block.hash));
  }
  return { bodies, hashes };
}

async function inParallel<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

function mbPerSecond(bytes: number, ms: number): string {
  return ((bytes / 1e6) / (ms / 1000)).toFixed(0);
}

const server = await startBlockTestServer();
try {
  const base = await server.app.listen({ host: '127.0.0.1', port: 0 });
  const headers = { 'x-test-account': 'bench' };
  console.log(`Tandem block upload over loopback — ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, Node ${process.version}, BLAKE3 ${blake3Implementation}`);
  console.log(`${(totalBytes / 1024 / 1024).toFixed(0)} MiB of 64 KiB blocks, ${perRequest} blocks (${(perRequest * BLOCK_SIZE) / 1024 / 1024} MiB) per request, pack files fsynced per batch\n`);

  for (const concurrency of [1, 4]) {
    const { bodies, hashes } = makeBodies();
    const start = performance.now();
    await inParallel(bodies, concurrency, async (body) => {
      const response = await fetch(`${base}/v1/blocks`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/octet-stream' },
        body: Buffer.from(body.buffer, body.byteOffset, body.byteLength),
      });
      if (response.status !== 200) throw new Error(`upload failed: ${response.status} ${await response.text()}`);
    });
    const uploadMs = performance.now() - start;
    console.log(`upload,   ${concurrency} request(s) at a time: ${mbPerSecond(totalBytes, uploadMs)} MB/s  (${(uploadMs / 1000).toFixed(2)} s)`);

    const checkStart = performance.now();
    const all = hashes.flat();
    for (let i = 0; i < all.length; i += 4000) {
      const response = await fetch(`${base}/v1/blocks/missing`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ hashes: all.slice(i, i + 4000) }),
      });
      const { missing } = (await response.json()) as { missing: string[] };
      if (missing.length > 0) throw new Error(`${missing.length} uploaded blocks reported missing`);
    }
    const checkMs = performance.now() - checkStart;
    console.log(`missing check (4,000 hashes per request):   ${Math.round(all.length / (checkMs / 1000))} hashes/s`);

    const fetchStart = performance.now();
    await inParallel(hashes, concurrency, async (group) => {
      const response = await fetch(`${base}/v1/blocks/fetch`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ hashes: group }),
      });
      if (response.status !== 200) throw new Error(`fetch failed: ${response.status}`);
      await response.arrayBuffer();
    });
    const fetchMs = performance.now() - fetchStart;
    console.log(`download, ${concurrency} request(s) at a time: ${mbPerSecond(totalBytes, fetchMs)} MB/s  (verified by re-hashing on read)\n`);
  }
  const usage = await server.store.diskUsage();
  console.log(`on disk: ${usage.packs} pack files, ${(usage.bytes / 1024 / 1024).toFixed(0)} MiB`);
} finally {
  await server.close();
}

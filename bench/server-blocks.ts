// Benchmark: block upload (and download) throughput of the sync server over loopback HTTP, with
// 64 KiB blocks, many per request, into the default pack-file store on this machine's disk.
// The server (block routes in a small Fastify with a stand-in auth hook — real auth is one indexed
// lookup per request, negligible next to 16 MiB bodies) runs on the main thread; the client runs in
// a worker thread, as a separate engine process would. Prints figures; not a timed test.
//   node bench/server-blocks.ts [--mib 256] [--blocks-per-request 256]
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { encodeBlockFrames } from '../src-shared/protocol/blocks.ts';
import { blake3Implementation, hashBlock } from '../src-server/blocks/hash.ts';
import { startBlockTestServer } from '../src-server/blocks/test-server.ts';

const BLOCK_SIZE = 64 * 1024;

interface ClientJob {
  base: string;
  totalBytes: number;
  perRequest: number;
  concurrency: number;
}

interface ClientResult {
  uploadMs: number;
  missingHashesPerSecond: number;
  fetchMs: number;
}

async function inParallel<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** The client side: prepares request bodies (untimed), then uploads, checks and downloads them. */
async function runClient({ base, totalBytes, perRequest, concurrency }: ClientJob): Promise<ClientResult> {
  const headers = { 'x-test-account': 'bench' };
  const count = Math.floor(totalBytes / BLOCK_SIZE);
  const bodies: Buffer[] = [];
  const hashes: string[][] = [];
  for (let i = 0; i < count; i += perRequest) {
    const blocks = Array.from({ length: Math.min(perRequest, count - i) }, () => {
      const data = new Uint8Array(randomBytes(BLOCK_SIZE));
      return { hash: hashBlock(data), data };
    });
    const body = encodeBlockFrames(blocks);
    bodies.push(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    hashes.push(blocks.map((block) => block.hash));
  }

  parentPort?.postMessage({ mark: 'upload' });
  const uploadStart = performance.now();
  await inParallel(bodies, concurrency, async (body) => {
    const response = await fetch(`${base}/v1/blocks`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/octet-stream' },
      body,
    });
    if (response.status !== 200) throw new Error(`upload failed: ${response.status} ${await response.text()}`);
  });
  const uploadMs = performance.now() - uploadStart;
  parentPort?.postMessage({ mark: 'uploaded' });

  const all = hashes.flat();
  const checkStart = performance.now();
  for (let i = 0; i < all.length; i += 4000) {
    const response = await fetch(`${base}/v1/blocks/missing`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ hashes: all.slice(i, i + 4000) }),
    });
    const { missing } = (await response.json()) as { missing: string[] };
    if (missing.length > 0) throw new Error(`${missing.length} uploaded blocks reported missing`);
  }
  const missingHashesPerSecond = all.length / ((performance.now() - checkStart) / 1000);

  parentPort?.postMessage({ mark: 'fetch' });
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
  return { uploadMs, missingHashesPerSecond, fetchMs: performance.now() - fetchStart };
}

/** The server's (main thread's) CPU seconds so far: the client runs in its own thread. */
function serverCpuSeconds(): number {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1e6;
}

interface ServerCpu {
  upload: number;
  fetch: number;
}

/** Runs the client; the server's CPU-s of its upload and download phases are read at the client's marks. */
function runClientInWorker(job: ClientJob): Promise<ClientResult & { serverCpu: ServerCpu }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: job });
    const marks = new Map<string, number>();
    worker.on('message', (message: ClientResult | { mark: string }) => {
      if ('mark' in message) {
        marks.set(message.mark, serverCpuSeconds());
        return;
      }
      const serverCpu = { upload: marks.get('uploaded')! - marks.get('upload')!, fetch: serverCpuSeconds() - marks.get('fetch')! };
      resolve({ ...message, serverCpu });
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the benchmark client stopped with code ${code}`));
    });
  });
}

function mbPerSecond(bytes: number, ms: number): string {
  return (bytes / 1e6 / (ms / 1000)).toFixed(0);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      mib: { type: 'string', default: '256' },
      'blocks-per-request': { type: 'string', default: '256' },
    },
  });
  const totalBytes = Number(values.mib) * 1024 * 1024;
  const perRequest = Number(values['blocks-per-request']);
  if (!Number.isInteger(totalBytes) || totalBytes <= 0 || !Number.isInteger(perRequest) || perRequest <= 0) {
    process.stderr.write('usage: node bench/server-blocks.ts [--mib N] [--blocks-per-request N]\n');
    process.exit(2);
  }
  const server = await startBlockTestServer();
  try {
    const base = await server.app.listen({ host: '127.0.0.1', port: 0 });
    console.log(`Tandem block upload over loopback — ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, Node ${process.version}, BLAKE3 ${blake3Implementation}`);
    console.log(
      `${(totalBytes / 1024 / 1024).toFixed(0)} MiB of 64 KiB blocks per run, ${perRequest} blocks (${(perRequest * BLOCK_SIZE) / 1024 / 1024} MiB) per request, one fsync per pack write; client in a worker thread\n`,
    );
    for (const concurrency of [1, 4]) {
      const result = await runClientInWorker({ base, totalBytes, perRequest, concurrency });
      console.log(`${concurrency} request(s) at a time:`);
      const perGiB = (seconds: number): string => ((seconds / totalBytes) * 1024 ** 3).toFixed(2);
      console.log(
        `  upload         ${mbPerSecond(totalBytes, result.uploadMs).padStart(5)} MB/s  (hashes recomputed, durable before the answer); server ${perGiB(result.serverCpu.upload)} CPU-s per GiB`,
      );
      console.log(`  missing check  ${Math.round(result.missingHashesPerSecond).toString().padStart(5)} hashes/s  (4,000 per request)`);
      console.log(
        `  download       ${mbPerSecond(totalBytes, result.fetchMs).padStart(5)} MB/s  (re-hashed on read); server ${perGiB(result.serverCpu.fetch)} CPU-s per GiB\n`,
      );
    }
    const usage = await server.store.diskUsage();
    console.log(`on disk: ${usage.packs} pack files, ${(usage.bytes / 1024 / 1024).toFixed(0)} MiB`);
  } finally {
    await server.close();
  }
}

if (isMainThread) {
  await main();
} else {
  parentPort!.postMessage(await runClient(workerData as ClientJob));
}

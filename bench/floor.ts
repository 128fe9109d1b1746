// The floor for one big file A → server → B on this machine: what ANY hub design must pay, measured
// here, so the 1 GiB target can be argued with figures. Three measurements:
//   1. durable disk writes: 1 GiB in 16 MiB writes with one fsync at the end, and with an fsync
//      after every 16 MiB (how a server answers an upload request only once it is durable);
//   2. loopback HTTP between two Node processes, 16 MiB bodies, both directions, 1 and 4 requests
//      in flight, from the engine's client (node:http, keep-alive agent, the body written as block
//      frames without joining them) and from fetch (undici), with the client's CPU seconds;
//   3. FastCDC + BLAKE3 on one thread, in memory (the chunker's and hasher's CPU cost).
// Then the ceilings they imply: on one machine the bytes are durably written twice on the same disk
// (server's pack file, B's file); on three machines each disk writes them once.
// Run: `npm run bench:floor` (TANDEM_BENCH_MB sets the size, default 1024). MB = 10^6 bytes.
import { fork } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { Agent, createServer, request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FastCdcChunker, chunkParamsForSize } from '../src-main/engine/chunker/fastcdc.ts';
import { loadHasher } from '../src-main/engine/hasher.ts';

const MiB = 1024 * 1024;
const BODY_BYTES = 16 * MiB;

function sizeMiB(): number {
  const raw = process.env['TANDEM_BENCH_MB'] ?? '1024';
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 64) {
    console.error(`TANDEM_BENCH_MB must be a whole number of MiB, at least 64 (got "${raw}").`);
    process.exit(2);
  }
  return value;
}

const mbPerSecond = (bytes: number, ms: number): number => bytes / 1e6 / (ms / 1000);
const fmt = (value: number): string => `${value.toFixed(0).padStart(5)} MB/s`;

/** Writes `total` bytes to a new file in `dir`, 16 MiB at a time; fsync after each write or once at the end. */
async function durableWrite(dir: string, total: number, syncEach: boolean): Promise<number> {
  const data = Buffer.allocUnsafe(BODY_BYTES);
  randomFillSync(data);
  const path = join(dir, `floor-${syncEach ? 'each' : 'end'}.bin`);
  const handle = await open(path, 'w');
  const start = performance.now();
  try {
    for (let done = 0; done < total; done += BODY_BYTES) {
      await handle.write(data, 0, Math.min(BODY_BYTES, total - done));
      if (syncEach) await handle.sync();
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  const ms = performance.now() - start;
  await rm(path, { force: true });
  return mbPerSecond(total, ms);
}

async function inParallel(count: number, concurrency: number, work: () => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next += 1;
        await work();
      }
    }),
  );
}

interface HttpRates {
  up: number;
  down: number;
  /** The client's CPU seconds per GiB each way. */
  upCpu: number;
  downCpu: number;
}

/** A client under test: sends one 16 MiB body, fetches one, and checks their lengths. */
interface HttpClient {
  post(): Promise<void>;
  get(): Promise<void>;
}

/** fetch (undici) with the body as one buffer and the answer read whole. */
function fetchClient(base: string, body: Buffer): HttpClient {
  return {
    async post() {
      const response = await fetch(`${base}/up`, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });
      if (Number(await response.text()) !== BODY_BYTES) throw new Error('The HTTP peer received a short body.');
    },
    async get() {
      const response = await fetch(`${base}/down`);
      if ((await response.arrayBuffer()).byteLength !== BODY_BYTES) throw new Error('The HTTP peer sent a short body.');
    },
  };
}

/**
 * node:http with a keep-alive agent, as the engine sends blocks (remote-client.ts): the body
 * written as 64 KiB blocks each behind a 36-byte frame header (corked, never joined), the answer
 * copied out of the socket's pieces into one buffer.
 */
function nodeHttpClient(base: string, body: Buffer): HttpClient {
  const agent = new Agent({ keepAlive: true });
  const header = Buffer.alloc(36);
  const pieces: Buffer[] = [];
  for (let at = 0; at < body.length; at += 64 * 1024) pieces.push(header, body.subarray(at, at + 64 * 1024));
  const length = pieces.reduce((sum, piece) => sum + piece.length, 0);
  const send = (path: string, write: boolean) =>
    new Promise<Buffer>((resolve, reject) => {
      const call = request(`${base}${path}`, { method: write ? 'POST' : 'GET', agent, headers: { 'content-length': String(write ? length : 0) } }, (response) => {
        const declared = Number(response.headers['content-length']);
        const out = Buffer.allocUnsafe(Number.isSafeInteger(declared) ? declared : 0);
        let at = 0;
        response.on('data', (piece: Buffer) => (at += piece.copy(out, at)));
        response.on('end', () => resolve(out.subarray(0, at)));
        response.on('error', reject);
      });
      call.on('error', reject);
      if (write) {
        call.cork();
        for (const piece of pieces) call.write(piece);
        call.uncork();
      }
      call.end();
    });
  return {
    async post() {
      if (Number((await send('/up', true)).toString()) !== length) throw new Error('The HTTP peer received a short body.');
    },
    async get() {
      if ((await send('/down', false)).length !== BODY_BYTES) throw new Error('The HTTP peer sent a short body.');
    },
  };
}

/** Upload (POST bodies) and download (GET bodies) rates to a node:http peer in another process. */
async function loopbackHttp(total: number, concurrency: number, client: HttpClient): Promise<HttpRates> {
  const requests = Math.ceil(total / BODY_BYTES);
  const perGiB = (cpu: NodeJS.CpuUsage) => (cpu.user + cpu.system) / 1e6 / ((requests * BODY_BYTES) / (1024 * MiB));
  let cpu = process.cpuUsage();
  let start = performance.now();
  await inParallel(requests, concurrency, () => client.post());
  const up = mbPerSecond(requests * BODY_BYTES, performance.now() - start);
  const upCpu = perGiB(process.cpuUsage(cpu));
  cpu = process.cpuUsage();
  start = performance.now();
  await inParallel(requests, concurrency, () => client.get());
  const down = mbPerSecond(requests * BODY_BYTES, performance.now() - start);
  return { up, down, upCpu, downCpu: perGiB(process.cpuUsage(cpu)) };
}

/** FastCDC alone, BLAKE3 alone and both (one thread), over `total` bytes in 16 MiB pieces of one buffer. */
async function chunkAndHash(total: number): Promise<{ cdc: number; blake3: number; both: number }> {
  const hasher = await loadHasher();
  const data = Buffer.allocUnsafe(64 * MiB);
  randomFillSync(data);
  const params = chunkParamsForSize(total);
  const pieces = Math.ceil(total / data.length);
  let start = performance.now();
  const chunker = new FastCdcChunker(params);
  for (let i = 0; i < pieces; i += 1) chunker.push(data);
  chunker.finish();
  const cdcMs = performance.now() - start;
  start = performance.now();
  for (let i = 0; i < pieces; i += 1) {
    for (let at = 0; at < data.length; at += params.avgSize) hasher.hash(data.subarray(at, at + params.avgSize));
  }
  const hashMs = performance.now() - start;
  const bytes = pieces * data.length;
  return { cdc: mbPerSecond(bytes, cdcMs), blake3: mbPerSecond(bytes, hashMs), both: mbPerSecond(bytes, cdcMs + hashMs) };
}

/** The rate of stages that run one after another: their times add up. */
const serial = (...rates: number[]): number => 1 / rates.reduce((sum, rate) => sum + 1 / rate, 0);

async function main(): Promise<void> {
  const total = sizeMiB() * MiB;
  const dir = await mkdtemp(join(tmpdir(), 'tandem-bench-floor-'));
  console.log(`Floor for one ${total / MiB} MiB file: ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, load ${loadavg().map((n) => n.toFixed(2)).join(' ')}, disk folder ${dir}`);
  try {
    const syncEnd = await durableWrite(dir, total, false);
    const syncEach = await durableWrite(dir, total, true);
    console.log(`disk   write + one fsync at the end        ${fmt(syncEnd)}`);
    console.log(`disk   write + fsync every 16 MiB          ${fmt(syncEach)}`);

    const peer = fork(import.meta.filename, ['--http-peer'], { stdio: 'inherit' });
    const port = await new Promise<number>((resolve) => peer.once('message', (value) => resolve(Number(value))));
    const base = `http://127.0.0.1:${port}`;
    const body = Buffer.allocUnsafe(BODY_BYTES);
    randomFillSync(body);
    const cpuFigure = (rates: HttpRates[], way: 'upCpu' | 'downCpu') => rates.map((rate) => rate[way].toFixed(2)).join(' / ');
    const clients: Array<[string, HttpClient]> = [
      ['node:http', nodeHttpClient(base, body)],
      ['fetch    ', fetchClient(base, body)],
    ];
    let one: HttpRates | undefined;
    let four: HttpRates | undefined;
    for (const [name, client] of clients) {
      const rates = [await loopbackHttp(total, 1, client), await loopbackHttp(total, 4, client)];
      // The engine's client sets the ceilings (it is what Tandem uses for blocks).
      one ??= rates[0]!;
      four ??= rates[1]!;
      console.log(`http   ${name} POST 16 MiB, 1 / 4 in flight  ${fmt(rates[0]!.up)} / ${fmt(rates[1]!.up)}  client ${cpuFigure(rates, 'upCpu')} CPU-s per GiB`);
      console.log(`http   ${name} GET 16 MiB, 1 / 4 in flight   ${fmt(rates[0]!.down)} / ${fmt(rates[1]!.down)}  client ${cpuFigure(rates, 'downCpu')} CPU-s per GiB`);
    }
    peer.disconnect();

    const cpu = await chunkAndHash(total);
    console.log(`cpu    FastCDC / BLAKE3 / both, one thread  ${fmt(cpu.cdc)} / ${fmt(cpu.blake3)} / ${fmt(cpu.both)}`);

    // The lower of the two: a VM's disk varies run to run, and the floor should not flatter.
    const disk = Math.min(syncEnd, syncEach);
    const httpUp = Math.max(one!.up, four!.up);
    const httpDown = Math.max(one!.down, four!.down);
    console.log('');
    console.log('Ceilings for A → server (durable) → B (durable):');
    // Perfectly pipelined, one machine: the one disk writes every byte twice, and the two HTTP hops
    // share the two cores, so each resource's share is halved.
    const onePipelined = Math.min(disk / 2, serial(httpUp, httpDown), cpu.both);
    console.log(`  one machine, every stage overlapped:         ${fmt(onePipelined)}  (disk ${fmt(disk / 2)} for two durable copies)`);
    // Today's order: A chunks the whole file, then uploads it (server durable), then B downloads it.
    const oneStaged = serial(cpu.both, Math.min(disk, httpUp), Math.min(disk, httpDown));
    console.log(`  one machine, scan → upload → download:       ${fmt(oneStaged)}`);
    const threePipelined = Math.min(disk, httpUp, httpDown, cpu.both);
    console.log(`  three machines, every stage overlapped:      ${fmt(threePipelined)}  (each disk writes the bytes once)`);
    const threeStaged = serial(cpu.both, Math.min(disk, httpUp), Math.min(disk, httpDown));
    console.log(`  three machines, scan → upload → download:    ${fmt(threeStaged)}`);
    console.log('  (network between machines not counted: loopback stands in for it)');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ---- the HTTP peer (a child process: a separate process, as the server is) ----
function runHttpPeer(): void {
  const body = Buffer.alloc(BODY_BYTES, 7);
  const server = createServer((request, response) => {
    if (request.method === 'POST') {
      // Drain the body (as a server must before it can write it), then answer.
      let received = 0;
      request.on('data', (piece: Buffer) => (received += piece.length));
      request.on('end', () => response.end(String(received)));
    } else {
      response.setHeader('content-length', String(body.length));
      response.end(body);
    }
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send?.(typeof address === 'object' && address ? address.port : 0);
  });
  process.on('disconnect', () => server.close(() => process.exit(0)));
}

if (process.argv[2] === '--http-peer') runHttpPeer();
else await main();

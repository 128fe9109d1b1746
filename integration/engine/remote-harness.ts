// Test harness for the remote client's integration tests: a real Tandem server (temp data folder,
// port 0, in-process), users signed in through the real client, and fetch wrappers that count
// what goes over the wire or cut it at a chosen moment.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningServer, type ServerOptions, addUser, startServer } from '../../src-server/index.ts';
import { type FetchLike, RemoteClient, type RemoteClientOptions } from '../../src-main/engine/remote/remote-client.ts';

/** Fast retries so tests of failures take milliseconds. */
export const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 5, maxRetryAfterMs: 1_000 };

export class TestServer {
  dataDir: string;
  running: RunningServer;
  port: number;
  readonly #options: Partial<ServerOptions>;
  #users = 0;
  readonly #dirs = new Set<string>();

  private constructor(dataDir: string, running: RunningServer, options: Partial<ServerOptions>) {
    this.dataDir = dataDir;
    this.running = running;
    this.port = Number(new URL(running.url).port);
    this.#options = options;
    this.#dirs.add(dataDir);
  }

  static async start(options: Partial<ServerOptions> = {}): Promise<TestServer> {
    const dataDir = await mkdtemp(join(tmpdir(), 'tandem-remote-'));
    const running = await startServer({ dataDir, port: 0, logLevel: 'silent', maintenanceMs: 0, ...options });
    return new TestServer(dataDir, running, options);
  }

  get url(): string {
    return this.running.url;
  }

  async stop(): Promise<void> {
    await this.running.close();
  }

  /** Starts the server again on the same port, over `dataDir` (default: the same data). */
  async restart(dataDir = this.dataDir): Promise<void> {
    this.dataDir = dataDir;
    this.#dirs.add(dataDir);
    this.running = await startServer({ dataDir, port: this.port, logLevel: 'silent', maintenanceMs: 0, ...this.#options });
  }

  /** A new account, signed in through the real client. */
  async user(clientOptions: Partial<RemoteClientOptions> = {}): Promise<{ client: RemoteClient; rootId: string; name: string; password: string }> {
    this.#users += 1;
    const name = `user${this.#users}`;
    const password = 'correct horse battery staple';
    await addUser({ dataDir: this.dataDir, name, password });
    const client = new RemoteClient({ serverUrl: this.url, retry: FAST_RETRY, ...clientOptions });
    const login = await client.login(name, password, 'test device');
    return { client, rootId: login.root_id, name, password };
  }

  async close(): Promise<void> {
    await this.running.close().catch(() => {});
    for (const dir of this.#dirs) await rm(dir, { recursive: true, force: true });
  }
}

export interface WireRequest {
  method: string;
  path: string;
  /** Bytes of the request body. */
  bodyBytes: number;
  /** Whether it reached the server. */
  reached: boolean;
}

/**
 * A fetch that records every request and lets a test decide, per request, to let it through, to
 * fail it before it leaves ('drop-request'), or to let the server act and lose the answer
 * ('drop-answer': the case idempotency keys exist for).
 */
export function wiretap(decide: (request: Omit<WireRequest, 'reached'>, index: number) => 'pass' | 'drop-request' | 'drop-answer' = () => 'pass'): {
  fetch: FetchLike;
  requests: WireRequest[];
} {
  const requests: WireRequest[] = [];
  const fetch: FetchLike = async (input, init) => {
    const body = init.body;
    const bodyBytes = typeof body === 'string' ? Buffer.byteLength(body) : body instanceof Uint8Array ? body.length : 0;
    const request = { method: init.method ?? 'GET', path: new URL(input).pathname, bodyBytes };
    const verdict = decide(request, requests.length);
    requests.push({ ...request, reached: verdict !== 'drop-request' });
    const lost = () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });
    if (verdict === 'drop-request') throw lost();
    const response = await globalThis.fetch(input, init);
    if (verdict === 'drop-answer') {
      await response.arrayBuffer();
      throw lost();
    }
    return response;
  };
  return { fetch, requests };
}

// The headless host over real loopback sockets: the IPC round trip, events to every renderer,
// who is refused, what bad messages get back, and how the renderer's files are served.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { IPC_MAX_MESSAGE_BYTES, IpcServerMessage } from '../../src-shared/ipc/envelope.ts';
import { IPC_UNREADABLE_REQUEST_ID, IPC_WEBSOCKET_PATH, ipcWebSocketProtocols } from '../../src-shared/ipc/websocket.ts';
import { App } from '../app/app.ts';
import { type RunningHost, startHost } from './host.ts';

let workDir: string;
let rendererDir: string;
let host: RunningHost;
let app: App;
const openSockets: WebSocket[] = [];

beforeEach(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'tandem-host-'));
  rendererDir = join(workDir, 'dist-renderer');
  await mkdir(join(rendererDir, 'assets'), { recursive: true });
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>Tandem</title><script type="module" src="./assets/app.js"></script>');
  await writeFile(join(rendererDir, 'assets', 'app.js'), 'console.log("tandem");');
  // Something next to the renderer that must never be served.
  await writeFile(join(workDir, 'secret.txt'), 'not for browsers');
  app = new App({ version: '9.8.7', stateDir: join(workDir, 'state') });
  host = await startHost({ app, rendererDir });
});

afterEach(async () => {
  for (const socket of openSockets.splice(0)) {
    // A refused socket reports its refusal again when terminated; the test has already judged it.
    socket.on('error', () => undefined);
    socket.terminate();
  }
  await host.close();
  await app.close();
  await rm(workDir, { recursive: true, force: true });
});

interface ConnectOptions {
  protocols?: string[];
  headers?: Record<string, string>;
}

/** Opens an IPC socket; resolves once open, rejects with the HTTP status if the upgrade is refused. */
function connect(options: ConnectOptions = {}): Promise<WebSocket> {
  const socket = new WebSocket(`ws://127.0.0.1:${host.port}${IPC_WEBSOCKET_PATH}`, options.protocols ?? ipcWebSocketProtocols(host.token), {
    headers: { Origin: `http://127.0.0.1:${host.port}`, ...options.headers },
  });
  openSockets.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_request, response) => reject(new Error(`refused with HTTP ${response.statusCode}`)));
    socket.once('error', reject);
  });
}

/** Collects every message a socket receives, and waits for the next one matching a test. */
function inbox(socket: WebSocket) {
  const received: IpcServerMessage[] = [];
  const waiters: Array<{ match: (m: IpcServerMessage) => boolean; resolve: (m: IpcServerMessage) => void }> = [];
  socket.on('message', (data) => {
    const message = IpcServerMessage.parse(JSON.parse(String(data)));
    received.push(message);
    for (const waiter of [...waiters]) {
      if (waiter.match(message)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  });
  return {
    received,
    next(match: (m: IpcServerMessage) => boolean): Promise<IpcServerMessage> {
      const already = received.find(match);
      if (already) return Promise.resolve(already);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
  };
}

const responseTo = (id: number) => (m: IpcServerMessage) => m.type === 'response' && m.id === id;

function send(socket: WebSocket, value: unknown): void {
  socket.send(typeof value === 'string' ? value : JSON.stringify(value));
}

/** A raw HTTP GET, so paths like /../x reach the host exactly as written. */
function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: host.port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the printed address', () => {
  it('is a loopback URL with a fresh 32-byte token in the hash', async () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/#token=${host.token}`);
    expect(Buffer.from(host.token, 'base64url')).toHaveLength(32);
    const other = await startHost({ app: new App({ version: '1', stateDir: workDir }), rendererDir });
    try {
      expect(other.token).not.toBe(host.token);
      expect(other.port).not.toBe(host.port);
    } finally {
      await other.close();
    }
  });

  it('refuses to listen anywhere but loopback', async () => {
    await expect(startHost({ app: new App({ version: '1', stateDir: workDir }), host: '0.0.0.0' })).rejects.toThrow(/only on this computer/);
  });

  it('says so in one line when the port is taken', async () => {
    await expect(startHost({ app: new App({ version: '1', stateDir: workDir }), port: host.port })).rejects.toThrow(
      `Port ${host.port} is already in use`,
    );
  });
});

describe('IPC over the WebSocket', () => {
  it('answers app.getState with the app state', async () => {
    const socket = await connect();
    const messages = inbox(socket);
    send(socket, { type: 'request', id: 1, name: 'app.getState', args: {} });
    const response = await messages.next(responseTo(1));
    expect(response).toMatchObject({ ok: true, result: { summary: 'No folder set up yet', paused: false, version: '9.8.7' } });
  });

  it('serves the whole contract of the real app: a setting changed over the socket is saved in the state folder', async () => {
    const socket = await connect();
    const messages = inbox(socket);
    send(socket, { type: 'request', id: 1, name: 'settings.update', args: { notifications: false } });
    expect(await messages.next(responseTo(1))).toMatchObject({ ok: true, result: { notifications: false, about: { version: '9.8.7' } } });
    const saved = JSON.parse(await readFile(join(workDir, 'state', 'settings.json'), 'utf8')) as { notifications: boolean };
    expect(saved.notifications).toBe(false);
    send(socket, { type: 'request', id: 2, name: 'history.versions', args: { folderId: 'none', path: 'a.txt' } });
    expect(await messages.next(responseTo(2))).toMatchObject({ ok: false, error: { code: 'not_found', message: expect.stringMatching(/not synced by Tandem/) } });
  });

  it('selects the IPC subprotocol and never echoes the token', async () => {
    const socket = await connect();
    expect(socket.protocol).toBe('tandem.ipc.v1');
  });

  it('sends the state event from setPaused to every connected renderer', async () => {
    const [first, second] = await Promise.all([connect(), connect()]);
    const firstInbox = inbox(first!);
    const secondInbox = inbox(second!);
    send(first!, { type: 'request', id: 7, name: 'app.setPaused', args: { paused: true } });
    const isStateEvent = (m: IpcServerMessage) => m.type === 'event' && m.name === 'app.state';
    const [toFirst, toSecond, response] = await Promise.all([
      firstInbox.next(isStateEvent),
      secondInbox.next(isStateEvent),
      firstInbox.next(responseTo(7)),
    ]);
    for (const event of [toFirst, toSecond]) expect(event).toMatchObject({ payload: { paused: true, phase: 'paused' } });
    expect(response).toMatchObject({ ok: true, result: { paused: true } });
    // Only the caller gets the response.
    expect(secondInbox.received.filter((m) => m.type === 'response')).toEqual([]);
  });

  it('answers a message that is not JSON with an error, and keeps serving', async () => {
    const socket = await connect();
    const messages = inbox(socket);
    send(socket, '{not json');
    const error = await messages.next(responseTo(IPC_UNREADABLE_REQUEST_ID));
    expect(error).toMatchObject({ ok: false, error: { code: 'bad_request', message: 'The message is not valid JSON.' } });
    send(socket, { type: 'request', id: 2, name: 'app.getState', args: {} });
    expect(await messages.next(responseTo(2))).toMatchObject({ ok: true });
  });

  it('answers an unknown request name with an error naming it', async () => {
    const socket = await connect();
    const messages = inbox(socket);
    send(socket, { type: 'request', id: 3, name: 'app.formatDisk', args: {} });
    expect(await messages.next(responseTo(3))).toMatchObject({ ok: false, error: { code: 'bad_request', message: 'Unknown request "app.formatDisk".' } });
  });

  it('answers bad arguments and malformed envelopes with errors, changing nothing', async () => {
    const socket = await connect();
    const messages = inbox(socket);
    send(socket, { type: 'request', id: 4, name: 'app.setPaused', args: { paused: 'yes' } });
    expect(await messages.next(responseTo(4))).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    send(socket, { type: 'request', id: 5, args: {} });
    expect(await messages.next(responseTo(5))).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    send(socket, [1, 2, 3]);
    expect(await messages.next(responseTo(IPC_UNREADABLE_REQUEST_ID))).toMatchObject({ ok: false });
    send(socket, { type: 'request', id: 6, name: 'app.getState', args: {} });
    expect(await messages.next(responseTo(6))).toMatchObject({ ok: true, result: { paused: false } });
  });

  it('closes a connection that sends more than the message size cap, and keeps serving others', async () => {
    const socket = await connect();
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    send(socket, 'x'.repeat(IPC_MAX_MESSAGE_BYTES + 1));
    expect(await closed).toBe(1009);
    const other = await connect();
    const messages = inbox(other);
    send(other, { type: 'request', id: 1, name: 'app.getState', args: {} });
    expect(await messages.next(responseTo(1))).toMatchObject({ ok: true });
  });

  it('says goodbye to connected renderers on close', async () => {
    const socket = await connect();
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    await host.close();
    expect(await closed).toBe(1001);
  });
});

describe('who is refused', () => {
  it('refuses a connection without the token', async () => {
    await expect(connect({ protocols: ['tandem.ipc.v1'] })).rejects.toThrow('refused with HTTP 401');
    await expect(connect({ protocols: [] })).rejects.toThrow('refused with HTTP 401');
  });

  it('refuses a wrong token, even one differing only in its last character', async () => {
    const last = host.token.at(-1) === 'A' ? 'B' : 'A';
    await expect(connect({ protocols: ipcWebSocketProtocols(host.token.slice(0, -1) + last) })).rejects.toThrow('refused with HTTP 401');
    await expect(connect({ protocols: ipcWebSocketProtocols('x'.repeat(43)) })).rejects.toThrow('refused with HTTP 401');
  });

  it('refuses a page from another origin, even with the right token', async () => {
    for (const origin of ['http://evil.example', `http://127.0.0.1:${host.port + 1}`, `https://127.0.0.1:${host.port}`, 'null']) {
      await expect(connect({ headers: { Origin: origin } })).rejects.toThrow('refused with HTTP 403');
    }
  });

  it('accepts our own page under localhost too', async () => {
    const socket = await connect({ headers: { Origin: `http://localhost:${host.port}` } });
    expect(socket.readyState).toBe(WebSocket.OPEN);
  });

  it('refuses a Host that is not this loopback address (DNS rebinding)', async () => {
    await expect(connect({ headers: { Host: `evil.example:${host.port}` } })).rejects.toThrow('refused with HTTP 403');
    await expect(connect({ headers: { Host: '127.0.0.1:1' } })).rejects.toThrow('refused with HTTP 403');
    expect((await get('/', { Host: `evil.example:${host.port}` })).status).toBe(403);
  });

  it('refuses a WebSocket on any other path', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${host.port}/elsewhere`, ipcWebSocketProtocols(host.token));
    openSockets.push(socket);
    const status = await new Promise<number>((resolve) => socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(404);
  });
});

describe('the renderer files', () => {
  it('serves index.html with a strict Content-Security-Policy', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Tandem</title>');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain(`connect-src ws://127.0.0.1:${host.port} ws://localhost:${host.port}`);
  });

  it('serves assets with their content type', async () => {
    const script = await get('/assets/app.js');
    expect(script.status).toBe(200);
    expect(script.body).toBe('console.log("tandem");');
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
  });

  it('refuses paths that climb out of the renderer folder', async () => {
    for (const path of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt', '/%00']) {
      const answer = await get(path);
      expect(answer.status, path).toBe(404);
      expect(answer.body, path).not.toContain('not for browsers');
    }
  });

  it('answers 404 for a missing file and 405 for other methods', async () => {
    expect((await get('/nothing-here.js')).status).toBe(404);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: host.port, path: '/', method: 'POST' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(405);
  });

  it('says to build the renderer when it is not built, and still serves IPC', async () => {
    await rm(rendererDir, { recursive: true });
    const page = await get('/');
    expect(page.status).toBe(503);
    expect(page.body).toContain('npm run build:renderer');
    const socket = await connect();
    expect(socket.readyState).toBe(WebSocket.OPEN);
  });
});

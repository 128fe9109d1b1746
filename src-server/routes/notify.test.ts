// WebSocket /v1/notify on a real listening server: authenticated, cursor hints only, heartbeat
// pings, small frames, and a client that reconnects catches up from its cursor.
import { afterEach, expect, it } from 'vitest';
import WebSocket from 'ws';
import { TestServer, type TestUser } from '../testing/test-server.ts';

let server: TestServer;
let url: string;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  await server?.close();
});

async function listen(options: Parameters<typeof TestServer.start>[0] = {}): Promise<void> {
  server = await TestServer.start(options);
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const address = server.app.server.address();
  url = `ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1/notify`;
}

/** Opens a socket and collects its messages. */
function connect(user: TestUser | undefined, autoPong = true): Promise<{ socket: WebSocket; messages: { type: string; cursor: string }[]; next: () => Promise<{ type: string; cursor: string }> }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { autoPong, ...(user ? { headers: { authorization: `Bearer ${user.token}` } } : {}) });
    sockets.push(socket);
    const messages: { type: string; cursor: string }[] = [];
    const waiters: ((m: { type: string; cursor: string }) => void)[] = [];
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8'));
      const waiter = waiters.shift();
      if (waiter) waiter(message);
      else messages.push(message);
    });
    const next = () => new Promise<{ type: string; cursor: string }>((res) => {
      const queued = messages.shift();
      if (queued) res(queued);
      else waiters.push(res);
    });
    socket.once('open', () => resolve({ socket, messages, next }));
    socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    socket.once('error', reject);
  });
}

it('refuses a connection without a valid token', async () => {
  await listen();
  await expect(connect(undefined)).rejects.toThrow('HTTP 401');
});

it('sends the current cursor at once, then a hint (never names) after each change', async () => {
  await listen();
  const alice = await server.user();
  const { next } = await connect(alice);
  const first = await next();
  expect(first.type).toBe('cursor');
  const current = (await server.request('GET', '/v1/account', { token: alice.token })).json().cursor;
  expect(first.cursor).toBe(current);
  await server.file(alice, alice.rootId, 'secret-name.txt', 'x');
  const hint = await next();
  expect(Object.keys(hint).sort()).toEqual(['cursor', 'type']);
  expect(JSON.stringify(hint)).not.toContain('secret-name');
  const changes = await server.request('GET', `/v1/changes?cursor=${first.cursor}`, { token: alice.token });
  expect(changes.json().changes.map((c: { name: string }) => c.name)).toEqual(['secret-name.txt']);
  expect(changes.json().cursor).toBe(hint.cursor);
});

it("does not tell one account about another's changes", async () => {
  await listen();
  const alice = await server.user('alice');
  const bob = await server.user('bob');
  const a = await connect(alice);
  await a.next();
  await server.file(bob, bob.rootId, 'b.txt', 'b');
  await server.file(alice, alice.rootId, 'a.txt', 'a');
  const hint = await a.next();
  const changes = await server.request('GET', `/v1/changes?cursor=${hint.cursor}`, { token: alice.token });
  expect(changes.json().changes).toEqual([]);
  expect(a.messages).toEqual([]);
});

it('a client that reconnects catches up from its cursor', async () => {
  await listen();
  const alice = await server.user();
  const first = await connect(alice);
  const cursor = (await first.next()).cursor;
  first.socket.close();
  await server.file(alice, alice.rootId, 'while-away-1.txt', '1');
  await server.file(alice, alice.rootId, 'while-away-2.txt', '2');
  const second = await connect(alice);
  const now = await second.next();
  expect(now.cursor).not.toBe(cursor);
  const changes = await server.request('GET', `/v1/changes?cursor=${cursor}`, { token: alice.token });
  expect(changes.json().changes.map((c: { name: string }) => c.name)).toEqual(['while-away-1.txt', 'while-away-2.txt']);
  expect(changes.json().cursor).toBe(now.cursor);
});

it('pings every heartbeat and drops a client that stops answering', async () => {
  await listen({ heartbeatMs: 100 });
  const alice = await server.user();
  const answering = await connect(alice);
  const silent = await connect(alice, false);
  const closed = new Promise<number>((resolve) => silent.socket.once('close', (code) => resolve(code)));
  let pings = 0;
  answering.socket.on('ping', () => pings++);
  expect(await closed).toBe(1006); // terminated: no close handshake for a dead link
  await new Promise((resolve) => setTimeout(resolve, 350));
  expect(pings).toBeGreaterThanOrEqual(3);
  expect(answering.socket.readyState).toBe(WebSocket.OPEN);
});

it('closes a connection that sends an oversized frame', async () => {
  await listen();
  const alice = await server.user();
  const { socket } = await connect(alice);
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  socket.send('x'.repeat(4096));
  expect(await closed).toBe(1009);
});

it("revoking a device closes its notification socket", async () => {
  await listen();
  const alice = await server.user();
  const phoneLogin = await server.request('POST', '/v1/login', { body: { user: 'alice', password: 'correct horse battery', device_name: 'phone' } });
  const phone = { ...alice, token: phoneLogin.json().token, deviceId: phoneLogin.json().device_id };
  const laptopSocket = await connect(alice);
  const phoneSocket = await connect(phone);
  await phoneSocket.next();
  const closed = new Promise<number>((resolve) => phoneSocket.socket.once('close', (code) => resolve(code)));
  await server.request('DELETE', `/v1/devices/${phone.deviceId}`, { token: alice.token });
  expect(await closed).toBe(4001);
  expect(laptopSocket.socket.readyState).toBe(WebSocket.OPEN);
});

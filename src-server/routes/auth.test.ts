// Accounts and devices over the API: login, tokens, revocation, rate limits, the auth hook.
import { afterEach, describe, expect, it } from 'vitest';
import { addUser } from '../index.ts';
import { TestServer } from '../testing/test-server.ts';

let server: TestServer;
afterEach(async () => server?.close());

describe('login and tokens', () => {
  it('signs in with the right password and the token opens the API', async () => {
    server = await TestServer.start();
    const alice = await server.user('alice', 'correct horse battery');
    expect(alice.token).toMatch(/^tdm_/);
    const account = await server.request('GET', '/v1/account', { token: alice.token });
    expect(account.statusCode).toBe(200);
    expect(account.json()).toMatchObject({ user: 'alice', root_id: alice.rootId, device_id: alice.deviceId, used_bytes: 0 });
  });

  it('refuses a wrong password or unknown user with the same vague 401', async () => {
    server = await TestServer.start();
    await server.user('alice', 'correct horse battery');
    const wrong = await server.request('POST', '/v1/login', { body: { user: 'alice', password: 'nope nope', device_name: 'x' } });
    const unknown = await server.request('POST', '/v1/login', { body: { user: 'mallory', password: 'nope nope', device_name: 'x' } });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
    expect(wrong.json()).toEqual({ code: 'unauthorized', message: 'Wrong user name or password.' });
  });

  it('user names are case-insensitive for login and for uniqueness', async () => {
    server = await TestServer.start();
    await server.user('Alice', 'correct horse battery');
    const login = await server.request('POST', '/v1/login', { body: { user: 'ALICE', password: 'correct horse battery', device_name: 'x' } });
    expect(login.statusCode).toBe(200);
    await expect(addUser({ dataDir: server.dataDir, name: 'alice', password: 'another password' })).rejects.toThrow('There is already a user named "alice".');
  });

  it('add-user refuses bad names and short passwords with one clear sentence', async () => {
    server = await TestServer.start();
    await expect(addUser({ dataDir: server.dataDir, name: 'bad/name', password: 'long enough pw' })).rejects.toThrow(/cannot be a user name/);
    await expect(addUser({ dataDir: server.dataDir, name: 'bob', password: 'short' })).rejects.toThrow('The password must be at least 8 characters long.');
  });

  it('every route but login needs a valid token', async () => {
    server = await TestServer.start();
    const alice = await server.user();
    for (const [method, url] of [['GET', '/v1/changes'], ['GET', `/v1/items/${alice.rootId}`], ['POST', '/v1/items'], ['GET', '/v1/devices'], ['POST', '/v1/blocks/missing']]) {
      const none = await server.request(method!, url!);
      expect(none.statusCode, `${method} ${url}`).toBe(401);
      expect(none.json().code).toBe('unauthorized');
      const forged = await server.request(method!, url!, { token: `tdm_${'A'.repeat(43)}` });
      expect(forged.statusCode).toBe(401);
    }
  });

  it('lists devices and revoking one makes its token useless at once', async () => {
    server = await TestServer.start();
    const alice = await server.user();
    const second = await server.request('POST', '/v1/login', { body: { user: 'alice', password: 'correct horse battery', device_name: 'phone' } });
    const phone = second.json<{ token: string; device_id: string }>();
    const list = await server.request('GET', '/v1/devices', { token: alice.token });
    expect(list.json().devices.map((d: { name: string; current: boolean }) => [d.name, d.current])).toEqual([
      ['laptop', true],
      ['phone', false],
    ]);
    expect((await server.request('DELETE', `/v1/devices/${phone.device_id}`, { token: alice.token })).statusCode).toBe(204);
    expect((await server.request('GET', '/v1/account', { token: phone.token })).statusCode).toBe(401);
    expect((await server.request('GET', '/v1/account', { token: alice.token })).statusCode).toBe(200);
    expect((await server.request('DELETE', `/v1/devices/${phone.device_id}`, { token: alice.token })).statusCode).toBe(404);
  });

  it('records when a device was last used, at most once a minute', async () => {
    server = await TestServer.start();
    const alice = await server.user();
    const loginTime = server.clock.now;
    server.clock.now += 30_000;
    await server.request('GET', '/v1/account', { token: alice.token });
    const soon = await server.request('GET', '/v1/devices', { token: alice.token });
    expect(soon.json().devices[0].last_used_at).toBe(loginTime);
    server.clock.now += 60_000;
    await server.request('GET', '/v1/account', { token: alice.token });
    const later = await server.request('GET', '/v1/devices', { token: alice.token });
    expect(later.json().devices[0].last_used_at).toBe(server.clock.now);
  });

  it("cannot revoke another account's device (404, as if it did not exist)", async () => {
    server = await TestServer.start();
    const alice = await server.user('alice');
    const bob = await server.user('bob');
    const response = await server.request('DELETE', `/v1/devices/${bob.deviceId}`, { token: alice.token });
    expect(response.statusCode).toBe(404);
    expect((await server.request('GET', '/v1/account', { token: bob.token })).statusCode).toBe(200);
  });

  it('refuses a malformed login body with 400 and a sentence, no stack', async () => {
    server = await TestServer.start();
    const response = await server.request('POST', '/v1/login', { body: { user: 'alice' } });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('bad_request');
    expect(response.body).not.toContain('    at ');
  });
});

describe('login rate limits', () => {
  it('locks an account after repeated failures, even with the right password', async () => {
    server = await TestServer.start({ loginLimits: { perAddressPerMinute: 100, failuresPerAccount: 3 } });
    await server.user('alice', 'correct horse battery');
    for (let i = 0; i < 3; i++) {
      const r = await server.request('POST', '/v1/login', { body: { user: 'alice', password: 'guess guess', device_name: 'x' } });
      expect(r.statusCode).toBe(401);
    }
    const locked = await server.request('POST', '/v1/login', { body: { user: 'alice', password: 'correct horse battery', device_name: 'x' } });
    expect(locked.statusCode).toBe(429);
    expect(locked.json().code).toBe('rate_limited');
    // Another account is not affected.
    await server.user('bob', 'correct horse battery');
    // After the window, the right password works again.
    server.clock.now += 16 * 60 * 1000;
    const later = await server.request('POST', '/v1/login', { body: { user: 'alice', password: 'correct horse battery', device_name: 'x' } });
    expect(later.statusCode).toBe(200);
  });

  it('limits attempts per address', async () => {
    server = await TestServer.start({ loginLimits: { perAddressPerMinute: 4, failuresPerAccount: 100 } });
    await server.user('alice', 'correct horse battery'); // one attempt
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await server.request('POST', '/v1/login', { body: { user: `user${i}`, password: 'guess guess', device_name: 'x' } });
      statuses.push(r.statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });
});

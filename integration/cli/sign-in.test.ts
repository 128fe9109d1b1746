// `tandem sync`'s sign-in against a real server: the device token goes to the app's credential
// store (a keychain when there is one -- here an in-memory stand-in -- else a file only this user
// can read, with a note said when it is saved), never into device-token.json; the next start
// needs no password; a state folder from before keeps working and has its token moved out.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyringEntryFactory } from '../../src-main/app/credentials.ts';
import { credentialKey, signIn, TOKEN_FILE } from '../../src-main/cli/sign-in.ts';
import { TestServer } from '../engine/remote-harness.ts';

let server: TestServer;
let user: { name: string; password: string };
const dirs: string[] = [];

beforeAll(async () => {
  server = await TestServer.start();
  const made = await server.user();
  user = { name: made.name, password: made.password };
});
afterAll(async () => {
  await server.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function stateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-cli-sign-in-'));
  dirs.push(dir);
  return dir;
}

/** An OS keychain stand-in: entries in a map. */
function memoryKeyring() {
  const entries = new Map<string, string>();
  const keyring: KeyringEntryFactory = (service, account) => ({
    getPassword: () => entries.get(`${service}/${account}`) ?? null,
    setPassword: (secret) => void entries.set(`${service}/${account}`, secret),
    deletePassword: () => entries.delete(`${service}/${account}`),
  });
  return { entries, keyring };
}

function signInOnce(state: string, options: { password?: string; keyring: KeyringEntryFactory | string; said: string[] }) {
  return signIn({
    server: server.url,
    user: user.name,
    device: 'laptop',
    stateDir: state,
    password: async () => options.password,
    say: (line) => options.said.push(line),
    keyring: options.keyring,
  });
}

describe('tandem sync sign-in', () => {
  it('keeps the token in the keychain when there is one, and needs no password the next time', async () => {
    const state = await stateDir();
    const { entries, keyring } = memoryKeyring();
    const said: string[] = [];
    await signInOnce(state, { password: user.password, keyring, said });
    const token = entries.get(`Tandem/${credentialKey(state)}`);
    expect(token).toMatch(/.{16,}/);
    const saved = await readFile(join(state, TOKEN_FILE), 'utf8');
    expect(saved).not.toContain(token!);
    expect(JSON.parse(saved)).toEqual({ server: server.url, user: user.name, device: 'laptop', rootId: expect.any(String) });
    const again = await signInOnce(state, { keyring, said });
    expect((await again.client.account()).root_id).toBe(JSON.parse(saved).rootId);
    expect(said).toEqual([]);
  });

  it('without a keychain, keeps it in a file only this user can read, and says so once', async () => {
    const state = await stateDir();
    const said: string[] = [];
    await signInOnce(state, { password: user.password, keyring: 'no keychain on this test machine', said });
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^Note: Your sign-in is kept in a file \(.*credentials\.json\) that only your user can read, because no keychain on this test machine\./);
    expect((await stat(join(state, 'credentials.json'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(state, TOKEN_FILE), 'utf8')).not.toContain('token');
    await signInOnce(state, { keyring: 'no keychain on this test machine', said });
    expect(said).toHaveLength(1);
  });

  it('moves the token of a state folder from before out of device-token.json, and keeps syncing without a password', async () => {
    const state = await stateDir();
    const first = await signInOnce(state, { password: user.password, keyring: 'none', said: [] });
    const token = JSON.parse(await readFile(join(state, 'credentials.json'), 'utf8'))[credentialKey(state)] as string;
    // What an older Tandem wrote: the token in device-token.json, no credential store.
    await writeFile(join(state, TOKEN_FILE), JSON.stringify({ server: server.url, user: user.name, device: 'laptop', token, rootId: first.rootId }));
    await rm(join(state, 'credentials.json'));
    const { entries, keyring } = memoryKeyring();
    await signInOnce(state, { keyring, said: [] });
    expect(entries.get(`Tandem/${credentialKey(state)}`)).toBe(token);
    expect(await readFile(join(state, TOKEN_FILE), 'utf8')).not.toContain(token);
  });

  it('asks for the password when nothing is saved, in one sentence', async () => {
    const state = await stateDir();
    await expect(signInOnce(state, { keyring: 'none', said: [] })).rejects.toThrow('no password given; set TANDEM_PASSWORD or pipe it on standard input (needed once per state folder).');
  });
});

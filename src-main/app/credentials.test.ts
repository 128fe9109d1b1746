// Where sign-ins are kept: the keychain when it really works, else a 0600 file with a warning.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { chooseCredentialStore, credentialStoreWith, CREDENTIALS_FILE, type KeyringEntryFactory, type SecretCipher } from './credentials.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tandem-credentials-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** An in-memory keychain (what the OS would keep). */
function memoryKeyring(): { factory: KeyringEntryFactory; secrets: Map<string, string> } {
  const secrets = new Map<string, string>();
  const factory: KeyringEntryFactory = (service, account) => ({
    getPassword: () => secrets.get(`${service}/${account}`) ?? null,
    setPassword: (password) => void secrets.set(`${service}/${account}`, password),
    deletePassword: () => secrets.delete(`${service}/${account}`),
  });
  return { factory, secrets };
}

describe('chooseCredentialStore', () => {
  it('uses a keychain that keeps what it is given, with no warning and no file', async () => {
    const { factory, secrets } = memoryKeyring();
    const store = await chooseCredentialStore(dir, factory);
    expect(store).toMatchObject({ kind: 'keychain', warning: undefined });
    await store.set('account-1', 'token-1');
    expect(await store.get('account-1')).toBe('token-1');
    expect([...secrets.keys()]).toEqual(['Tandem/account-1']);
    await expect(stat(join(dir, CREDENTIALS_FILE))).rejects.toThrow();
    await store.delete('account-1');
    expect(await store.get('account-1')).toBeUndefined();
  });

  it('falls back to a file only this user can read when the keychain refuses, and warns', async () => {
    const refusing: KeyringEntryFactory = () => ({
      getPassword: () => null,
      setPassword: () => {
        throw new Error("Couldn't access platform storage: AccessDenied");
      },
      deletePassword: () => false,
    });
    const store = await chooseCredentialStore(dir, refusing);
    expect(store.kind).toBe('file');
    expect(store.warning).toMatch(/AccessDenied/);
    await store.set('account-1', 'token-1');
    await store.set('account-2', 'token-2');
    expect((await stat(join(dir, CREDENTIALS_FILE))).mode & 0o777).toBe(0o600);
    expect(await store.get('account-2')).toBe('token-2');
    await store.delete('account-1');
    await store.delete('account-2');
    await expect(stat(join(dir, CREDENTIALS_FILE))).rejects.toThrow();
  });

  it('falls back to the file when the keychain module cannot load at all', async () => {
    const store = await chooseCredentialStore(dir, 'the keychain module could not be loaded (no binary)');
    expect(store.kind).toBe('file');
    expect(store.warning).toMatch(/could not be loaded/);
  });
});

describe('the desktop shell\'s cipher (safeStorage)', () => {
  /** A stand-in cipher: reversible, and visibly not the plain text. */
  const cipher = (available: boolean): SecretCipher => ({
    isEncryptionAvailable: () => available,
    encryptString: (plain) => Buffer.from(`sealed:${[...plain].reverse().join('')}`),
    decryptString: (sealed) => {
      const text = sealed.toString();
      if (!text.startsWith('sealed:')) throw new Error('not ours');
      return [...text.slice('sealed:'.length)].reverse().join('');
    },
  });

  it('keeps tokens sealed by it, never in plain text, with no warning', async () => {
    const store = await credentialStoreWith(dir, cipher(true), 'unused');
    expect(store).toMatchObject({ kind: 'system', warning: undefined });
    await store.set('account-1', 'secret-token');
    expect(await readFile(join(dir, CREDENTIALS_FILE), 'utf8')).not.toContain('secret-token');
    expect(await store.get('account-1')).toBe('secret-token');
  });

  it('falls back to the usual choice when the shell cannot seal here', async () => {
    const store = await credentialStoreWith(dir, cipher(false), 'no keychain in this test');
    expect(store.kind).toBe('file');
  });
});

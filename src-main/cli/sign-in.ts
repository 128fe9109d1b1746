// Signing `tandem sync` in. The device token from the first sign-in is kept in the same credential
// store the app uses (src-main/app/credentials.ts): the OS keychain when it works here, otherwise
// a file only this user can read -- and then a warning is printed whenever a token is saved
// there. Who the state folder is signed in as (server, user, device; no secret) stays in
// device-token.json beside the index. The password is needed once, not on every start; a token
// the server no longer accepts (revoked) falls back to the password. Older state folders kept the
// token in device-token.json itself: it is moved into the store on the next start.
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { chooseCredentialStore, type CredentialStore, type KeyringEntryFactory } from '../app/credentials.ts';
import { RemoteClient } from '../engine/remote/remote-client.ts';
import { RemoteError } from '../engine/remote/remote-error.ts';

export const TOKEN_FILE = 'device-token.json';

interface SavedSignIn {
  server: string;
  user: string;
  device: string;
  rootId: string;
  /** Only in files written before the credential store: the token itself. */
  token?: string;
}

export interface SignedIn {
  client: RemoteClient;
  rootId: string;
}

export class SignInError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignInError';
  }
}

async function readSaved(stateDir: string): Promise<SavedSignIn | undefined> {
  try {
    const saved = JSON.parse(await readFile(join(stateDir, TOKEN_FILE), 'utf8')) as Partial<SavedSignIn>;
    if (typeof saved.rootId === 'string' && typeof saved.server === 'string' && typeof saved.user === 'string') {
      const token = typeof saved.token === 'string' ? saved.token : undefined;
      return { server: saved.server, user: saved.user, device: typeof saved.device === 'string' ? saved.device : '', rootId: saved.rootId, ...(token ? { token } : {}) };
    }
  } catch {
    // No saved sign-in (or an unreadable one): sign in with the password.
  }
  return undefined;
}

/** The store's name for this state folder's token (one device per state folder). */
export function credentialKey(stateDir: string): string {
  return `cli:${resolve(stateDir)}`;
}

/** Keeps the token in the store and who it belongs to in device-token.json (no secret in it). */
async function remember(store: CredentialStore, stateDir: string, record: SavedSignIn, token: string, say: (line: string) => void): Promise<void> {
  await store.set(credentialKey(stateDir), token);
  const path = join(stateDir, TOKEN_FILE);
  const { server, user, device, rootId } = record;
  await writeFile(path, `${JSON.stringify({ server, user, device, rootId })}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
  if (store.warning) say(`Note: ${store.warning}`);
}

export async function signIn(options: {
  server: string;
  user: string;
  device: string;
  stateDir: string;
  password: () => Promise<string | undefined>;
  /** Where a note for the person goes (the file-storage warning). */
  say: (line: string) => void;
  /** Tests: a store of their own; otherwise the keychain when it works here, else the file. */
  credentials?: CredentialStore;
  keyring?: KeyringEntryFactory | string;
}): Promise<SignedIn> {
  const store = options.credentials ?? (await chooseCredentialStore(options.stateDir, options.keyring));
  const saved = await readSaved(options.stateDir);
  if (saved && saved.server === options.server && saved.user.toLowerCase() === options.user.toLowerCase()) {
    const token = (await store.get(credentialKey(options.stateDir))) ?? saved.token;
    if (token) {
      const client = new RemoteClient({ serverUrl: options.server, token });
      try {
        const account = await client.account();
        // A token still in device-token.json (an older Tandem): into the store, out of the file.
        if (saved.token !== undefined) await remember(store, options.stateDir, saved, token, options.say);
        return { client, rootId: account.root_id };
      } catch (error) {
        if (!(error instanceof RemoteError && error.status === 401)) throw error;
        // Revoked: sign in again below.
      }
    }
  }
  const password = await options.password();
  if (!password) throw new SignInError('no password given; set TANDEM_PASSWORD or pipe it on standard input (needed once per state folder).');
  const client = new RemoteClient({ serverUrl: options.server });
  const login = await client.login(options.user, password, options.device);
  await remember(store, options.stateDir, { server: options.server, user: options.user, device: options.device, rootId: login.root_id }, login.token, options.say);
  return { client, rootId: login.root_id };
}

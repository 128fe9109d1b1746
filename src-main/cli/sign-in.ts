// Signing `tandem sync` in: the device token from the first sign-in is kept in the state folder
// (a file only this user can read), so the password is needed once, not on every start; a token
// the server no longer accepts (revoked) falls back to the password. The OS keychain replaces the
// file when the app layer's credential store arrives (issue 5).
import { readFile, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { RemoteClient } from '../engine/remote/remote-client.ts';
import { RemoteError } from '../engine/remote/remote-error.ts';

const TOKEN_FILE = 'device-token.json';

interface SavedSignIn {
  server: string;
  user: string;
  device: string;
  token: string;
  rootId: string;
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
    if (typeof saved.token === 'string' && typeof saved.rootId === 'string' && typeof saved.server === 'string' && typeof saved.user === 'string') {
      return saved as SavedSignIn;
    }
  } catch {
    // No saved sign-in (or an unreadable one): sign in with the password.
  }
  return undefined;
}

export async function signIn(options: {
  server: string;
  user: string;
  device: string;
  stateDir: string;
  password: () => Promise<string | undefined>;
}): Promise<SignedIn> {
  const saved = await readSaved(options.stateDir);
  if (saved && saved.server === options.server && saved.user.toLowerCase() === options.user.toLowerCase()) {
    const client = new RemoteClient({ serverUrl: options.server, token: saved.token });
    try {
      const account = await client.account();
      return { client, rootId: account.root_id };
    } catch (error) {
      if (!(error instanceof RemoteError && error.status === 401)) throw error;
      // Revoked: sign in again below.
    }
  }
  const password = await options.password();
  if (!password) throw new SignInError('no password given; set TANDEM_PASSWORD or pipe it on standard input (needed once per state folder).');
  const client = new RemoteClient({ serverUrl: options.server });
  const login = await client.login(options.user, password, options.device);
  const record: SavedSignIn = { server: options.server, user: options.user, device: options.device, token: login.token, rootId: login.root_id };
  const path = join(options.stateDir, TOKEN_FILE);
  await writeFile(path, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
  return { client, rootId: login.root_id };
}

// Where the device tokens live. One interface, three homes: Electron's safeStorage in the desktop
// app (the shell passes safeStorage in as AppOptions.cipher: tokens are sealed by it in a file),
// the OS keychain through @napi-rs/keyring
// for the CLI and the headless host, and, when no keychain can be reached (a headless Linux box
// without a Secret Service), a JSON file only this user can read -- with a warning in health, since
// anyone with this user's access (or a backup of the state folder) can then read the token.
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export type CredentialStorageKind = 'keychain' | 'system' | 'file';

export interface CredentialStore {
  /** keychain: the OS keychain; system: the desktop shell's own (safeStorage); file: a plain file. */
  readonly kind: CredentialStorageKind;
  /** A sentence for health when the storage is weaker than it should be; undefined when fine. */
  readonly warning: string | undefined;
  get(accountId: string): Promise<string | undefined>;
  set(accountId: string, secret: string): Promise<void>;
  delete(accountId: string): Promise<void>;
}

export const CREDENTIALS_FILE = 'credentials.json';
const KEYRING_SERVICE = 'Tandem';

/** A JSON file of { accountId: token }, mode 0600, replaced atomically on every change. */
export class FileCredentialStore implements CredentialStore {
  readonly kind = 'file' as const;
  readonly warning: string | undefined;
  readonly #path: string;

  constructor(stateDir: string, reason?: string) {
    this.#path = join(stateDir, CREDENTIALS_FILE);
    this.warning =
      `Your sign-in is kept in a file (${this.#path}) that only your user can read, because ${reason ?? 'no system keychain was available'}. ` +
      'Anyone who can read your files or backups could use it; set up a keychain (or use the desktop app) to keep it safer.';
  }

  async #read(): Promise<Record<string, string>> {
    try {
      const parsed = JSON.parse(await readFile(this.#path, 'utf8')) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
      }
    } catch {
      // Missing or unreadable: nothing saved.
    }
    return {};
  }

  async #write(all: Record<string, string>): Promise<void> {
    const dir = join(this.#path, '..');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const temp = `${this.#path}.tmp`;
    await writeFile(temp, `${JSON.stringify(all)}\n`, { mode: 0o600 });
    await chmod(temp, 0o600);
    await rename(temp, this.#path);
  }

  async get(accountId: string): Promise<string | undefined> {
    return (await this.#read())[accountId];
  }

  async set(accountId: string, secret: string): Promise<void> {
    await this.#write({ ...(await this.#read()), [accountId]: secret });
  }

  async delete(accountId: string): Promise<void> {
    const all = await this.#read();
    delete all[accountId];
    if (Object.keys(all).length === 0) await rm(this.#path, { force: true });
    else await this.#write(all);
  }
}

/** The smallest part of @napi-rs/keyring's Entry this store uses (tests hand in their own). */
export interface KeyringEntry {
  getPassword(): string | null | undefined;
  setPassword(password: string): void;
  deletePassword(): boolean | void;
}
export type KeyringEntryFactory = (service: string, account: string) => KeyringEntry;

/** The OS keychain (macOS Keychain, Windows Credential Manager, Secret Service on Linux). */
export class KeyringCredentialStore implements CredentialStore {
  readonly kind = 'keychain' as const;
  readonly warning = undefined;
  readonly #entry: KeyringEntryFactory;

  constructor(entry: KeyringEntryFactory) {
    this.#entry = entry;
  }

  async get(accountId: string): Promise<string | undefined> {
    return this.#entry(KEYRING_SERVICE, accountId).getPassword() ?? undefined;
  }

  async set(accountId: string, secret: string): Promise<void> {
    this.#entry(KEYRING_SERVICE, accountId).setPassword(secret);
  }

  async delete(accountId: string): Promise<void> {
    try {
      this.#entry(KEYRING_SERVICE, accountId).deletePassword();
    } catch {
      // Nothing saved under that name: already gone.
    }
  }
}

/** Loads @napi-rs/keyring's Entry, or says why it cannot be used. */
export function loadKeyring(): KeyringEntryFactory | string {
  try {
    const require = createRequire(import.meta.url);
    const { Entry } = require('@napi-rs/keyring') as { Entry: new (service: string, account: string) => KeyringEntry };
    return (service, account) => new Entry(service, account);
  } catch (error) {
    return `the keychain module could not be loaded (${error instanceof Error ? error.message : String(error)})`;
  }
}

/**
 * The keychain when it works here (checked by writing, reading and deleting a probe entry), else
 * the file. The probe matters: on Linux the module loads fine and then finds no Secret Service.
 */
export async function chooseCredentialStore(stateDir: string, keyring: KeyringEntryFactory | string = loadKeyring()): Promise<CredentialStore> {
  if (typeof keyring === 'string') return new FileCredentialStore(stateDir, keyring);
  try {
    const probe = keyring(KEYRING_SERVICE, `probe-${process.pid}`);
    probe.setPassword('probe');
    const back = probe.getPassword();
    probe.deletePassword();
    if (back !== 'probe') return new FileCredentialStore(stateDir, 'the system keychain did not keep what was saved in it');
    return new KeyringCredentialStore(keyring);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return new FileCredentialStore(stateDir, `the system keychain could not be used (${reason})`);
  }
}

/**
 * What the desktop shell's own secret storage offers (Electron's safeStorage has this shape): the
 * shell passes it in, and tokens are kept sealed by it in a file in the state folder.
 */
export interface SecretCipher {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(sealed: Buffer): string;
}

/** Tokens sealed by the shell's cipher (safeStorage: the OS keychain holds the key), in a 0600 file. */
export class SealedFileCredentialStore implements CredentialStore {
  readonly kind = 'system' as const;
  readonly warning = undefined;
  readonly #file: FileCredentialStore;
  readonly #cipher: SecretCipher;

  constructor(stateDir: string, cipher: SecretCipher) {
    this.#file = new FileCredentialStore(stateDir);
    this.#cipher = cipher;
  }

  async get(accountId: string): Promise<string | undefined> {
    const sealed = await this.#file.get(accountId);
    if (sealed === undefined) return undefined;
    try {
      return this.#cipher.decryptString(Buffer.from(sealed, 'base64'));
    } catch {
      // Sealed under another user or machine: as good as signed out.
      return undefined;
    }
  }

  async set(accountId: string, secret: string): Promise<void> {
    await this.#file.set(accountId, this.#cipher.encryptString(secret).toString('base64'));
  }

  delete(accountId: string): Promise<void> {
    return this.#file.delete(accountId);
  }
}

/** The shell's cipher when it can seal here, else the usual choice (keychain, then plain file). */
export async function credentialStoreWith(stateDir: string, cipher: SecretCipher | undefined, keyring?: KeyringEntryFactory | string): Promise<CredentialStore> {
  if (cipher?.isEncryptionAvailable()) return new SealedFileCredentialStore(stateDir, cipher);
  return chooseCredentialStore(stateDir, keyring);
}

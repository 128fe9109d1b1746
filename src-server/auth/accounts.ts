// Accounts and device tokens. An account owns one namespace (its home) with a root folder.
// A device token is 256 random bits shown once at login; only its SHA-256 is stored.
import { createHash, randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { TandemError } from '../../src-shared/errors.ts';
import { nameKey } from '../../src-shared/names.ts';
import type { Db } from '../db/database.ts';
import { recordChange } from '../changes/journal.ts';
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from './passwords.ts';

export const MIN_PASSWORD_LENGTH = 8;

export function checkUserName(name: string): void {
  if (!/^[\p{L}\p{N}][\p{L}\p{N}._@-]{0,63}$/u.test(name)) {
    throw new TandemError(
      'bad_request',
      `"${name}" cannot be a user name: use 1 to 64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit.`,
    );
  }
}

export interface NewAccount {
  name: string;
  password: string;
  quotaBytes?: number | null;
  now?: number;
}

export async function createAccount(db: Db, account: NewAccount): Promise<{ accountId: string; rootId: string }> {
  checkUserName(account.name);
  if (account.password.length < MIN_PASSWORD_LENGTH) {
    throw new TandemError('bad_request', `The password must be at least ${MIN_PASSWORD_LENGTH} characters long.`);
  }
  const key = nameKey(account.name);
  const existing = await db.selectFrom('accounts').select('id').where('name_key', '=', key).executeTakeFirst();
  if (existing) throw new TandemError('conflict', `There is already a user named "${account.name}".`);
  const passwordHash = await hashPassword(account.password);
  const now = account.now ?? Date.now();
  const accountId = uuidv7();
  const namespaceId = uuidv7();
  const rootId = uuidv7();
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('accounts')
      .values({
        id: accountId,
        name: account.name,
        name_key: key,
        password_hash: passwordHash,
        namespace_id: namespaceId,
        root_item_id: rootId,
        quota_bytes: account.quotaBytes ?? null,
        used_bytes: 0,
        created_at: now,
      })
      .execute();
    await trx.insertInto('namespaces').values({ id: namespaceId, account_id: accountId, last_seq: 0, horizon_seq: 0 }).execute();
    await trx
      .insertInto('items')
      .values({
        id: rootId,
        namespace_id: namespaceId,
        account_id: accountId,
        parent_id: null,
        name: '',
        name_key: '',
        kind: 'folder',
        size: 0,
        content_hash: null,
        client_mtime: null,
        executable: 0,
        created_at: now,
        modified_at: now,
        metadata_version: 1,
        content_version: 0,
        state: 'live',
        trashed_at: null,
        trash_root_id: null,
        trashed_path: null,
        change_seq: 0,
      })
      .execute();
    await recordChange(trx, { namespaceId, itemId: rootId, change: 'create', parentId: null, oldParentId: null, tombstone: false, now });
  });
  return { accountId, rootId };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export interface LoginResult {
  token: string;
  deviceId: string;
  accountId: string;
  rootId: string;
}

/** Checks the password and issues a new device token; the same vague refusal for a wrong name or password. */
export async function login(db: Db, user: string, password: string, deviceName: string, now = Date.now()): Promise<LoginResult> {
  const account = await db
    .selectFrom('accounts')
    .select(['id', 'password_hash', 'root_item_id'])
    .where('name_key', '=', nameKey(user))
    .executeTakeFirst();
  // Check against a dummy hash when the user does not exist, so timing does not reveal user names.
  const ok = await verifyPassword(password, account?.password_hash ?? DUMMY_PASSWORD_HASH);
  if (!account || !ok) throw new TandemError('unauthorized', 'Wrong user name or password.');
  const token = `tdm_${randomBytes(32).toString('base64url')}`;
  const deviceId = uuidv7();
  await db
    .insertInto('devices')
    .values({ id: deviceId, account_id: account.id, name: deviceName, token_hash: hashToken(token), created_at: now, last_used_at: now, revoked_at: null })
    .execute();
  return { token, deviceId, accountId: account.id, rootId: account.root_item_id };
}

export interface TokenOwner {
  accountId: string;
  deviceId: string;
  namespaceId: string;
  rootId: string;
  lastUsedAt: number | null;
}

/** The account and device behind a bearer token, or undefined for an unknown or revoked token. */
export async function authenticate(db: Db, token: string): Promise<TokenOwner | undefined> {
  if (!/^tdm_[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
  const row = await db
    .selectFrom('devices')
    .innerJoin('accounts', 'accounts.id', 'devices.account_id')
    .select([
      'devices.id as deviceId',
      'accounts.id as accountId',
      'accounts.namespace_id as namespaceId',
      'accounts.root_item_id as rootId',
      'devices.last_used_at as lastUsedAt',
    ])
    .where('devices.token_hash', '=', hashToken(token))
    .where('devices.revoked_at', 'is', null)
    .executeTakeFirst();
  return row && { ...row, lastUsedAt: row.lastUsedAt === null ? null : Number(row.lastUsedAt) };
}

/** How stale "last used" may get: recording every request would make every read a write. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export async function touchDevice(db: Db, owner: TokenOwner, now: number): Promise<void> {
  if (owner.lastUsedAt !== null && now - owner.lastUsedAt < LAST_USED_RESOLUTION_MS) return;
  await db.updateTable('devices').set({ last_used_at: now }).where('id', '=', owner.deviceId).execute();
}

export async function listDevices(db: Db, accountId: string) {
  return db
    .selectFrom('devices')
    .select(['id', 'name', 'created_at', 'last_used_at'])
    .where('account_id', '=', accountId)
    .where('revoked_at', 'is', null)
    .orderBy('created_at')
    .execute();
}

export async function revokeDevice(db: Db, accountId: string, deviceId: string, now = Date.now()): Promise<void> {
  const result = await db
    .updateTable('devices')
    .set({ revoked_at: now })
    .where('id', '=', deviceId)
    .where('account_id', '=', accountId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw new TandemError('not_found', `No device with id ${deviceId}.`);
}

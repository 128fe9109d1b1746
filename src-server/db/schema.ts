// The metadata database's tables as Kysely sees them. Times are integer milliseconds since the
// epoch, booleans are 0/1 integers: the same on SQLite and PostgreSQL.

export interface AccountsTable {
  id: string;
  name: string;
  /** NFC + case-folded name: login names are unique ignoring case. */
  name_key: string;
  /** "scrypt$N$r$p$salt$hash" (base64url parts); never the password. */
  password_hash: string;
  namespace_id: string;
  root_item_id: string;
  /** Logical bytes this account may keep; null = no limit. */
  quota_bytes: number | null;
  /** Logical bytes of the current content of every item in the tree and in the trash. */
  used_bytes: number;
  created_at: number;
}

export interface DevicesTable {
  id: string;
  account_id: string;
  name: string;
  /** SHA-256 of the token (tokens are 256 random bits, so a fast hash is enough). */
  token_hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** A journal's owner: a user's home now; a shared folder can become its own namespace later. */
export interface NamespacesTable {
  id: string;
  account_id: string;
  /** The last sequence number handed out; the next change gets last_seq + 1. */
  last_seq: number;
  /** Changes up to this seq may have lost their tombstones: older cursors get 410. */
  horizon_seq: number;
}

export type ItemState = 'live' | 'trashed';

export interface ItemsTable {
  id: string;
  namespace_id: string;
  account_id: string;
  parent_id: string | null;
  name: string;
  name_key: string;
  kind: 'file' | 'folder';
  size: number;
  content_hash: string | null;
  client_mtime: number | null;
  executable: number;
  created_at: number;
  modified_at: number;
  metadata_version: number;
  content_version: number;
  state: ItemState;
  trashed_at: number | null;
  /** The item whose delete put this one in the trash (itself for the one deleted). */
  trash_root_id: string | null;
  /** JSON array of the ancestor names at delete time, for restoring when the parent is gone. */
  trashed_path: string | null;
  /** Journal seq of the item's last change: the changes feed reads items in this order. */
  change_seq: number;
}

export interface VersionsTable {
  item_id: string;
  content_version: number;
  size: number;
  content_hash: string;
  /** JSON array of { hash, size }. */
  blocks: string;
  device_id: string | null;
  created_at: number;
}

export interface JournalTable {
  namespace_id: string;
  seq: number;
  item_id: string;
  change: 'create' | 'content' | 'move' | 'update' | 'delete' | 'restore';
  parent_id: string | null;
  old_parent_id: string | null;
  tombstone: number;
  created_at: number;
}

export interface IdempotencyTable {
  account_id: string;
  key: string;
  fingerprint: string;
  status: number;
  body: string;
  created_at: number;
}

export interface Database {
  accounts: AccountsTable;
  devices: DevicesTable;
  namespaces: NamespacesTable;
  items: ItemsTable;
  versions: VersionsTable;
  journal: JournalTable;
  idempotency: IdempotencyTable;
}


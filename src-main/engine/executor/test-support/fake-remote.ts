// Test support: an in-memory sync server behind the RemoteOps port. It keeps items with versions,
// a block store, and the answer to every Idempotency-Key (a retried or replayed request gets the
// first answer, as the real server does); it refuses like the real one: stale If-Match (412), a
// name taken case-insensitively, a cycle, a missing parent, a non-empty folder delete (409).
// Tests can make calls fail (`failNext`) to exercise retries.

import { nameKey } from '../../../../src-shared/names.ts';
import type { BlockRef } from '../../../../src-shared/protocol/common.ts';
import type { Hasher } from '../../hasher.ts';
import type { TreeItem } from '../../tree/item.ts';
import type { CommitTarget, DeleteAnswer, FileContent, RemoteAnswer, RemoteItem, RemoteOps } from '../ports.ts';

export const ROOT_ID = 'root';

export class TransientError extends Error {
  readonly retryable = true;
  constructor(message = 'The connection dropped (a failure set by the test).') {
    super(message);
    this.name = 'TransientError';
  }
}

export class FakeRemote implements RemoteOps {
  readonly items = new Map<string, RemoteItem>();
  /** Ids of deleted items: like the real server, never given out again. */
  readonly retiredIds = new Set<string>();
  readonly blockLists = new Map<string, BlockRef[]>();
  readonly blocks = new Map<string, Uint8Array>();
  /** Content hashes the server moved to its trash or replaced (versions): nothing is lost there. */
  readonly history: string[] = [];
  readonly #answers = new Map<string, RemoteAnswer>();
  readonly #hasher: Hasher;
  /** Calls by name, for tests that count requests. */
  readonly calls: string[] = [];
  #failures = 0;
  blockBytesSent = 0;
  /** Every delete asked for, with the seen cursor it carried. */
  readonly deletes: Array<{ id: string; seenCursor: string | undefined }> = [];
  /** Block bytes handed out by fetchBlocks (what a download cost). */
  blockBytesFetched = 0;

  constructor(hasher: Hasher) {
    this.#hasher = hasher;
    this.items.set(ROOT_ID, { id: ROOT_ID, parentId: null, name: '', kind: 'folder', metadataVersion: 1, contentVersion: 1 });
  }

  /** The next `count` calls fail with a transient error. */
  failNext(count: number): void {
    this.#failures = count;
  }

  #enter(call: string): void {
    this.calls.push(call);
    if (this.#failures > 0) {
      this.#failures -= 1;
      throw new TransientError();
    }
  }

  /** Puts a file straight onto the server, as another device would. */
  putFile(id: string, parentId: string, name: string, data: Uint8Array, executable = false): RemoteItem {
    const hash = this.#hasher.hash(data);
    const blocks = data.length === 0 ? [] : [{ hash: this.#hasher.hash(data), size: data.length }];
    if (data.length > 0) this.blocks.set(hash, data);
    const existing = this.items.get(id);
    if (existing?.hash) this.history.push(existing.hash);
    const item: RemoteItem = {
      id,
      parentId,
      name,
      kind: 'file',
      hash,
      size: data.length,
      executable,
      metadataVersion: existing?.metadataVersion ?? 1,
      contentVersion: (existing?.contentVersion ?? 0) + 1,
    };
    this.items.set(id, item);
    this.blockLists.set(id, blocks);
    return item;
  }

  putFolder(id: string, parentId: string, name: string): RemoteItem {
    const item: RemoteItem = { id, parentId, name, kind: 'folder', metadataVersion: 1, contentVersion: 1 };
    this.items.set(id, item);
    return item;
  }

  /** The server's tree as the changes feed would give it. */
  tree(): { rootId: string; items: Map<string, TreeItem> } {
    return { rootId: ROOT_ID, items: new Map(this.items) };
  }

  /** The bytes of a file as the server holds them. */
  content(id: string): Uint8Array | undefined {
    const list = this.blockLists.get(id);
    if (!list) return undefined;
    return new Uint8Array(Buffer.concat(list.map((block) => this.blocks.get(block.hash)!)));
  }

  #once(key: string, apply: () => RemoteAnswer): RemoteAnswer {
    const earlier = this.#answers.get(key);
    if (earlier) return earlier;
    const answer = apply();
    this.#answers.set(key, answer);
    return answer;
  }

  #refused(message: string, current?: RemoteItem): RemoteAnswer {
    return { ok: false, reason: 'refused', current, message };
  }

  #placeProblem(id: string, parentId: string, name: string): string | undefined {
    const parent = this.items.get(parentId);
    if (!parent || parent.kind !== 'folder') return 'the parent folder is gone';
    for (const other of this.items.values()) {
      if (other.id !== id && other.parentId === parentId && nameKey(other.name) === nameKey(name)) return `the name "${name}" is taken`;
    }
    for (let at: string | null = parentId; at !== null; at = this.items.get(at)?.parentId ?? null) {
      if (at === id) return 'the move would put a folder inside itself';
    }
    return undefined;
  }

  async createFolder(request: { id: string; parentId: string; name: string }, key: string): Promise<RemoteAnswer> {
    this.#enter('createFolder');
    return this.#once(key, () => {
      if (this.items.has(request.id)) return this.#refused('the id exists', this.items.get(request.id));
      if (this.retiredIds.has(request.id)) return { ok: false, reason: 'id_taken', current: undefined, message: 'the id was used before' };
      const problem = this.#placeProblem(request.id, request.parentId, request.name);
      if (problem) return this.#refused(problem);
      return { ok: true, item: this.putFolder(request.id, request.parentId, request.name) };
    });
  }

  async missingBlocks(hashes: readonly string[]): Promise<string[]> {
    this.#enter('missingBlocks');
    return hashes.filter((hash) => !this.blocks.has(hash));
  }

  async uploadBlocks(blocks: readonly { hash: string; data: Uint8Array }[]): Promise<void> {
    this.#enter('uploadBlocks');
    for (const block of blocks) {
      if (this.#hasher.hash(block.data) !== block.hash) throw new Error(`The server refused block ${block.hash}: its bytes do not match.`);
      this.blocks.set(block.hash, block.data.slice());
      this.blockBytesSent += block.data.length;
    }
  }

  async commitFile(target: CommitTarget, content: FileContent, key: string): Promise<RemoteAnswer> {
    this.#enter('commitFile');
    return this.#once(key, () => {
      for (const block of content.blocks) if (!this.blocks.has(block.hash)) return this.#refused(`block ${block.hash} is missing`);
      if (target.kind === 'create') {
        if (this.items.has(target.id)) return this.#refused('the id exists', this.items.get(target.id));
        if (this.retiredIds.has(target.id)) return { ok: false, reason: 'id_taken', current: undefined, message: 'the id was used before' };
        const problem = this.#placeProblem(target.id, target.parentId, target.name);
        if (problem) return this.#refused(problem);
        const item: RemoteItem = {
          id: target.id,
          parentId: target.parentId,
          name: target.name,
          kind: 'file',
          hash: content.hash,
          size: content.size,
          executable: target.executable,
          metadataVersion: 1,
          contentVersion: 1,
        };
        this.items.set(item.id, item);
        this.blockLists.set(item.id, content.blocks);
        return { ok: true, item };
      }
      const existing = this.items.get(target.id);
      if (!existing || existing.kind !== 'file') return this.#refused('the file is gone');
      if (existing.contentVersion !== target.ifMatchContent) {
        return { ok: false, reason: 'precondition_failed', current: existing, message: 'the file changed on the server' };
      }
      if (existing.hash) this.history.push(existing.hash);
      const item: RemoteItem = { ...existing, hash: content.hash, size: content.size, executable: target.executable, contentVersion: (existing.contentVersion ?? 0) + 1 };
      this.items.set(item.id, item);
      this.blockLists.set(item.id, content.blocks);
      return { ok: true, item };
    });
  }

  async move(id: string, to: { parentId: string; name: string }, ifMatchMetadata: number | undefined, key: string): Promise<RemoteAnswer> {
    this.#enter('move');
    return this.#once(key, () => {
      const existing = this.items.get(id);
      if (!existing) return this.#refused('the item is gone');
      if (ifMatchMetadata !== undefined && existing.metadataVersion !== ifMatchMetadata) {
        return { ok: false, reason: 'precondition_failed', current: existing, message: 'the item moved on the server' };
      }
      const problem = this.#placeProblem(id, to.parentId, to.name);
      if (problem) return this.#refused(problem, existing);
      const item: RemoteItem = { ...existing, ...to, metadataVersion: (existing.metadataVersion ?? 0) + 1 };
      this.items.set(id, item);
      return { ok: true, item };
    });
  }

  /**
   * Refuses a non-empty folder (stricter than the real server, which trashes the subtree but
   * what changed after the seen cursor): the executor deletes children first anyway.
   */
  async delete(id: string, ifMatch: { metadata: number | undefined; content: number | undefined }, seenCursor: string | undefined, key: string): Promise<DeleteAnswer> {
    this.#enter('delete');
    this.deletes.push({ id, seenCursor });
    const answer = this.#once(key, () => {
      const existing = this.items.get(id);
      if (!existing) return this.#refused('the item is gone');
      if (existing.metadataVersion !== ifMatch.metadata || existing.contentVersion !== ifMatch.content) {
        return { ok: false, reason: 'precondition_failed', current: existing, message: 'the item changed on the server' };
      }
      for (const other of this.items.values()) if (other.parentId === id) return this.#refused('the folder is not empty', existing);
      if (existing.hash) this.history.push(existing.hash);
      this.items.delete(id);
      this.retiredIds.add(id);
      return { ok: true, item: existing };
    });
    return answer.ok ? { ...answer, kept: false } : answer;
  }

  async getItem(id: string): Promise<{ item: RemoteItem; blocks: BlockRef[] } | undefined> {
    this.#enter('getItem');
    const item = this.items.get(id);
    return item ? { item, blocks: this.blockLists.get(id) ?? [] } : undefined;
  }

  async *fetchBlocks(blocks: readonly BlockRef[]): AsyncIterable<Uint8Array> {
    this.#enter('fetchBlocks');
    for (const block of blocks) {
      const data = this.blocks.get(block.hash);
      if (!data) throw new Error(`The server has no block ${block.hash}.`);
      this.blockBytesFetched += data.length;
      yield data;
    }
  }
}

/** A RemoteOps that forwards to `remote`, with some methods replaced (tests inject faults this way). */
export function delegate(remote: RemoteOps, overrides: Partial<RemoteOps> = {}): RemoteOps {
  return {
    createFolder: (...args) => remote.createFolder(...args),
    missingBlocks: (...args) => remote.missingBlocks(...args),
    uploadBlocks: (...args) => remote.uploadBlocks(...args),
    commitFile: (...args) => remote.commitFile(...args),
    move: (...args) => remote.move(...args),
    delete: (...args) => remote.delete(...args),
    getItem: (...args) => remote.getItem(...args),
    fetchBlocks: (...args) => remote.fetchBlocks(...args),
    ...overrides,
  };
}

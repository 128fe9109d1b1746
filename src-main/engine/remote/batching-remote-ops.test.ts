// The coalescing decorator of the RemoteOps port: many concurrent calls, few requests, and every
// caller still gets exactly the answer it would have had on its own (ok, precondition failed with
// the current item, refused, or an error of the right kind). The real server is in
// integration/engine/batching-remote-ops.test.ts.
import { describe, expect, it } from 'vitest';
import type { BlockRef, Item } from '../../../src-shared/protocol/common.ts';
import type { BatchOperation } from '../../../src-shared/protocol/items.ts';
import type { RemoteOps } from '../executor/ports.ts';
import { delegate } from '../executor/test-support/fake-remote.ts';
import { batchingRemoteOps } from './batching-remote-ops.ts';
import type { BatchSender } from './batching-remote-ops.ts';
import type { BatchOutcome, BatchOutput } from './remote-client.ts';
import { RemoteError } from './remote-error.ts';

function serverItem(id: string, overrides: Partial<Item> = {}): Item {
  return {
    id,
    parent_id: 'root',
    name: id,
    kind: 'file',
    size: 3,
    content_hash: 'blake3:abc',
    client_mtime: null,
    executable: false,
    created_at: 1,
    modified_at: 1,
    metadata_version: 1,
    content_version: 1,
    etag: '"m1-c1"',
    deleted: false,
    seq: 1,
    ...overrides,
  };
}

/** A batch endpoint that answers each operation with `answer` and records every request. */
class FakeSender implements BatchSender {
  readonly requests: BatchOperation[][] = [];
  // A delete answers with the item in the trash, as the server does.
  answer: (operation: BatchOperation) => BatchOutcome = (operation) => ({ ok: true, status: 200, item: serverItem(idOf(operation), { deleted: operation.op === 'delete' }) });
  refuseWhole: ((operations: readonly BatchOperation[]) => RemoteError | undefined) | undefined;

  async batch(operations: readonly BatchOperation[]): Promise<BatchOutput> {
    this.requests.push([...operations]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const refusal = this.refuseWhole?.(operations);
    if (refusal) throw refusal;
    return { results: operations.map((operation) => this.answer(operation)), cursor: 'c' };
  }
}

function idOf(operation: BatchOperation): string {
  return operation.op === 'create' ? (operation.item.id ?? 'new') : operation.id;
}

const unused: RemoteOps = delegate({} as RemoteOps, {
  missingBlocks: () => Promise.reject(new Error('not expected')),
});

const content = { hash: 'blake3:abc', size: 3, blocks: [{ hash: 'blake3:abc', size: 3 }] };

describe('mutations', () => {
  it('concurrent commits, creates, moves and deletes go out as one batch, each with its own key', async () => {
    const sender = new FakeSender();
    const ops = batchingRemoteOps(unused, sender);
    const answers = await Promise.all([
      ops.commitFile({ kind: 'create', id: 'f1', parentId: 'root', name: 'a.txt', executable: false }, content, 'k1'),
      ops.commitFile({ kind: 'commit', id: 'f2', ifMatchContent: 4, executable: true }, content, 'k2'),
      ops.createFolder({ id: 'd1', parentId: 'root', name: 'docs' }, 'k3'),
      ops.move('f3', { parentId: 'd1', name: 'b.txt' }, 7, 'k4'),
      ops.delete('f4', { metadata: 2, content: 3 }, 'cursor-9', 'k5'),
    ]);
    expect(sender.requests).toHaveLength(1);
    expect(sender.requests[0]).toEqual([
      { op: 'create', idempotency_key: 'k1', item: { id: 'f1', parent_id: 'root', name: 'a.txt', kind: 'file', executable: false, content: { hash: content.hash, blocks: content.blocks } } },
      { op: 'commit', idempotency_key: 'k2', id: 'f2', if_match: '"m0-c4"', content: { hash: content.hash, blocks: content.blocks, executable: true } },
      { op: 'create', idempotency_key: 'k3', item: { id: 'd1', parent_id: 'root', name: 'docs', kind: 'folder' } },
      { op: 'update', idempotency_key: 'k4', id: 'f3', if_match: '"m7-c0"', changes: { parent_id: 'd1', name: 'b.txt' } },
      { op: 'delete', idempotency_key: 'k5', id: 'f4', if_match: '"m2-c3"', seen_cursor: 'cursor-9' },
    ]);
    expect(answers.map((answer) => answer.ok && answer.item.id)).toEqual(['f1', 'f2', 'd1', 'f3', 'f4']);
    expect(answers[4]).toMatchObject({ ok: true, kept: false });
  });

  it('each operation gets its own answer: precondition failed with the current item, refused, or a thrown error of the right kind', async () => {
    const sender = new FakeSender();
    sender.answer = (operation): BatchOutcome => {
      const id = idOf(operation);
      if (id === 'stale') return { ok: false, status: 412, code: 'precondition_failed', message: 'changed', current: serverItem('stale', { content_version: 9 }) };
      if (id === 'taken') return { ok: false, status: 409, code: 'conflict', message: 'name taken', current: undefined };
      if (id === 'busy') return { ok: false, status: 503, code: 'http_503', message: 'try later', current: undefined };
      if (id === 'full') return { ok: false, status: 507, code: 'quota_exceeded', message: 'account full', current: undefined };
      if (id === 'kept') return { ok: true, status: 200, item: serverItem('kept', { kind: 'folder', deleted: false }) };
      return { ok: true, status: 200, item: serverItem(id) };
    };
    const ops = batchingRemoteOps(unused, sender);
    const commit = (id: string) => ops.commitFile({ kind: 'commit', id, ifMatchContent: 1, executable: false }, content, `key-${id}`);
    const [fine, stale, taken, busy, full, kept] = await Promise.allSettled([
      commit('fine'),
      commit('stale'),
      ops.move('taken', { parentId: 'root', name: 'x' }, 1, 'key-taken'),
      commit('busy'),
      commit('full'),
      ops.delete('kept', { metadata: 1, content: 1 }, 'c1', 'key-kept'),
    ]);
    expect(sender.requests).toHaveLength(1);
    expect(fine).toMatchObject({ status: 'fulfilled', value: { ok: true, item: { id: 'fine' } } });
    expect(stale).toMatchObject({ status: 'fulfilled', value: { ok: false, reason: 'precondition_failed', current: { id: 'stale', contentVersion: 9 } } });
    expect(taken).toMatchObject({ status: 'fulfilled', value: { ok: false, reason: 'refused', current: undefined, message: 'name taken' } });
    expect(busy).toMatchObject({ status: 'rejected', reason: { kind: 'retryable', status: 503 } });
    expect(full).toMatchObject({ status: 'rejected', reason: { kind: 'permanent', code: 'quota_exceeded' } });
    // A folder delete the server kept (changes inside newer than the seen cursor) says so.
    expect(kept).toMatchObject({ status: 'fulfilled', value: { ok: true, kept: true } });
  });

  it('a lone call goes out at once; calls made while it is on the wire wait and go together', async () => {
    const sender = new FakeSender();
    const ops = batchingRemoteOps(unused, sender, { inFlight: 1 });
    const folder = (n: number) => ops.createFolder({ id: `d${n}`, parentId: 'root', name: `d${n}` }, `k${n}`);
    const first = folder(0);
    await new Promise((resolve) => setTimeout(resolve, 1));
    expect(sender.requests).toHaveLength(1);
    const rest = [1, 2, 3].map(folder);
    await Promise.all([first, ...rest]);
    expect(sender.requests.map((request) => request.length)).toEqual([1, 3]);
  });

  it('keeps each batch within the operation cap', async () => {
    const sender = new FakeSender();
    const ops = batchingRemoteOps(unused, sender, { batchOperations: 4, inFlight: 1 });
    await Promise.all(Array.from({ length: 10 }, (_, n) => ops.createFolder({ id: `d${n}`, parentId: 'root', name: `d${n}` }, `k${n}`)));
    expect(sender.requests.map((request) => request.length)).toEqual([4, 4, 2]);
  });

  it('a batch refused as a whole (one malformed operation) is sent again one by one: only the bad one fails', async () => {
    const sender = new FakeSender();
    sender.refuseWhole = (operations) =>
      operations.some((operation) => idOf(operation) === 'bad')
        ? new RemoteError('The request is malformed.', { kind: 'permanent', code: 'bad_request', status: 400 })
        : undefined;
    const ops = batchingRemoteOps(unused, sender);
    const results = await Promise.allSettled(['ok1', 'bad', 'ok2'].map((id) => ops.createFolder({ id, parentId: 'root', name: id }, `k-${id}`)));
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(results[1]).toMatchObject({ reason: { status: 400 } });
  });

  it('a network failure of the batch is every operation\'s failure, retryable', async () => {
    const sender = new FakeSender();
    sender.refuseWhole = () => new RemoteError('The server cannot be reached.', { kind: 'retryable', code: 'network' });
    const ops = batchingRemoteOps(unused, sender);
    const results = await Promise.allSettled([1, 2].map((n) => ops.createFolder({ id: `d${n}`, parentId: 'root', name: `d${n}` }, `k${n}`)));
    expect(results).toMatchObject([
      { status: 'rejected', reason: { kind: 'retryable' } },
      { status: 'rejected', reason: { kind: 'retryable' } },
    ]);
  });

  it('moves and deletes without a precondition take the undecorated path (it looks the version up first)', async () => {
    const sender = new FakeSender();
    const calls: string[] = [];
    const inner = delegate({} as RemoteOps, {
      move: async (id) => (calls.push(`move ${id}`), { ok: true, item: { id, parentId: 'root', name: id, kind: 'file' } }),
      delete: async (id) => (calls.push(`delete ${id}`), { ok: true, item: { id, parentId: 'root', name: id, kind: 'file' }, kept: false }),
    });
    const ops = batchingRemoteOps(inner, sender);
    await ops.move('a', { parentId: 'root', name: 'b' }, undefined, 'k1');
    await ops.delete('c', { metadata: undefined, content: 2 }, undefined, 'k2');
    expect(calls).toEqual(['move a', 'delete c']);
    expect(sender.requests).toHaveLength(0);
  });
});

describe('blocks', () => {
  it('concurrent missing-blocks questions become one; each caller hears about its own hashes', async () => {
    const asked: string[][] = [];
    const inner = delegate({} as RemoteOps, {
      missingBlocks: async (hashes) => (asked.push([...hashes]), hashes.filter((hash) => hash.startsWith('new'))),
    });
    const ops = batchingRemoteOps(inner, new FakeSender());
    const [first, second] = await Promise.all([ops.missingBlocks(['new1', 'old1', 'shared-new']), ops.missingBlocks(['old2', 'new2', 'shared-new'])]);
    expect(asked).toHaveLength(1);
    expect(asked[0]!.sort()).toEqual(['new1', 'new2', 'old1', 'old2', 'shared-new']);
    expect(first).toEqual(['new1']);
    expect(second).toEqual(['new2']);
  });

  it('concurrent uploads merge into requests of at most the byte cap (a block once per request), in arrival order', async () => {
    const sent: string[][] = [];
    const inner = delegate({} as RemoteOps, {
      uploadBlocks: async (blocks) => {
        sent.push(blocks.map((block) => block.hash));
      },
    });
    const ops = batchingRemoteOps(inner, new FakeSender(), { uploadBytes: 250, inFlight: 1 });
    const block = (hash: string) => ({ hash, data: new Uint8Array(100) });
    await Promise.all([
      ops.uploadBlocks([block('a')]),
      ops.uploadBlocks([block('b'), block('a')]),
      ops.uploadBlocks([block('c')]),
      ops.uploadBlocks([block('d')]),
    ]);
    // [a] then [b, a] (300 bytes with the first would pass the cap) then [c, d].
    expect(sent).toEqual([['a'], ['b', 'a'], ['c', 'd']]);
  });

  it('an upload that fails fails every caller that rode in it', async () => {
    const inner = delegate({} as RemoteOps, {
      uploadBlocks: () => Promise.reject(new RemoteError('The server cannot be reached.', { kind: 'retryable', code: 'network' })),
    });
    const ops = batchingRemoteOps(inner, new FakeSender());
    const results = await Promise.allSettled([ops.uploadBlocks([{ hash: 'a', data: new Uint8Array(1) }]), ops.uploadBlocks([{ hash: 'b', data: new Uint8Array(1) }])]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
  });

  it('small downloads merge into one fetch; each caller gets its blocks in order, repeats included; big ones go alone', async () => {
    const fetched: string[][] = [];
    const bytesOf = (hash: string) => new TextEncoder().encode(hash);
    const inner = delegate({} as RemoteOps, {
      fetchBlocks: (blocks: readonly BlockRef[]) => {
        fetched.push(blocks.map((block) => block.hash));
        return (async function* () {
          for (const block of blocks) yield bytesOf(block.hash);
        })();
      },
    });
    const ops = batchingRemoteOps(inner, new FakeSender(), { smallFetchBytes: 100 });
    const collect = async (blocks: BlockRef[]) => {
      const out: string[] = [];
      for await (const data of ops.fetchBlocks(blocks)) out.push(new TextDecoder().decode(data));
      return out;
    };
    const ref = (hash: string, size = 10) => ({ hash, size });
    const [one, two, big] = await Promise.all([
      collect([ref('x'), ref('y'), ref('x')]),
      collect([ref('y'), ref('z')]),
      collect([ref('huge', 1000)]),
    ]);
    expect(one).toEqual(['x', 'y', 'x']);
    expect(two).toEqual(['y', 'z']);
    expect(big).toEqual(['huge']);
    expect(fetched).toHaveLength(2);
    expect(fetched).toContainEqual(['huge']);
    expect(fetched).toContainEqual(['x', 'y', 'z']);
  });

  it('knows the block lists it was given (the feed\'s), by content', () => {
    const lists = new Map([['f1', { hash: 'h1', blocks: [{ hash: 'b1', size: 1 }] }]]);
    const ops = batchingRemoteOps(unused, new FakeSender(), { blockLists: { get: (id, hash) => (lists.get(id)?.hash === hash ? lists.get(id)!.blocks : undefined) } });
    expect(ops.knownBlocks?.('f1', 'h1')).toEqual([{ hash: 'b1', size: 1 }]);
    expect(ops.knownBlocks?.('f1', 'h2')).toBeUndefined();
    expect(ops.knownBlocks?.('f2', 'h1')).toBeUndefined();
  });
});

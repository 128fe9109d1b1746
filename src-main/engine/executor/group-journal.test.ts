// The grouped journal: writes queued in the same turn share one store transaction (one fsync),
// each still resolves only once written, each write's own failure is its own, and a failed
// transaction fails every write in it. Then the executor on a real SQLite index: 200 uploads
// run side by side take far fewer journal transactions than the 400 writes they make.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadHasher } from '../hasher.ts';
import type { Hasher } from '../hasher.ts';
import { LocalIndex } from '../index/local-index.ts';
import type { Operation } from '../planner/operations.ts';
import { makeTree } from '../tree/tree.ts';
import { GroupJournal } from './group-journal.ts';
import { indexStore } from './index-store.ts';
import type { StateStore } from './ports.ts';
import { ROOT_ID } from './test-support/fake-remote.ts';
import { executor, makePlan, newDevice, pull, scan } from './test-support/harness.ts';
import { MemoryStore } from './test-support/memory-store.ts';

const op = (n: number): Operation => ({ kind: 'createLocalFolder', id: `d${n}`, parentId: ROOT_ID, name: `d${n}`, path: `d${n}` }) as Operation;

/** A MemoryStore with transactions that can be counted, and made to fail. */
function transactional(store: MemoryStore, failing = () => false): StateStore & { transactions: number } {
  const wrapped = {
    transactions: 0,
    journalBegin: store.journalBegin.bind(store),
    journalComplete: store.journalComplete.bind(store),
    journalAbandon: store.journalAbandon.bind(store),
    journalEntries: store.journalEntries.bind(store),
    advance: store.advance.bind(store),
    localFacts: store.localFacts.bind(store),
    seenCursor: store.seenCursor.bind(store),
    blockLocations: store.blockLocations.bind(store),
    transaction<T>(fn: () => T): T {
      wrapped.transactions += 1;
      const result = fn();
      if (failing()) throw new Error('disk I/O error');
      return result;
    },
  };
  return wrapped;
}

describe('GroupJournal', () => {
  it('writes queued in the same turn share one transaction, and resolve once written', async () => {
    const memory = new MemoryStore(ROOT_ID);
    const store = transactional(memory);
    const journal = new GroupJournal(store);
    const begun = Array.from({ length: 10 }, (_, n) => journal.begin(op(n), `key-${n}`));
    expect(memory.journal.size).toBe(0); // nothing written yet: the effects must wait
    const records = await Promise.all(begun);
    expect(memory.journal.size).toBe(10);
    expect(records.map((record) => record.idempotencyKey)).toEqual(Array.from({ length: 10 }, (_, n) => `key-${n}`));
    await Promise.all([
      ...records.slice(0, 5).map((record) => journal.complete(record.seq, { local: { put: [{ id: `x${record.seq}`, parentId: ROOT_ID, name: 'x', kind: 'folder' }] } })),
      ...records.slice(5).map((record) => journal.abandon(record.seq)),
    ]);
    expect(memory.journal.size).toBe(0);
    expect(memory.local.size).toBe(6);
    expect(store.transactions).toBe(2);
    expect([journal.writes, journal.groups]).toEqual([20, 2]);
  });

  it("one write's failure is its own; the others in the group are written", async () => {
    const memory = new MemoryStore(ROOT_ID);
    const journal = new GroupJournal(transactional(memory));
    const record = await journal.begin(op(1), 'k');
    const results = await Promise.allSettled([journal.abandon(999), journal.complete(record.seq, {})]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'fulfilled']);
    expect(memory.journal.size).toBe(0);
  });

  it('a transaction that fails fails every write in it', async () => {
    let fail = false;
    const journal = new GroupJournal(transactional(new MemoryStore(ROOT_ID), () => fail));
    fail = true;
    const results = await Promise.allSettled([journal.begin(op(1), 'a'), journal.begin(op(2), 'b')]);
    expect(results).toMatchObject([
      { status: 'rejected', reason: { message: 'disk I/O error' } },
      { status: 'rejected', reason: { message: 'disk I/O error' } },
    ]);
  });
});

describe('the executor on the SQLite index', () => {
  let hasher: Hasher;
  beforeAll(async () => {
    hasher = await loadHasher();
  });

  it('200 uploads run side by side share journal transactions, and every file is recorded as synced', async () => {
    const device = await newDevice(hasher);
    const dir = await mkdtemp(join(tmpdir(), 'tandem-group-journal-'));
    const index = LocalIndex.open({ stateDir: join(dir, 'state'), syncedFolder: join(dir, 'folder') });
    try {
      for (const tree of ['local', 'remote', 'synced'] as const) index.saveTree(tree, makeTree(ROOT_ID, [{ id: ROOT_ID, parentId: null, name: '', kind: 'folder' }]));
      for (let i = 0; i < 200; i++) device.fs.put(`${i}.txt`, `content ${i}`);
      scan(device);
      pull(device);
      const plan = makePlan(device);
      // The facts the scan recorded, in the index as the engine keeps them.
      index.putFacts([...device.store.facts].map(([id, facts]) => ({ id, size: facts.size, mtimeMs: facts.mtimeMs, inode: facts.inode, hash: facts.hash ?? '', blocks: [] })));
      // Disk commits: a transaction, or a journal write made outside one.
      let commits = 0;
      let inside = false;
      const store = indexStore(index);
      const own = <A extends unknown[], R>(write: (...args: A) => R) => (...args: A): R => {
        if (!inside) commits += 1;
        return write(...args);
      };
      const counted: StateStore = {
        ...store,
        journalBegin: own(store.journalBegin),
        journalComplete: own(store.journalComplete),
        journalAbandon: own(store.journalAbandon),
        transaction: (fn) => {
          commits += 1;
          inside = true;
          try {
            return store.transaction!(fn);
          } finally {
            inside = false;
          }
        },
      };
      const result = await executor({ ...device, ports: { ...device.ports, store: counted } }, { concurrency: 64 }).run(plan, device.store.trees());
      expect(result.complete).toBe(true);
      expect(index.journalEntries()).toEqual([]);
      expect(index.loadTree('synced')!.items.size).toBe(201);
      expect(device.remote.items.size).toBe(201);
      // 400 journal writes (a begin and a completion per upload), one commit each if not grouped.
      expect(commits).toBeLessThan(100);
    } finally {
      index.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});



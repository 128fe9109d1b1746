// Downloads take the blocks this device already holds from local files and fetch only the rest
// (DESIGN.md: only changed blocks travel): from the old version of the same file, from another
// file, and never a local block that no longer matches its hash — that one comes from the server.
// Two devices share one in-memory server; the fake disk lets a test damage a file behind the
// scanner's back.

import { beforeAll, describe, expect, it } from 'vitest';
import { FakeFileSystem } from '../fs/fake-file-system.ts';
import { loadHasher } from '../hasher.ts';
import type { Hasher } from '../hasher.ts';
import { SEARCH_OTHER_FILES_BYTES } from './download.ts';
import { FakeRemote } from './test-support/fake-remote.ts';
import { newDevice, syncOnce, syncUntilQuiet, tick } from './test-support/harness.ts';
import type { Device } from './test-support/harness.ts';

let hasher: Hasher;
beforeAll(async () => {
  hasher = await loadHasher();
});

const KiB = 1024;
const MiB = 1024 * KiB;

function randomBytes(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function insertByte(data: Uint8Array, at: number, value: number): Uint8Array {
  const out = new Uint8Array(data.length + 1);
  out.set(data.subarray(0, at));
  out[at] = value;
  out.set(data.subarray(at), at + 1);
  return out;
}

/** Two devices of one account: Ada writes, Bob downloads. */
async function pair(): Promise<{ ada: Device; bob: Device; remote: FakeRemote }> {
  const remote = new FakeRemote(hasher);
  const ada = await newDevice(hasher, remote, new FakeFileSystem({ now: tick() }));
  const bob = await newDevice(hasher, remote, new FakeFileSystem({ now: tick() }));
  return { ada, bob, remote };
}

/** Block bytes Bob fetched from the server while `run` ran. */
async function fetchedDuring(remote: FakeRemote, run: () => Promise<unknown>): Promise<number> {
  const before = remote.blockBytesFetched;
  await run();
  return remote.blockBytesFetched - before;
}

function same(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && Buffer.from(a).equals(Buffer.from(b));
}

describe('downloads reuse local blocks', () => {
  it('an edited file: only the changed blocks come from the server, and the result is byte-identical', async () => {
    const { ada, bob, remote } = await pair();
    const v1 = randomBytes(2 * MiB, 7);
    ada.fs.put('big.bin', v1);
    await syncUntilQuiet(ada);
    expect(await fetchedDuring(remote, () => syncUntilQuiet(bob))).toBe(v1.length);
    expect(same(bob.fs.get('big.bin'), v1)).toBe(true);
    const id = [...bob.store.local.values()].find((item) => item.name === 'big.bin')!.id;
    // The download recorded the block list the next download reuses (and the scan kept it).
    expect(bob.store.facts.get(id)?.blocks?.length).toBeGreaterThan(8);

    const v2 = insertByte(v1, MiB, 42);
    ada.fs.put('big.bin', v2);
    await syncUntilQuiet(ada);
    const fetched = await fetchedDuring(remote, () => syncUntilQuiet(bob));
    expect(same(bob.fs.get('big.bin'), v2)).toBe(true);
    expect(fetched).toBeGreaterThan(0);
    // FastCDC blocks here are at most 256 KiB; one insertion touches one or two of them.
    expect(fetched).toBeLessThan(512 * KiB);
  });

  it('a local block that no longer matches its hash is fetched from the server instead', async () => {
    const { ada, bob, remote } = await pair();
    const v1 = randomBytes(2 * MiB, 11);
    ada.fs.put('big.bin', v1);
    await syncUntilQuiet(ada);
    await syncUntilQuiet(bob);

    // Bob's copy is damaged in place (same size, same mtime, same inode: the scanner cannot tell).
    const stat = await bob.fs.lstat('big.bin');
    const damaged = v1.slice();
    damaged[100] = damaged[100]! ^ 0xff;
    bob.fs.put('big.bin', damaged, { mtimeMs: stat.mtimeMs });
    expect((await bob.fs.lstat('big.bin')).inode).toBe(stat.inode);

    const v2 = insertByte(v1, MiB + 12_345, 1);
    ada.fs.put('big.bin', v2);
    await syncUntilQuiet(ada);
    const untouched = await fetchedDuring(remote, async () => {
      const { result } = await syncOnce(bob);
      expect(result.complete).toBe(true);
    });
    expect(same(bob.fs.get('big.bin'), v2)).toBe(true);
    // The changed blocks plus the damaged first block, not the whole file.
    const firstBlock = bob.store.facts.get([...bob.store.local.values()].find((item) => item.name === 'big.bin')!.id)!.blocks![0]!.size;
    expect(untouched).toBeGreaterThanOrEqual(firstBlock);
    expect(untouched).toBeLessThan(firstBlock + 512 * KiB);
  });

  it('a new file that copies another local file takes its blocks from that file', async () => {
    const { ada, bob, remote } = await pair();
    // Big enough for the search of other files (SEARCH_OTHER_FILES_BYTES).
    const original = randomBytes(SEARCH_OTHER_FILES_BYTES + MiB, 23);
    ada.fs.put('docs/report.bin', original);
    await syncUntilQuiet(ada);
    await syncUntilQuiet(bob);

    const copy = insertByte(original, 2 * MiB, 9);
    ada.fs.put('copies/report (edited).bin', copy);
    await syncUntilQuiet(ada);
    const fetched = await fetchedDuring(remote, () => syncUntilQuiet(bob));
    expect(same(bob.fs.get('copies/report (edited).bin'), copy)).toBe(true);
    expect(same(bob.fs.get('docs/report.bin'), original)).toBe(true);
    expect(fetched).toBeLessThan(512 * KiB);
  });

  it('a small new file does not search other files (the search reads every block list)', async () => {
    const { ada, bob, remote } = await pair();
    const original = randomBytes(2 * MiB, 29);
    ada.fs.put('a.bin', original);
    await syncUntilQuiet(ada);
    await syncUntilQuiet(bob);
    ada.fs.put('b.bin', original.slice(0, MiB));
    await syncUntilQuiet(ada);
    let searched = 0;
    const lookUp = bob.store.blockLocations.bind(bob.store);
    bob.store.blockLocations = (hashes) => {
      searched += 1;
      return lookUp(hashes);
    };
    expect(await fetchedDuring(remote, () => syncUntilQuiet(bob))).toBe(MiB);
    expect(searched).toBe(0);
    expect(same(bob.fs.get('b.bin'), original.slice(0, MiB))).toBe(true);
  });

  it('a local file that cannot be read any more costs a full download, not a failure', async () => {
    const { ada, bob, remote } = await pair();
    const v1 = randomBytes(MiB, 31);
    ada.fs.put('a.bin', v1);
    await syncUntilQuiet(ada);
    await syncUntilQuiet(bob);
    const v2 = insertByte(v1, 1000, 5);
    ada.fs.put('a.bin', v2);
    await syncUntilQuiet(ada);
    // Reads fail; stat and the rename into place still work.
    bob.fs.failAt('a.bin', 'EIO', ['read']);
    const fetched = await fetchedDuring(remote, async () => {
      const { result } = await syncOnce(bob);
      expect(result.complete).toBe(true);
    });
    expect(fetched).toBe(v2.length);
    bob.fs.clearFailures();
    expect(same(bob.fs.get('a.bin'), v2)).toBe(true);
  });

  it('a file of one repeated block is assembled from one local read of it', async () => {
    const { ada, bob, remote } = await pair();
    const zeros = new Uint8Array(4 * MiB);
    ada.fs.put('zeros.img', zeros);
    await syncUntilQuiet(ada);
    await syncUntilQuiet(bob);
    const longer = new Uint8Array(4 * MiB + 256 * KiB);
    ada.fs.put('zeros.img', longer);
    await syncUntilQuiet(ada);
    const fetched = await fetchedDuring(remote, () => syncUntilQuiet(bob));
    expect(same(bob.fs.get('zeros.img'), longer)).toBe(true);
    // Only a new tail block can be new; the 256 KiB maximum blocks of zeros are all local.
    expect(fetched).toBeLessThan(256 * KiB + 1);
  });
});

describe('block lists the device already heard of', () => {
  it('a download whose block list the feed carried asks the server for blocks only, not for the item; a list of other content is not used', async () => {
    const { ada, bob, remote } = await pair();
    ada.fs.put('a.txt', 'first version');
    ada.fs.put('b.txt', 'another file');
    await syncUntilQuiet(ada);
    // What the changes feed would have carried: each file's current block list (b.txt's is of old content).
    const lists = new Map([...remote.items.values()].filter((item) => item.kind === 'file').map((item) => [item.id, { hash: item.hash!, blocks: remote.blockLists.get(item.id)! }]));
    const bId = [...remote.items.values()].find((item) => item.name === 'b.txt')!.id;
    lists.set(bId, { hash: 'blake3:old-content', blocks: [{ hash: 'blake3:old-content', size: 3 }] });
    bob.ports.remote = Object.assign(Object.create(remote) as FakeRemote, {
      knownBlocks: (id: string, hash: string) => (lists.get(id)?.hash === hash ? lists.get(id)!.blocks : undefined),
      getItem: remote.getItem.bind(remote),
      fetchBlocks: remote.fetchBlocks.bind(remote),
    });
    remote.calls.length = 0;
    await syncUntilQuiet(bob);
    expect(new TextDecoder().decode(bob.fs.get('a.txt'))).toBe('first version');
    expect(new TextDecoder().decode(bob.fs.get('b.txt'))).toBe('another file');
    // Only b.txt, whose listed content was not the planned one, needed the item.
    expect(remote.calls.filter((call) => call === 'getItem')).toHaveLength(1);
  });
});

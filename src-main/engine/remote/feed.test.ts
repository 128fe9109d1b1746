// The block lists the changes feed carries are remembered for downloads: a live file's list by
// its content hash, forgotten when the item changes into something else, and bounded in size.
import { describe, expect, it } from 'vitest';
import { BlockListMemo } from './feed.ts';
import type { ChangedItem } from './feed.ts';

function file(id: string, hash: string, blocks: number, overrides: Partial<ChangedItem> = {}): ChangedItem {
  return {
    id,
    parent_id: 'root',
    name: id,
    kind: 'file',
    size: blocks,
    content_hash: hash,
    client_mtime: null,
    executable: false,
    created_at: 1,
    modified_at: 1,
    metadata_version: 1,
    content_version: 1,
    etag: '"m1-c1"',
    deleted: false,
    seq: 1,
    blocks: Array.from({ length: blocks }, (_, n) => ({ hash: `${hash}-${n}`, size: 1 })),
    ...overrides,
  };
}

describe('BlockListMemo', () => {
  it('answers for the content the feed carried, and only that content', () => {
    const memo = new BlockListMemo();
    memo.note(file('a', 'h1', 2));
    expect(memo.get('a', 'h1')).toHaveLength(2);
    expect(memo.get('a', 'h2')).toBeUndefined();
    memo.note(file('a', 'h2', 3));
    expect(memo.get('a', 'h1')).toBeUndefined();
    expect(memo.get('a', 'h2')).toHaveLength(3);
  });

  it('forgets an item deleted or carried without its list', () => {
    const memo = new BlockListMemo();
    memo.note(file('a', 'h1', 1));
    memo.note(file('a', 'h1', 1, { deleted: true }));
    expect(memo.get('a', 'h1')).toBeUndefined();
    memo.note(file('b', 'h1', 1));
    const { blocks: _blocks, ...withoutList } = file('b', 'h1', 1);
    memo.note(withoutList);
    expect(memo.get('b', 'h1')).toBeUndefined();
  });

  it('keeps at most its block budget, forgetting the oldest lists first', () => {
    const memo = new BlockListMemo(10);
    for (let n = 0; n < 8; n++) memo.note(file(`f${n}`, `h${n}`, 3));
    expect(memo.size).toBe(3);
    expect(memo.get('f7', 'h7')).toBeDefined();
    expect(memo.get('f0', 'h0')).toBeUndefined();
  });
});

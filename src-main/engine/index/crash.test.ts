// A process killed (SIGKILL) at each moment of an operation's life leaves an index that opens and
// tells the truth: the journal entry while the effect may be pending, never half a transaction,
// and the advanced tree once the completion committed (SCENARIOS invariant 6, DESIGN.md journal).

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalIndex } from './local-index.ts';

const CHILD = new URL('./test-support/crash-child.ts', import.meta.url).pathname;

let dir: string;
let state: string;
let synced: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tandem-crash-'));
  state = join(dir, 'state');
  synced = join(dir, 'Sync');
  mkdirSync(synced);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function crashAt(moment: string): Promise<NodeJS.Signals | null> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CHILD, state, synced, moment], { timeout: 60_000 }, (error, _stdout, stderr) => {
      if (error && error.signal === 'SIGKILL') resolve('SIGKILL');
      else reject(new Error(`the child did not die as planned: ${stderr || String(error)}`));
    });
  });
}

describe('a crash', () => {
  it('before the effect: the operation is still journaled, with its idempotency key, for the replay', async () => {
    await crashAt('before-effect');
    const index = LocalIndex.open({ stateDir: state, syncedFolder: synced });
    expect(index.journalEntries()).toMatchObject([{ operation: { kind: 'download', id: 'f' }, idempotencyKey: 'key-1', attempts: 1 }]);
    expect(index.loadTree('synced')?.items.get('f')?.size).toBe(10);
    index.close();
  });

  it('in the middle of a big transaction: none of it happened, the journal entry is intact', async () => {
    await crashAt('mid-transaction');
    // The uncommitted pages really reached the disk (spilled to the WAL) before the death.
    expect(statSync(join(state, 'index.sqlite-wal')).size).toBeGreaterThan(1_000_000);
    const index = LocalIndex.open({ stateDir: state, syncedFolder: synced });
    const tree = index.loadTree('synced');
    expect([...(tree?.items.keys() ?? [])].sort()).toEqual(['f', 'root']);
    expect(index.journalEntries()).toMatchObject([{ operation: { kind: 'download' }, idempotencyKey: 'key-1' }]);
    index.close();
  }, 60_000);

  it('after the completion committed: the tree advanced and the entry is gone', async () => {
    await crashAt('after-complete');
    const index = LocalIndex.open({ stateDir: state, syncedFolder: synced });
    expect(index.journalEntries()).toEqual([]);
    expect(index.loadTree('synced')?.items.get('f')).toMatchObject({ size: 20, hash: `blake3:${'2'.repeat(64)}` });
    index.close();
  });
});

// Test support for crash.test.ts: a process that uses the index and then dies by SIGKILL at a
// chosen moment (no exit handlers, no close, like a power cut to the process).
// Usage: node crash-child.ts STATE_DIR SYNCED_FOLDER before-effect|mid-transaction|after-complete

import type { Operation } from '../../planner/operations.ts';
import type { TreeItem } from '../../tree/item.ts';
import { makeTree } from '../../tree/tree.ts';
import { LocalIndex } from '../local-index.ts';

const [stateDir, syncedFolder, moment] = process.argv.slice(2);
if (!stateDir || !syncedFolder || !moment) {
  console.error('usage: node crash-child.ts STATE_DIR SYNCED_FOLDER MOMENT');
  process.exit(2);
}

const root: TreeItem = { id: 'root', parentId: null, name: '', kind: 'folder' };
const file: TreeItem = { id: 'f', parentId: 'root', name: 'report.txt', kind: 'file', hash: `blake3:${'1'.repeat(64)}`, size: 10 };
const download: Operation = {
  kind: 'download', id: 'f', parentId: 'root', name: 'report.txt', hash: `blake3:${'2'.repeat(64)}`, size: 20,
  executable: false, contentVersion: 2, replacesHash: file.hash, path: 'report.txt',
};
const die = () => process.kill(process.pid, 'SIGKILL');

const index = LocalIndex.open({ stateDir, syncedFolder });
index.saveTree('synced', makeTree('root', [root, file]));
const entry = index.journalBegin(download, { idempotencyKey: 'key-1' });
if (moment === 'before-effect') die();

if (moment === 'mid-transaction') {
  // A big change, large enough that SQLite spills uncommitted pages to the WAL, then death
  // before the commit: none of it may be visible afterwards.
  const many: TreeItem[] = [root];
  for (let i = 0; i < 100_000; i++) many.push({ id: `n${i}`, parentId: 'root', name: `new ${i} ${'x'.repeat(200)}`, kind: 'folder' });
  index.transaction(() => {
    index.saveTree('synced', makeTree('root', many));
    index.journalComplete(entry.seq);
    die();
  });
}

if (moment === 'after-complete') {
  index.journalComplete(entry.seq, { synced: { put: [{ ...file, hash: download.hash, size: 20 }] } });
  die();
}
console.error(`unknown moment ${moment}`);
process.exit(2);

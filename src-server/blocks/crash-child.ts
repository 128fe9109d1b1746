// The process the crash test kills with SIGKILL: it uploads blocks into a pack store as fast as it
// can, references some of them (as a commit would), drops references to older ones and runs garbage
// collection with repacking — forever, until killed. It reports on stdout (synchronous on Linux, so
// a line written is a line the parent gets):
//   "ready"          the store opened (after whatever the previous kill left behind)
//   "keep <hash>"    the block is durable AND referenced: it must survive every later crash
//   "drop <hash>"    about to remove that reference: the parent stops expecting the block
// Usage: node src-server/blocks/crash-child.ts <dataDir>
import { randomBytes, randomInt } from 'node:crypto';
import { addBlockReferences, removeBlockReferences } from './block-index.ts';
import { hashBlock } from './hash.ts';
import { openPackBlockStore } from './pack-store.ts';
import { openBlockTestDatabase } from './test-database.ts';

const dataDir = process.argv[2];
if (!dataDir) {
  process.stderr.write('usage: node crash-child.ts <dataDir>\n');
  process.exit(2);
}

const db = await openBlockTestDatabase(dataDir);
// Small packs, so a run crosses many pack boundaries and repacks often.
const store = await openPackBlockStore({ dataDir, db, targetPackSize: 256 * 1024 });
process.stdout.write('ready\n');

const kept: string[] = [];
for (let round = 0; ; round += 1) {
  const blocks = Array.from({ length: randomInt(1, 12) }, () => {
    const data = new Uint8Array(randomBytes(randomInt(0, 40_000)));
    return { hash: hashBlock(data), data };
  });
  // Several uploads in flight at once, as concurrent clients would do (group commit).
  const half = Math.ceil(blocks.length / 2);
  await Promise.all([store.putBlocks(blocks.slice(0, half), { accountId: 'crash' }), store.putBlocks(blocks.slice(half), { accountId: 'crash' })]);
  const referenced = blocks.filter(() => Math.random() < 0.6).map((block) => block.hash);
  await db.transaction().execute((trx) => addBlockReferences(trx, 'crash', referenced));
  for (const hash of referenced) {
    kept.push(hash);
    process.stdout.write(`keep ${hash}\n`);
  }
  if (round % 3 === 2 && kept.length > 10) {
    const dropped = kept.splice(0, randomInt(1, 6));
    for (const hash of dropped) process.stdout.write(`drop ${hash}\n`);
    await db.transaction().execute((trx) => removeBlockReferences(trx, dropped));
  }
  if (round % 5 === 4) await store.collectGarbage({ graceMs: 0, repackBelow: 0.7, now: Date.now() + 1 });
}

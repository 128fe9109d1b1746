// Crash test: a child process uploads into a pack store (with group commits, references, and GC
// with repacking) and is killed with SIGKILL at random moments, again and again. After every kill,
// every block it acknowledged and referenced is readable and re-hashes correctly, every block the
// index lists is readable (the index never points at bytes that were not durable), and the next
// run carries on in the same store.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { hashBlock } from './hash.ts';
import { openPackBlockStore } from './pack-store.ts';
import { openBlockTestDatabase } from './test-database.ts';

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const ROUNDS = 12;
const dir = mkdtempSync(join(tmpdir(), 'tandem-block-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the child until it has reported enough, waits a random moment more, then kills it -9. */
function runAndKill(expected: Map<string, number>): Promise<{ kept: number }> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [CHILD, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    let kept = 0;
    let killTimer: NodeJS.Timeout | undefined;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const [word, hash] = line.split(' ');
      if (word === 'keep' && hash) {
        expected.set(hash, (expected.get(hash) ?? 0) + 1);
        kept += 1;
        // Let it get going, then kill it somewhere in the middle of whatever it is doing.
        if (kept === 20) killTimer = setTimeout(() => child.kill('SIGKILL'), randomInt(20, 400));
      } else if (word === 'drop' && hash) {
        expected.set(hash, (expected.get(hash) ?? 0) - 1);
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(killTimer);
      if (signal === 'SIGKILL') resolve({ kept });
      else reject(new Error(`the crash child exited by itself (code ${code}): ${stderr}`));
    });
  });
}

describe('pack store under kill -9', () => {
  it(
    'keeps every acknowledged block readable across repeated crashes, and keeps working',
    async () => {
      const expected = new Map<string, number>();
      for (let round = 0; round < ROUNDS; round += 1) {
        const { kept } = await runAndKill(expected);
        expect(kept).toBeGreaterThanOrEqual(20);

        const db = await openBlockTestDatabase(dir);
        const store = await openPackBlockStore({ dataDir: dir, db, targetPackSize: 256 * 1024 });
        try {
          const mustExist = [...expected].filter(([, count]) => count > 0).map(([hash]) => hash);
          const data = await store.readBlocks(mustExist); // verifies length and hash of each
          expect(data.every((bytes, i) => hashBlock(bytes) === mustExist[i])).toBe(true);

          const indexed = (await db.selectFrom('blocks').select('hash').execute()).map((row) => row.hash);
          expect((await store.readBlocks(indexed)).length).toBe(indexed.length);

          // Still referenced (GC did not free them). The index may hold more: references committed
          // just before a kill, before the child could report them.
          const referenced = new Set((await db.selectFrom('blocks').select('hash').where('refcount', '>', 0).execute()).map((row) => row.hash));
          expect(mustExist.filter((hash) => !referenced.has(hash))).toEqual([]);
        } finally {
          await store.close();
          await db.destroy();
        }
      }

      // After all that, the store still takes and serves new blocks.
      const db = await openBlockTestDatabase(dir);
      const store = await openPackBlockStore({ dataDir: dir, db });
      const data = new Uint8Array(randomBytes(10_000));
      await store.putBlocks([{ hash: hashBlock(data), data }], { accountId: 'after' });
      expect(Buffer.from((await store.readBlocks([hashBlock(data)]))[0]!).equals(Buffer.from(data))).toBe(true);
      await store.close();
      await db.destroy();
    },
    120_000,
  );
});

// The mass-delete guard (DESIGN.md, SCENARIOS #42): a pass that would delete more than 25 files
// AND more than 30% of the folder on one side does not delete; the plan carries a question
// instead. A yes is tied to the exact batch (its batchKey), so it never covers later deletes.

import type { TreeItem } from '../tree/item.ts';
import type { Tree } from '../tree/tree.ts';
import type { Operation, PlanOptions, Side } from './operations.ts';

export const DEFAULT_MASS_DELETE = { minCount: 25, fraction: 0.3 };

/** Files on `start` that are not in `target`: what this side would delete. */
export function filesToDelete(start: Tree, target: ReadonlyMap<string, TreeItem>): TreeItem[] {
  const out: TreeItem[] = [];
  for (const item of start.items.values()) if (item.kind === 'file' && !target.has(item.id)) out.push(item);
  return out;
}

/** The question to ask instead of deleting, or undefined when the deletes may go ahead. */
export function massDeleteQuestion(
  side: Side,
  doomed: readonly TreeItem[],
  totalFiles: number,
  options: PlanOptions,
  pathOf: (id: string) => string,
): Extract<Operation, { kind: 'ask' }> | undefined {
  const { minCount, fraction } = options.massDelete ?? DEFAULT_MASS_DELETE;
  const count = doomed.length;
  if (count <= minCount || count <= fraction * totalFiles) return undefined;
  const batchKey = batchKeyOf(side, doomed.map((item) => item.id));
  if (options.approvedMassDeletes?.has(batchKey)) return undefined;
  const where = side === 'remote' ? 'on the server and every device' : 'on this device';
  return {
    kind: 'ask',
    question: 'mass_delete',
    side,
    count,
    total: totalFiles,
    batchKey,
    samplePaths: doomed.slice(0, 10).map((item) => pathOf(item.id)),
    message: `${count} of ${totalFiles} files would be deleted ${where}. Nothing is deleted until you confirm.`,
  };
}

/** FNV-1a over the sorted ids: the same batch always gets the same key, another batch another. */
export function batchKeyOf(side: Side, ids: readonly string[]): string {
  let hash = 0x811c9dc5;
  for (const id of [...ids].sort()) {
    for (let i = 0; i < id.length; i++) {
      hash ^= id.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    hash = Math.imul(hash ^ 0x2c, 0x01000193) >>> 0;
  }
  return `${side}-${ids.length}-${hash.toString(16).padStart(8, '0')}`;
}

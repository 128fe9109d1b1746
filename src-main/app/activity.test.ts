// What the activity feed shows for each finished operation, and what it leaves out.
import { describe, expect, it } from 'vitest';
import type { ExecutedOperation } from '../engine/executor/executor.ts';
import { ActivityLog, describeOperation } from './activity.ts';

const done = { status: 'done', attempts: 1 } as const;

function executed(operation: ExecutedOperation['operation'], outcome: ExecutedOperation['outcome'] = done): ExecutedOperation {
  return { operation, outcome };
}

const upload = (ifMatchContent: number | undefined) =>
  executed({ kind: 'upload', id: 'i', parentId: 'p', name: 'a.txt', hash: 'h', size: 1, executable: false, ifMatchContent, path: 'docs/a.txt' });

describe('describeOperation', () => {
  it('says added or changed, and by whom', () => {
    expect(describeOperation(upload(undefined))).toMatchObject({ action: 'added', path: 'docs/a.txt', thisComputer: true });
    expect(describeOperation(upload(3))).toMatchObject({ action: 'changed', thisComputer: true });
    expect(
      describeOperation(
        executed({ kind: 'download', id: 'i', parentId: 'p', name: 'b', hash: 'h', size: 1, executable: false, contentVersion: 2, replacesHash: 'old', path: 'b' }),
      ),
    ).toMatchObject({ action: 'changed', thisComputer: false });
    expect(describeOperation(executed({ kind: 'trashLocal', id: 'i', itemKind: 'folder', hash: undefined, path: 'old' }))).toMatchObject({
      action: 'deleted',
      kind: 'folder',
      thisComputer: false,
    });
  });

  it('leaves out bookkeeping, temporary moves and what did not happen', () => {
    expect(describeOperation(executed({ kind: 'markSynced', id: 'i', item: null }))).toBeUndefined();
    expect(
      describeOperation(executed({ kind: 'moveRemote', id: 'i', parentId: 'p', name: 'x', ifMatchMetadata: 1, fromPath: 'a', path: 'x', temporary: true })),
    ).toBeUndefined();
    expect(describeOperation(executed(upload(undefined).operation, { status: 'failed', message: 'no', retryable: true, attempts: 4 }))).toBeUndefined();
  });
});

describe('ActivityLog', () => {
  it('lists the newest first, as many as asked', () => {
    const log = new ActivityLog();
    log.record('f', upload(undefined), 1, 'This computer (Ada)');
    log.record('f', upload(2), 2, 'This computer (Ada)');
    const entries = log.list(1);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ action: 'changed', at: 2, device: 'This computer (Ada)', folderId: 'f' });
  });
});

// Refreshing the remote tree from the changes feed: a delta is applied to the stored tree with
// the new cursor in one transaction; a full listing (first run, or 410: the cursor expired or the
// server was restored from a backup, SCENARIOS #46–#47) REPLACES the tree, so items the server no
// longer has are gone from it. The planner then compares that listing with the synced tree: an item
// absent from it is a delete only where the base says it was synced and the disk is unchanged.
// EXCEPT when the server went back in time (restored from an older backup: our cursor is ahead of
// it): then the base describes a server that no longer exists, and trusting it would read every
// newer file as deleted or overwritten there. The base is forgotten with the same transaction, so
// the next plan is a first sync: equal content adopted, one-sided items propagated, different
// content a conflicted copy -- newer local files are kept, never overwritten or deleted (#46).

import type { LocalIndex } from '../index/local-index.ts';
import { readFeed } from '../remote/feed.ts';
import type { RemoteClient } from '../remote/remote-client.ts';
import { toTreeItem } from '../remote/remote-ops.ts';
import type { TreeItem } from '../tree/item.ts';
import { makeTree } from '../tree/tree.ts';

export interface PullResult {
  kind: 'delta' | 'full';
  /** Items that changed (tombstones included). */
  changed: number;
  cursor: string;
  /** Why the server needed a full listing, when it did. */
  reason?: string;
  /** The server was restored from an older backup; the synced base was forgotten. */
  serverRestored?: true;
}

export function rootItem(rootId: string): TreeItem {
  return { id: rootId, parentId: null, name: '', kind: 'folder' };
}

/** Reads the feed from the index's cursor and stores what it says. */
export async function pullRemoteTree(client: RemoteClient, index: LocalIndex, rootId: string, signal?: AbortSignal): Promise<PullResult> {
  const read = await readFeed(client, index.cursor, signal ? { signal } : {});
  const live = read.items.filter((item) => item.id !== rootId);
  if (read.kind === 'full') {
    const items = [rootItem(rootId), ...live.filter((item) => !item.deleted).map(toTreeItem)];
    index.transaction(() => {
      index.replaceRemoteTree(makeTree(rootId, items), read.cursor);
      if (read.serverRestored) index.saveTree('synced', makeTree(rootId, [rootItem(rootId)]));
    });
  } else if (live.length > 0 || read.cursor !== index.cursor) {
    index.applyRemoteChanges(
      {
        put: live.filter((item) => !item.deleted).map(toTreeItem),
        remove: live.filter((item) => item.deleted).map((item) => item.id),
      },
      read.cursor,
    );
  }
  return {
    kind: read.kind,
    changed: live.length,
    cursor: read.cursor,
    ...(read.reason ? { reason: read.reason } : {}),
    ...(read.serverRestored ? { serverRestored: true as const } : {}),
  };
}

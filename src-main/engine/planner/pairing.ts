// First sync and same-path creates (SCENARIOS #7, #54): a local item and a remote item created
// independently at the same path, of the same kind and (files) the same bytes, are the same item.
// The local one adopts the server's id, so nothing travels. Different bytes or kinds are not
// paired; the merge then sees a name collision and makes ours a conflicted copy.

import { nameKey } from '../../../src-shared/names.ts';
import { localContentTest } from '../tree/item.ts';
import type { TreeItem } from '../tree/item.ts';
import { childrenOf, pathOf } from '../tree/tree.ts';
import type { Tree } from '../tree/tree.ts';
import type { Operation } from './operations.ts';

export interface Pairing {
  /** The local tree with adopted ids. */
  local: Tree;
  ops: Operation[];
}

export function adoptIdenticalCreates(local: Tree, remote: Tree, synced: Tree, skip: ReadonlySet<string>, localExecBits = true): Pairing {
  // A disk without exec bits (Windows) reads every file as not executable: compare bytes only.
  const same = localContentTest(localExecBits);
  const adopt = new Map<string, string>();
  const taken = new Set<string>();
  const ops: Operation[] = [];
  const isNewLocal = (id: string) => !synced.items.has(id) && !remote.items.has(id) && !skip.has(id);
  const isNewRemote = (id: string) => !synced.items.has(id) && !local.items.has(id) && !skip.has(id) && !taken.has(id);

  // Top-down, so a paired folder's children look for partners inside the remote folder.
  const queue: string[] = [local.rootId];
  for (let head = 0; head < queue.length; head++) {
    const folderId = queue[head] as string;
    const remoteFolderId = adopt.get(folderId) ?? folderId;
    let remoteByKey: Map<string, TreeItem> | undefined;
    for (const child of childrenOf(local, folderId)) {
      if (child.kind === 'folder') queue.push(child.id);
      if (!isNewLocal(child.id)) continue;
      remoteByKey ??= new Map(childrenOf(remote, remoteFolderId).map((r) => [nameKey(r.name), r]));
      const partner = remoteByKey.get(nameKey(child.name));
      if (!partner || !isNewRemote(partner.id) || !same(partner, child)) continue;
      adopt.set(child.id, partner.id);
      taken.add(partner.id);
      ops.push({ kind: 'rekeyLocal', fromId: child.id, toId: partner.id, reason: 'adopt', path: pathOf(local, child.id) ?? child.name });
    }
  }
  if (adopt.size === 0) return { local, ops };
  const items = new Map<string, TreeItem>();
  for (const item of local.items.values()) {
    const id = adopt.get(item.id) ?? item.id;
    const parentId = item.parentId === null ? null : (adopt.get(item.parentId) ?? item.parentId);
    items.set(id, id === item.id && parentId === item.parentId ? item : { ...item, id, parentId });
  }
  return { local: { rootId: local.rootId, items }, ops };
}

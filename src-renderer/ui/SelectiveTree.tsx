// The server's folders as a tree with sizes, loaded a level at a time, with tri-state checkboxes,
// and the sentence of what applying would free or download (UI.md "Selective sync dialog").
// Shared by the first-run wizard ("Choose what to sync") and the Selective sync dialog.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { IpcClient } from '../../src-shared/ipc/client.ts';
import type { SelectiveFolder, SelectivePreview } from '../../src-shared/ipc/contract.ts';
import { ErrorLine } from './Dialog.tsx';
import { formatBytes, messageOf } from './format.ts';

type Children = Map<string, SelectiveFolder[]>;
const TOP = '';

function descendantsOf(id: string, children: Children): string[] {
  const out: string[] = [];
  for (const child of children.get(id) ?? []) out.push(child.id, ...descendantsOf(child.id, children));
  return out;
}

function TriStateBox({ state, label, disabled, onToggle }: { state: 'checked' | 'unchecked' | 'partial'; label: string; disabled: boolean; onToggle: () => void }) {
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = state === 'partial';
  }, [state]);
  return <input ref={ref} type="checkbox" aria-label={label} checked={state === 'checked'} disabled={disabled} onChange={onToggle} />;
}

export interface SelectiveTreeProps {
  client: IpcClient;
  folderId: string;
  applyLabel: string;
  onApplied: (summary: string) => void;
  /** Extra buttons beside Apply (Cancel in the dialog). */
  children?: React.ReactNode;
}

export function SelectiveTree({ client, folderId, applyLabel, onApplied, children: extraButtons }: SelectiveTreeProps) {
  const [children, setChildren] = useState<Children>(new Map());
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const [excluded, setExcluded] = useState<Set<string> | undefined>();
  const [preview, setPreview] = useState<SelectivePreview>();
  const [error, setError] = useState<string>();
  const [applying, setApplying] = useState(false);
  const [ready, setReady] = useState(false);

  // The top level; until the first look at the server is done the app says "not ready": ask again.
  useEffect(() => {
    let current = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const listing = await client.request('selective.list', { folderId });
        if (!current) return;
        if (!listing.ready) {
          timer = setTimeout(() => void load(), 500);
          return;
        }
        setChildren(new Map([[TOP, listing.folders]]));
        setExcluded(new Set(listing.excludedIds));
        setReady(true);
      } catch (e) {
        if (current) setError(`Couldn't list the server's folders. ${messageOf(e)}`);
      }
    };
    void load();
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [client, folderId]);

  const excludedList = useMemo(() => (excluded ? [...excluded].sort() : undefined), [excluded]);
  useEffect(() => {
    if (!excludedList) return;
    let current = true;
    client.request('selective.preview', { folderId, excludedIds: excludedList }).then(
      (p) => current && setPreview(p),
      (e: unknown) => current && setError(`Couldn't work out the space needed. ${messageOf(e)}`),
    );
    return () => {
      current = false;
    };
  }, [client, folderId, excludedList]);

  async function expand(folder: SelectiveFolder) {
    const next = new Set(expanded);
    if (next.has(folder.id)) {
      next.delete(folder.id);
      setExpanded(next);
      return;
    }
    next.add(folder.id);
    setExpanded(next);
    if (children.has(folder.id)) return;
    try {
      const listing = await client.request('selective.list', { folderId, parentId: folder.id });
      setChildren((old) => new Map(old).set(folder.id, listing.folders));
    } catch (e) {
      setError(`Couldn't open ${folder.name}. ${messageOf(e)}`);
    }
  }

  function stateOf(folder: SelectiveFolder, ancestorExcluded: boolean): 'checked' | 'unchecked' | 'partial' {
    if (!excluded) return folder.state;
    if (ancestorExcluded || excluded.has(folder.id)) return 'unchecked';
    const loaded = children.get(folder.id);
    if (loaded) return descendantsOf(folder.id, children).some((id) => excluded.has(id)) ? 'partial' : 'checked';
    return folder.state === 'partial' ? 'partial' : 'checked';
  }

  function toggle(folder: SelectiveFolder, state: 'checked' | 'unchecked' | 'partial') {
    if (!excluded) return;
    const next = new Set(excluded);
    for (const id of descendantsOf(folder.id, children)) next.delete(id);
    if (state === 'unchecked') next.delete(folder.id);
    else next.add(folder.id);
    setExcluded(next);
  }

  async function apply() {
    if (!excludedList) return;
    setApplying(true);
    setError(undefined);
    try {
      const applied = await client.request('selective.apply', { folderId, excludedIds: excludedList });
      onApplied(applied.summary);
    } catch (e) {
      setError(`Couldn't change what is synced. ${messageOf(e)}`);
    } finally {
      setApplying(false);
    }
  }

  function rows(parent: string, depth: number, ancestorExcluded: boolean): React.ReactNode {
    return (children.get(parent) ?? []).map((folder) => {
      const state = stateOf(folder, ancestorExcluded);
      const open = expanded.has(folder.id);
      return (
        <li key={folder.id} role="treeitem" aria-expanded={folder.hasSubfolders ? open : undefined} aria-selected={false}>
          <div className="tree-row" style={{ paddingLeft: `${depth * 18}px` }}>
            {folder.hasSubfolders ? (
              <button type="button" className="twisty" aria-label={`${open ? 'Hide' : 'Show'} folders in ${folder.name}`} onClick={() => void expand(folder)}>
                {open ? '▾' : '▸'}
              </button>
            ) : (
              <span className="twisty-space" aria-hidden="true" />
            )}
            <label>
              <TriStateBox state={state} label={`Sync ${folder.name}`} disabled={ancestorExcluded || applying} onToggle={() => toggle(folder, state)} />
              <span className="tree-name">{folder.name}</span>
            </label>
            <span className="muted numbers">{formatBytes(folder.size)}</span>
          </div>
          {open && children.has(folder.id) ? <ul role="group">{rows(folder.id, depth + 1, state === 'unchecked')}</ul> : null}
        </li>
      );
    });
  }

  const top = children.get(TOP) ?? [];
  return (
    <div className="selective">
      {!ready ? <p className="muted">Looking at the server's folders…</p> : null}
      {ready && top.length === 0 ? <p>The server has no folders yet. Everything that appears will be synced.</p> : null}
      {top.length > 0 ? (
        <ul className="tree" role="tree" aria-label="Folders on the server">
          {rows(TOP, 0, false)}
        </ul>
      ) : null}
      {preview ? (
        <p className="preview-summary" aria-live="polite">
          {preview.summary}
        </p>
      ) : null}
      {preview && preview.keptBecauseUnsynced.length > 0 ? (
        <p className="muted">These have changes not on the server yet and will stay on this computer: {preview.keptBecauseUnsynced.join(', ')}</p>
      ) : null}
      <ErrorLine message={error} />
      <div className="dialog-buttons">
        {extraButtons}
        <button type="button" className="primary" disabled={!ready || applying || (preview !== undefined && !preview.fits)} onClick={() => void apply()}>
          {applying ? 'Applying…' : applyLabel}
        </button>
      </div>
    </div>
  );
}

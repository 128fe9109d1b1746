// Version history (UI.md): a file's versions newest first (time, device, size) with Restore (the
// current one stays in history) and Save a copy; and a "Deleted files" tab whose Restore puts a
// file back where it was, recreating folders.
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import type { StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { DeletedFile, FileVersion } from '../../src-shared/ipc/contract.ts';
import type { TandemView } from '../state/tandem-store.ts';
import { Dialog, ErrorLine } from './Dialog.tsx';
import { FolderPicker, useFirstFolderId } from './FolderPicker.tsx';
import { formatBytes, formatWhen, messageOf } from './format.ts';

function Versions({ store, folderId, initialPath }: { store: StoreApi<TandemView>; folderId: string; initialPath: string | undefined }) {
  const client = useStore(store, (s) => s.client);
  const [path, setPath] = useState(initialPath ?? '');
  const [shown, setShown] = useState(initialPath);
  const [versions, setVersions] = useState<FileVersion[]>();
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();
  const [busy, setBusy] = useState(false);

  const load = useCallback(
    async (file: string) => {
      setError(undefined);
      try {
        setVersions((await client.request('history.versions', { folderId, path: file })).versions);
      } catch (e) {
        setVersions(undefined);
        setError(messageOf(e));
      }
    },
    [client, folderId],
  );

  useEffect(() => {
    if (shown) void load(shown);
  }, [load, shown]);

  function show(event: FormEvent) {
    event.preventDefault();
    const file = path.trim().replace(/^\/+/, '');
    if (!file) return;
    setDone(undefined);
    setShown(file);
    void load(file);
  }

  async function act(action: () => Promise<{ message: string }>) {
    setBusy(true);
    setError(undefined);
    try {
      setDone((await action()).message);
      if (shown) await load(shown);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div>
      <form onSubmit={show} className="inline-form">
        <label className="field">
          File (its place inside the folder, like Documents/report.txt)
          <input type="text" value={path} onChange={(e) => setPath(e.target.value)} />
        </label>
        <div className="dialog-buttons">
          <button type="submit">Show versions</button>
        </div>
      </form>
      {done ? (
        <p className="done-message" role="status">
          {done}
        </p>
      ) : null}
      <ErrorLine message={error} />
      {shown && versions ? (
        versions.length === 0 ? (
          <p>Tandem has no versions of {shown}.</p>
        ) : (
          <table className="versions" aria-label={`Versions of ${shown}`}>
            <thead>
              <tr>
                <th scope="col">Saved</th>
                <th scope="col">By</th>
                <th scope="col">Size</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {versions.map((v) => (
                <tr key={v.version}>
                  <td>
                    {formatWhen(v.modifiedAt)}
                    {v.current ? ' (current)' : ''}
                  </td>
                  <td>{v.device}</td>
                  <td>{formatBytes(v.size)}</td>
                  <td className="row-actions">
                    {v.current ? null : (
                      <button type="button" className="small" disabled={busy} aria-label={`Restore the version saved ${formatWhen(v.modifiedAt)}`} onClick={() => void act(() => client.request('history.restoreVersion', { folderId, path: shown, version: v.version }))}>
                        Restore
                      </button>
                    )}
                    <button type="button" className="small" disabled={busy} aria-label={`Save a copy of the version saved ${formatWhen(v.modifiedAt)}`} onClick={() => void act(() => client.request('history.saveCopy', { folderId, path: shown, version: v.version }))}>
                      Save a copy
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
    </div>
  );
}

function Deleted({ store, folderId }: { store: StoreApi<TandemView>; folderId: string }) {
  const client = useStore(store, (s) => s.client);
  const [files, setFiles] = useState<DeletedFile[]>();
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      setFiles((await client.request('history.deleted', { folderId })).files);
    } catch (e) {
      setError(messageOf(e));
    }
  }, [client, folderId]);

  useEffect(() => {
    void load();
  }, [load]);

  async function restore(file: DeletedFile) {
    setBusy(true);
    setError(undefined);
    try {
      const result = await client.request('history.restoreDeleted', { folderId, ids: [file.id] });
      setDone(result.message);
      if (result.failed.length > 0) setError(result.failed.map((f) => f.message).join(' '));
      await load();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div>
      {done ? (
        <p className="done-message" role="status">
          {done}
        </p>
      ) : null}
      <ErrorLine message={error} />
      {files && files.length === 0 ? <p>No deleted files to bring back.</p> : null}
      {files && files.length > 0 ? (
        <table className="versions" aria-label="Deleted files">
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Deleted</th>
              <th scope="col">Size</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {files.map((f) => (
              <tr key={f.id}>
                <td title={f.path}>{f.path}</td>
                <td>{formatWhen(f.deletedAt)}</td>
                <td>{f.kind === 'folder' ? 'folder' : formatBytes(f.size)}</td>
                <td>
                  <button type="button" className="small" disabled={busy} aria-label={`Restore ${f.path}`} onClick={() => void restore(f)}>
                    Restore
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

export function HistoryDialog({ store }: { store: StoreApi<TandemView> }) {
  const open = useStore(store, (s) => s.open);
  const screen = useStore(store, (s) => s.screen);
  const first = useFirstFolderId(store);
  const asked = screen.kind === 'history' ? screen : undefined;
  const [tab, setTab] = useState<'versions' | 'deleted'>(asked?.tab ?? (asked?.path ? 'versions' : 'deleted'));
  const [chosen, setChosen] = useState<string | undefined>(asked?.folderId);
  const folderId = chosen ?? first;
  const close = () => open({ kind: 'popover' });
  return (
    <Dialog title="Version history" onClose={close} wide>
      <FolderPicker store={store} value={folderId} onChange={setChosen} />
      <div className="tabs" role="tablist" aria-label="History">
        <button type="button" role="tab" aria-selected={tab === 'versions'} onClick={() => setTab('versions')}>
          A file's versions
        </button>
        <button type="button" role="tab" aria-selected={tab === 'deleted'} onClick={() => setTab('deleted')}>
          Deleted files
        </button>
      </div>
      {folderId ? (
        <div role="tabpanel">{tab === 'versions' ? <Versions key={folderId} store={store} folderId={folderId} initialPath={asked?.path} /> : <Deleted key={folderId} store={store} folderId={folderId} />}</div>
      ) : null}
    </Dialog>
  );
}

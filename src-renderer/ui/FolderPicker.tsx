// Which synced folder a dialog is about: nothing to choose with one folder, a labelled list with more.
import type { StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { TandemView } from '../state/tandem-store.ts';

export function FolderPicker({ store, value, onChange }: { store: StoreApi<TandemView>; value: string | undefined; onChange: (id: string) => void }) {
  const folders = useStore(store, (s) => s.app?.folders ?? []);
  if (folders.length <= 1) return folders[0] ? <p className="muted">Folder: {folders[0].path}</p> : <p>No folder is set up yet.</p>;
  return (
    <label className="field">
      Folder
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        {folders.map((f) => (
          <option key={f.id} value={f.id}>
            {f.path}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The folder a dialog starts with: the one asked for, else the first. */
export function useFirstFolderId(store: StoreApi<TandemView>): string | undefined {
  return useStore(store, (s) => s.app?.folders[0]?.id);
}

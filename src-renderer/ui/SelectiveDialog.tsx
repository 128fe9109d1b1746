// The Selective sync dialog (UI.md): the server's folders with sizes and tri-state checkboxes, what
// applying would free or download, and Apply. Unchecked folders leave this computer (files with
// changes not on the server yet stay, and the dialog says so); re-checked ones come back.
import { useState } from 'react';
import type { StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { TandemView } from '../state/tandem-store.ts';
import { Dialog } from './Dialog.tsx';
import { FolderPicker, useFirstFolderId } from './FolderPicker.tsx';
import { SelectiveTree } from './SelectiveTree.tsx';

export function SelectiveDialog({ store }: { store: StoreApi<TandemView> }) {
  const client = useStore(store, (s) => s.client);
  const open = useStore(store, (s) => s.open);
  const first = useFirstFolderId(store);
  const [chosen, setChosen] = useState<string>();
  const [applied, setApplied] = useState<string>();
  const [generation, setGeneration] = useState(0);
  const folderId = chosen ?? first;
  const close = () => open({ kind: 'popover' });
  return (
    <Dialog title="Choose folders to sync" onClose={close}>
      <FolderPicker store={store} value={folderId} onChange={setChosen} />
      {applied ? (
        <p className="done-message" role="status">
          {applied}
        </p>
      ) : null}
      {folderId ? (
        <SelectiveTree
          key={`${folderId}:${generation}`}
          client={client}
          folderId={folderId}
          applyLabel="Apply"
          onApplied={(summary) => {
            setApplied(summary);
            // Reload the tree from what the app now holds.
            setGeneration((g) => g + 1);
          }}
        >
          <button type="button" onClick={close}>
            Cancel
          </button>
        </SelectiveTree>
      ) : null}
    </Dialog>
  );
}

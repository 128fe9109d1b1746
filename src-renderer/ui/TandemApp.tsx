// The window's one component: the popover, or the dialog it opened. Dialogs close back to it.
import type { StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { TandemView } from '../state/tandem-store.ts';
import { ConflictsDialog } from './ConflictsDialog.tsx';
import { HistoryDialog } from './HistoryDialog.tsx';
import { PreferencesDialog } from './PreferencesDialog.tsx';
import { SelectiveDialog } from './SelectiveDialog.tsx';
import { SetupWizard } from './SetupWizard.tsx';
import { StatusPopover } from './StatusPopover.tsx';

export function TandemApp({ store }: { store: StoreApi<TandemView> }) {
  const screen = useStore(store, (s) => s.screen);
  const reachable = useStore(store, (s) => s.connection.kind === 'open');
  // A dialog needs the app; when the line drops, the popover says so.
  if (!reachable) return <StatusPopover store={store} />;
  switch (screen.kind) {
    case 'setup':
      return <SetupWizard store={store} />;
    case 'conflicts':
      return <ConflictsDialog store={store} />;
    case 'selective':
      return <SelectiveDialog store={store} />;
    case 'history':
      return <HistoryDialog store={store} />;
    case 'preferences':
      return <PreferencesDialog store={store} />;
    default:
      return <StatusPopover store={store} />;
  }
}

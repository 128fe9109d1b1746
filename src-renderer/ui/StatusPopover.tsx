// The first screen, shaped like the tray popover (UI.md): the state in one sentence, pause/resume,
// the version — or, when the app cannot be reached, one clear message saying what to do.
import type { StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { AppPhase } from '../../src-shared/ipc/contract.ts';
import type { TandemView } from '../state/tandem-store.ts';

function CantReach({ reason }: { reason: string }) {
  return (
    <section className="notice" role="alert" aria-labelledby="cant-reach-title">
      <h2 id="cant-reach-title">Can't reach Tandem</h2>
      <p>{reason}</p>
    </section>
  );
}

function StatusLine({ phase, summary }: { phase: AppPhase | 'connecting'; summary: string }) {
  return (
    <p className="status-line" data-phase={phase} aria-live="polite">
      <span className="status-dot" aria-hidden="true" />
      <span>{summary}</span>
    </p>
  );
}

export function StatusPopover({ store }: { store: StoreApi<TandemView> }) {
  const connection = useStore(store, (s) => s.connection);
  const app = useStore(store, (s) => s.app);
  const busy = useStore(store, (s) => s.busy);
  const actionError = useStore(store, (s) => s.actionError);
  const setPaused = useStore(store, (s) => s.setPaused);

  const reachable = connection.kind === 'open';
  return (
    <main className="popover" aria-labelledby="popover-title">
      <header className="popover-header">
        <h1 id="popover-title">Tandem</h1>
      </header>
      <div className="popover-body">
        {connection.kind === 'unreachable' ? <CantReach reason={connection.reason} /> : null}
        {app && reachable ? (
          <StatusLine phase={app.phase} summary={app.summary} />
        ) : connection.kind !== 'unreachable' ? (
          <StatusLine phase="connecting" summary="Connecting to Tandem…" />
        ) : null}
        {actionError ? (
          <p className="action-error" role="alert">
            {actionError}
          </p>
        ) : null}
      </div>
      {app ? (
        <footer className="bottom-bar">
          <button
            type="button"
            className="primary"
            disabled={!reachable || busy}
            aria-label={app.paused ? 'Resume syncing' : 'Pause syncing'}
            onClick={() => void setPaused(!app.paused)}
          >
            {app.paused ? 'Resume' : 'Pause'}
          </button>
          <span className="version">Version {app.version}</span>
        </footer>
      ) : null}
    </main>
  );
}

// The popover (UI.md "The popover"): the state in one sentence and, while syncing, one progress
// bar with files, bytes and time left; "Needs you" (absent when nothing needs the person); recent
// activity; and the bottom bar (pause for a while or until resumed, resume, preferences) — or,
// when the app cannot be reached, one clear message saying what to do.
import { useEffect, useRef, useState } from 'react';
import type { StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { ActivityEntry, AppPhase, HealthItem, Progress } from '../../src-shared/ipc/contract.ts';
import type { TandemView } from '../state/tandem-store.ts';
import { ErrorLine } from './Dialog.tsx';
import { baseName, formatAgo, formatBytes, formatTimeLeft, messageOf } from './format.ts';

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

/** One overall bar; it never goes backwards while the same batch of work is under way. */
function ProgressBlock({ progress }: { progress: Progress }) {
  const highest = useRef({ key: '', fraction: 0 });
  const key = `${progress.filesTotal}:${progress.bytesTotal}`;
  const raw = progress.bytesTotal > 0 ? progress.bytesDone / progress.bytesTotal : progress.filesTotal > 0 ? progress.filesDone / progress.filesTotal : 0;
  if (highest.current.key !== key) highest.current = { key, fraction: 0 };
  highest.current.fraction = Math.max(highest.current.fraction, Math.min(1, raw));
  const percent = Math.round(highest.current.fraction * 100);
  return (
    <div className="progress">
      <div className="progress-track" role="progressbar" aria-label="Sync progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
        <div className="progress-fill" style={{ width: `${percent}%` }} />
      </div>
      <p className="progress-numbers numbers">
        <span>
          {progress.filesDone} of {progress.filesTotal} files
        </span>
        <span>
          {formatBytes(progress.bytesDone)} of {formatBytes(progress.bytesTotal)}
        </span>
        <span>{formatTimeLeft(progress.secondsLeft)}</span>
      </p>
    </div>
  );
}

/** Rows about one file or folder on this disk: their fix starts by finding it. */
const SHOWN_IN_FOLDER = new Set<HealthItem['kind']>(['skipped', 'error', 'notice']);

function NeedsYou({ store, items, more, say }: { store: StoreApi<TandemView>; items: HealthItem[]; more: number; say: (message: string) => void }) {
  const client = useStore(store, (s) => s.client);
  const openFolder = useOpenFolder(store, say);
  const open = useStore(store, (s) => s.open);
  const [error, setError] = useState<string>();
  const [answering, setAnswering] = useState(false);
  const conflicts = items.filter((i) => i.kind === 'conflict');
  const others = items.filter((i) => i.kind !== 'conflict');
  async function answer(item: HealthItem, value: 'yes' | 'no') {
    if (!item.folderId || !item.question) return;
    setAnswering(true);
    setError(undefined);
    try {
      await client.request('health.answerMassDelete', { folderId: item.folderId, batchKey: item.question.batchKey, answer: value });
    } catch (e) {
      setError(`Couldn't send your answer. ${messageOf(e)}`);
    } finally {
      setAnswering(false);
    }
  }
  return (
    <section className="needs-you" aria-labelledby="needs-you-title">
      <h2 id="needs-you-title">Needs you</h2>
      <ul>
        {conflicts.length > 0 ? (
          <li className="needs-row">
            <div>
              <strong>{conflicts.length === 1 ? '1 file was changed on two computers' : `${conflicts.length} files were changed on two computers`}</strong>
              <p>Choose which version to keep.</p>
            </div>
            <button type="button" onClick={() => open({ kind: 'conflicts' })}>
              Resolve…
            </button>
          </li>
        ) : null}
        {others.map((item) => (
          <li key={item.id} className="needs-row" data-kind={item.kind}>
            <div>
              <strong>{item.title}</strong>
              <p>{item.fix}</p>
              {item.question && item.question.samplePaths.length > 0 ? <p className="muted">For example: {item.question.samplePaths.slice(0, 3).join(', ')}</p> : null}
            </div>
            {item.question ? (
              <div className="row-buttons">
                <button type="button" disabled={answering} onClick={() => void answer(item, 'yes')}>
                  {item.question.yesLabel}
                </button>
                <button type="button" disabled={answering} onClick={() => void answer(item, 'no')}>
                  {item.question.noLabel}
                </button>
              </div>
            ) : item.kind === 'large_folder' ? (
              <button type="button" onClick={() => open({ kind: 'selective' })}>
                Choose…
              </button>
            ) : item.folderId && item.path && SHOWN_IN_FOLDER.has(item.kind) ? (
              <button type="button" aria-label={`Show ${baseName(item.path)} in its folder`} onClick={() => openFolder(item.folderId!, item.path!)}>
                Show
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {more > 0 ? <p className="muted">And {more} more.</p> : null}
      <ErrorLine message={error} />
    </section>
  );
}

const ACTION_WORDS: Record<ActivityEntry['action'], string> = {
  added: 'Added',
  changed: 'Changed',
  moved: 'Moved',
  deleted: 'Deleted',
  restored: 'Restored',
  conflict: 'Changed on two computers',
};

/** Opens a synced folder (or a file's folder) in the file manager; says where it is when it cannot. */
function useOpenFolder(store: StoreApi<TandemView>, say: (message: string) => void) {
  const client = useStore(store, (s) => s.client);
  return (folderId: string, path?: string) => {
    client.request('app.openFolder', { folderId, path }).then(
      (answer) => say(answer.message),
      (e: unknown) => say(`Couldn't open the folder. ${messageOf(e)}`),
    );
  };
}

function RecentActivity({ store, say }: { store: StoreApi<TandemView>; say: (message: string) => void }) {
  const openFolder = useOpenFolder(store, say);
  const activity = useStore(store, (s) => s.activity);
  const open = useStore(store, (s) => s.open);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  if (activity.length === 0) return null;
  return (
    <section className="activity" aria-labelledby="activity-title">
      <h2 id="activity-title">Recent activity</h2>
      <ul>
        {activity.map((entry) => (
          <li key={entry.id} className="activity-row">
            <div className="activity-text">
              <button type="button" className="activity-name link" title={entry.path} aria-label={`Show ${baseName(entry.path)} in its folder`} onClick={() => openFolder(entry.folderId, entry.path)}>
                {baseName(entry.path)}
              </button>
              <span className="muted">
                {ACTION_WORDS[entry.action]} by {entry.device} · {formatAgo(entry.at, now)}
              </span>
            </div>
            {entry.kind === 'file' && entry.action !== 'deleted' ? (
              <button type="button" className="small" aria-label={`Version history of ${baseName(entry.path)}`} onClick={() => open({ kind: 'history', folderId: entry.folderId, path: entry.path, tab: 'versions' })}>
                History
              </button>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function StatusPopover({ store }: { store: StoreApi<TandemView> }) {
  const connection = useStore(store, (s) => s.connection);
  const app = useStore(store, (s) => s.app);
  const busy = useStore(store, (s) => s.busy);
  const actionError = useStore(store, (s) => s.actionError);
  const setPaused = useStore(store, (s) => s.setPaused);
  const pause = useStore(store, (s) => s.pause);
  const open = useStore(store, (s) => s.open);
  const client = useStore(store, (s) => s.client);
  const [health, setHealth] = useState<{ items: HealthItem[]; more: number }>({ items: [], more: 0 });
  const [said, say] = useState<string>();
  const openFolder = useOpenFolder(store, say);
  const firstFolder = app?.folders[0];

  const reachable = connection.kind === 'open';
  // "Needs you" follows the app: asked again whenever the count of things needing the person changes.
  const attention = app?.attentionCount ?? 0;
  const setUp = app?.setUp ?? false;
  useEffect(() => {
    if (!reachable || !setUp) return;
    let current = true;
    client.request('health.get', {}).then(
      (report) => current && setHealth({ items: report.items.filter((i) => i.kind !== 'setup'), more: report.more }),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [client, reachable, setUp, attention, app?.conflictCount]);

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
        {app && reachable && app.progress ? <ProgressBlock progress={app.progress} /> : null}
        {app && reachable && !app.setUp ? (
          <section className="needs-you" aria-labelledby="setup-title">
            <h2 id="setup-title">Get started</h2>
            <p>Keep your files the same on all your computers.</p>
            <button type="button" className="primary" onClick={() => open({ kind: 'setup' })}>
              Set up Tandem…
            </button>
          </section>
        ) : null}
        {app && reachable && app.setUp && health.items.length > 0 ? <NeedsYou store={store} items={health.items} more={health.more} say={say} /> : null}
        {app && reachable && app.setUp ? <RecentActivity store={store} say={say} /> : null}
        {said ? (
          <p className="said" role="status">
            {said}
          </p>
        ) : null}
        <ErrorLine message={actionError} />
      </div>
      {app ? (
        <footer className="bottom-bar">
          <div className="pause-buttons" role="group" aria-label="Pause or resume">
            <button
              type="button"
              className="primary"
              disabled={!reachable || busy}
              aria-label={app.paused ? 'Resume syncing' : 'Pause syncing'}
              onClick={() => void setPaused(!app.paused)}
            >
              {app.paused ? 'Resume' : 'Pause'}
            </button>
            {app.paused ? null : (
              <>
                <button type="button" className="small" disabled={!reachable || busy} aria-label="Pause for 30 minutes" onClick={() => void pause('30m')}>
                  30 min
                </button>
                <button type="button" className="small" disabled={!reachable || busy} aria-label="Pause for 1 hour" onClick={() => void pause('1h')}>
                  1 h
                </button>
              </>
            )}
          </div>
          {app.setUp ? (
            <div className="bar-links">
              {firstFolder ? (
                <button type="button" className="small" disabled={!reachable} aria-label="Open the Tandem folder" onClick={() => openFolder(firstFolder.id)}>
                  Open folder
                </button>
              ) : null}
              <button type="button" className="small" disabled={!reachable} aria-label="Choose folders to sync" onClick={() => open({ kind: 'selective' })}>
                Folders
              </button>
              <button type="button" className="small" disabled={!reachable} onClick={() => open({ kind: 'history', tab: 'deleted' })} aria-label="Version history">
                History
              </button>
              <button type="button" className="small" disabled={!reachable} onClick={() => open({ kind: 'preferences' })}>
                Preferences
              </button>
            </div>
          ) : null}
          <span className="version">Version {app.version}</span>
        </footer>
      ) : null}
    </main>
  );
}

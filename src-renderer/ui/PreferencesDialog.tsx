// Preferences (UI.md): account (server, user, sign out), folder location (move it), start at login,
// notifications, updates, bandwidth limits, pause on metered networks (where this computer can tell), ignore rules (with examples), the
// mass-delete and large-new-folder thresholds, what to do with new conflicts, and about (version,
// logs folder, copy diagnostics).
import { type FormEvent, useEffect, useState } from 'react';
import type { StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { type ConflictDefault, type HostedServer, type SettingsPatch, type SettingsView, updateUrlProblem } from '../../src-shared/ipc/contract.ts';
import type { TandemView } from '../state/tandem-store.ts';
import { Dialog, ErrorLine } from './Dialog.tsx';
import { messageOf } from './format.ts';

type Draft = Required<SettingsPatch>;

function draftOf(view: SettingsView): Draft {
  return {
    deviceName: view.deviceName,
    startAtLogin: view.startAtLogin,
    notifications: view.notifications,
    bandwidth: { ...view.bandwidth },
    pauseOnMeteredNetworks: view.pauseOnMeteredNetworks,
    massDelete: { ...view.massDelete },
    largeFolderThresholdMiB: view.largeFolderThresholdMiB,
    conflictDefault: view.conflictDefault,
    updateUrl: view.updateUrl,
  };
}

/** A whole number from a field, or undefined when it is not one (the form then says so). */
function wholeNumber(text: string): number | undefined {
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) : undefined;
}

function NumberField({ label, value, min, onChange }: { label: string; value: number; min: number; onChange: (n: number) => void }) {
  const [text, setText] = useState(String(value));
  useEffect(() => setText(String(value)), [value]);
  const parsed = wholeNumber(text);
  const invalid = parsed === undefined || parsed < min;
  return (
    <label className="field">
      {label}
      <input
        type="number"
        inputMode="numeric"
        min={min}
        value={text}
        aria-invalid={invalid}
        onChange={(e) => {
          setText(e.target.value);
          const n = wholeNumber(e.target.value);
          if (n !== undefined && n >= min) onChange(n);
        }}
      />
      {invalid ? <span className="action-error">Enter a whole number of {min} or more.</span> : null}
    </label>
  );
}

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  const id = `prefs-${title.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <section className="prefs-section" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

function IgnoreRulesEditor({ store, folderId }: { store: StoreApi<TandemView>; folderId: string }) {
  const client = useStore(store, (s) => s.client);
  const [text, setText] = useState<string>();
  const [examples, setExamples] = useState('');
  const [status, setStatus] = useState<string>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    client.request('settings.getIgnoreRules', { folderId }).then(
      (rules) => {
        setText(rules.text);
        setExamples(rules.examples);
      },
      (e: unknown) => setError(messageOf(e)),
    );
  }, [client, folderId]);
  async function save() {
    setError(undefined);
    setStatus(undefined);
    try {
      const saved = await client.request('settings.setIgnoreRules', { folderId, text: text ?? '' });
      setText(saved.text);
      setStatus('Ignore rules saved.');
    } catch (e) {
      setError(`Couldn't save the ignore rules. ${messageOf(e)}`);
    }
  }
  if (text === undefined) return <ErrorLine message={error} />;
  return (
    <div>
      <label className="field">
        Files and folders Tandem leaves alone (one pattern a line)
        <textarea value={text} placeholder={examples} onChange={(e) => setText(e.target.value)} />
      </label>
      {examples ? <pre className="muted examples">{examples}</pre> : null}
      <div className="dialog-buttons">
        <button type="button" onClick={() => void save()}>
          Save ignore rules
        </button>
      </div>
      {status ? <p role="status">{status}</p> : null}
      <ErrorLine message={error} />
    </div>
  );
}

export function PreferencesDialog({ store }: { store: StoreApi<TandemView> }) {
  const client = useStore(store, (s) => s.client);
  const open = useStore(store, (s) => s.open);
  const [view, setView] = useState<SettingsView>();
  const [draft, setDraft] = useState<Draft>();
  const [hosted, setHosted] = useState<HostedServer | null>(null);
  const [status, setStatus] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [newPath, setNewPath] = useState('');
  const [diagnostics, setDiagnostics] = useState<string>();

  useEffect(() => {
    client.request('settings.get', {}).then(
      (v) => {
        setView(v);
        setDraft(draftOf(v));
        setNewPath(v.folders[0]?.path ?? '');
      },
      (e: unknown) => setError(`Couldn't read the preferences. ${messageOf(e)}`),
    );
    client.request('settings.hostedServer', {}).then(
      (answer) => setHosted(answer.server),
      () => undefined,
    );
  }, [client]);

  async function run(what: string, action: () => Promise<string>) {
    setBusy(true);
    setError(undefined);
    setStatus(undefined);
    try {
      setStatus(await action());
    } catch (e) {
      setError(`Couldn't ${what}. ${messageOf(e)}`);
    } finally {
      setBusy(false);
    }
  }

  function save(event: FormEvent) {
    event.preventDefault();
    if (!draft) return;
    void run('save the preferences', async () => {
      const saved = await client.request('settings.update', { ...draft, deviceName: draft.deviceName.trim() });
      setView(saved);
      setDraft(draftOf(saved));
      return 'Preferences saved.';
    });
  }

  const updateProblem = draft?.updateUrl ? updateUrlProblem(draft.updateUrl) : undefined;
  const close = () => open({ kind: 'popover' });
  const set = (patch: Partial<Draft>) => setDraft((d) => (d ? { ...d, ...patch } : d));
  const folder = view?.folders[0];
  const account = view?.accounts[0];
  return (
    <Dialog title="Preferences" onClose={close}>
      {status ? (
        <p className="done-message" role="status">
          {status}
        </p>
      ) : null}
      <ErrorLine message={error} />
      {view && draft ? (
        <>
          <Section title="Account">
            {account ? (
              <p>
                Signed in as <strong>{account.user}</strong> on {account.server}
                {account.hosted ? ' (hosted on this computer)' : ''}.
              </p>
            ) : (
              <p>Not signed in.</p>
            )}
            {hosted ? <p>Other computers should use: {hosted.addresses.join(', ') || hosted.localUrl}. {hosted.message}</p> : null}
            {view.credentialStorage === 'file' ? <p className="warning">Your sign-in is kept in a file only your user can read, not in a keychain.</p> : null}
            {account ? (
              <button
                type="button"
                disabled={busy}
                onClick={() =>
                  void run('sign out', async () => {
                    await client.request('account.signOut', { accountId: account.id });
                    setView(await client.request('settings.get', {}));
                    return 'Signed out. Your files stay on this computer.';
                  })
                }
              >
                Sign out
              </button>
            ) : null}
          </Section>
          {folder ? (
            <Section title="Folder location">
              <form
                onSubmit={(e) => {
                  e.preventDefault();
                  void run('move the folder', async () => {
                    const moved = await client.request('folders.move', { folderId: folder.id, newPath: newPath.trim() });
                    setView(await client.request('settings.get', {}));
                    return `The Tandem folder is now ${moved.path}.`;
                  });
                }}
              >
                <label className="field">
                  Tandem folder
                  <input type="text" value={newPath} onChange={(e) => setNewPath(e.target.value)} />
                </label>
                <div className="dialog-buttons">
                  <button type="submit" disabled={busy || newPath.trim() === folder.path}>
                    Move the folder
                  </button>
                </div>
              </form>
            </Section>
          ) : null}
          <form onSubmit={save}>
            <Section title="This computer">
              <label className="field">
                This computer's name
                <input type="text" value={draft.deviceName} onChange={(e) => set({ deviceName: e.target.value })} />
              </label>
              <label className="check">
                <input type="checkbox" checked={draft.startAtLogin} onChange={(e) => set({ startAtLogin: e.target.checked })} /> Start Tandem when I log in
              </label>
              {view.startAtLoginSupported ? null : <p className="muted">This takes effect in the desktop app.</p>}
              <label className="check">
                <input type="checkbox" checked={draft.notifications} onChange={(e) => set({ notifications: e.target.checked })} /> Show notifications for conflicts and errors
              </label>
              <label className="check">
                <input
                  type="checkbox"
                  checked={view.meteredDetection.available && draft.pauseOnMeteredNetworks}
                  disabled={!view.meteredDetection.available}
                  aria-describedby="metered-detection"
                  onChange={(e) => set({ pauseOnMeteredNetworks: e.target.checked })}
                />{' '}
                Pause on metered networks
              </label>
              {/* Linux (NetworkManager) and Windows say whether a network is metered; macOS does not tell Node or Electron. */}
              <p className="muted" id="metered-detection">
                {view.meteredDetection.message}
                {view.meteredDetection.available ? '' : ' Pause Tandem from the tray while you use one.'}
              </p>
            </Section>
            <Section title="Updates">
              <label className="field">
                Update server (leave empty to not look for updates)
                <input
                  type="url"
                  value={draft.updateUrl ?? ''}
                  placeholder="https://updates.example.com/tandem"
                  aria-invalid={updateProblem !== undefined}
                  aria-describedby="update-url-help"
                  onChange={(e) => set({ updateUrl: e.target.value.trim() === '' ? null : e.target.value.trim() })}
                />
              </label>
              {updateProblem ? <span className="action-error">{updateProblem}</span> : null}
              {!updateProblem && draft.updateUrl?.startsWith('http:') ? (
                <p className="warning">Over plain http, anyone on the network between here and the server could hand Tandem a fake update. Use https if your server has it.</p>
              ) : null}
              <p className="muted" id="update-url-help">
                {view.updatesSupported
                  ? 'Tandem looks there for new versions a minute after it starts and every 6 hours, and installs them when you quit.'
                  : 'The desktop app looks there for new versions; this window cannot update itself.'}
              </p>
            </Section>
            <Section title="Bandwidth (KB per second, 0 for no limit)">
              <NumberField label="Upload limit" value={draft.bandwidth.uploadKiBps} min={0} onChange={(n) => set({ bandwidth: { ...draft.bandwidth, uploadKiBps: n } })} />
              <NumberField label="Download limit" value={draft.bandwidth.downloadKiBps} min={0} onChange={(n) => set({ bandwidth: { ...draft.bandwidth, downloadKiBps: n } })} />
            </Section>
            <Section title="Safety">
              <NumberField label="Ask before deleting more than this many files" value={draft.massDelete.minCount} min={1} onChange={(n) => set({ massDelete: { ...draft.massDelete, minCount: n } })} />
              <NumberField label="…when that is more than this percent of the folder" value={draft.massDelete.percent} min={1} onChange={(n) => set({ massDelete: { ...draft.massDelete, percent: Math.min(100, n) } })} />
              <NumberField label="Ask before downloading a new server folder larger than (MB)" value={draft.largeFolderThresholdMiB} min={1} onChange={(n) => set({ largeFolderThresholdMiB: n })} />
              <label className="field">
                When a file is changed on two computers
                <select value={draft.conflictDefault} onChange={(e) => set({ conflictDefault: e.target.value as ConflictDefault })}>
                  <option value="ask">Ask me</option>
                  <option value="newest">Keep the newest</option>
                  <option value="mine">Keep this computer's</option>
                  <option value="theirs">Keep the other computer's</option>
                  <option value="both">Keep both</option>
                </select>
              </label>
            </Section>
            <div className="dialog-buttons">
              <button type="submit" className="primary" disabled={busy || updateProblem !== undefined}>
                Save preferences
              </button>
            </div>
          </form>
          {folder ? (
            <Section title="Ignore rules">
              <IgnoreRulesEditor store={store} folderId={folder.id} />
            </Section>
          ) : null}
          <Section title="About">
            <p>Version {view.about.version}</p>
            <p className="muted">Logs: {view.about.logsFolder}</p>
            <button
              type="button"
              onClick={() =>
                void run('collect diagnostics', async () => {
                  const { text } = await client.request('settings.diagnostics', {});
                  setDiagnostics(text);
                  const copied = await navigator.clipboard?.writeText(text).then(
                    () => true,
                    () => false,
                  );
                  return copied ? 'Diagnostics copied. They hold no file names or passwords.' : 'Select the diagnostics below and copy them. They hold no file names or passwords.';
                })
              }
            >
              Copy diagnostics
            </button>
            {diagnostics ? <textarea readOnly aria-label="Diagnostics" value={diagnostics} /> : null}
          </Section>
        </>
      ) : null}
    </Dialog>
  );
}

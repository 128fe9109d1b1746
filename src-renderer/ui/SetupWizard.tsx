// The first-run wizard (UI.md "First run"): welcome; where the server is (an address and sign-in,
// or "Host on this computer"); the Tandem folder (with what choosing it means); what to sync; done.
import { type FormEvent, useEffect, useState } from 'react';
import type { StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { FolderInspection, SignedInAccount } from '../../src-shared/ipc/contract.ts';
import type { TandemView } from '../state/tandem-store.ts';
import { Dialog, ErrorLine } from './Dialog.tsx';
import { messageOf } from './format.ts';
import { SelectiveTree } from './SelectiveTree.tsx';

type Step = 'welcome' | 'server' | 'folder' | 'choose' | 'done';

/** The port a server hosted here listens on unless the person picks another. */
const DEFAULT_HOSTED_PORT = 8750;

/** Where other computers find a server hosted here, in a sentence (or why they can't yet). */
function HostedAddresses({ account }: { account: SignedInAccount }) {
  if (account.addresses.length > 0) return <p className="hosted-addresses">Other computers should use: {account.addresses.join(', ')}</p>;
  const port = new URL(account.server).port;
  return <p className="hosted-addresses">This computer is not on a network right now. Once it is, other computers use its network address with port {port}; Preferences shows it.</p>;
}

export function SetupWizard({ store }: { store: StoreApi<TandemView> }) {
  const client = useStore(store, (s) => s.client);
  const open = useStore(store, (s) => s.open);
  const [step, setStep] = useState<Step>('welcome');
  const [mode, setMode] = useState<'server' | 'host'>('server');
  const [server, setServer] = useState('');
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [deviceName, setDeviceName] = useState('');
  const [port, setPort] = useState(String(DEFAULT_HOSTED_PORT));
  const [folder, setFolder] = useState('');
  const [inspection, setInspection] = useState<FolderInspection>();
  const [account, setAccount] = useState<SignedInAccount>();
  const [folderId, setFolderId] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [appliedSummary, setAppliedSummary] = useState<string>();

  useEffect(() => {
    client.request('setup.defaults', {}).then(
      (defaults) => {
        setFolder((f) => f || defaults.folder);
        setDeviceName((d) => d || defaults.deviceName);
      },
      () => undefined,
    );
  }, [client]);

  // Say what choosing this folder would mean, a moment after the person stops typing.
  useEffect(() => {
    if (step !== 'folder' || !folder.trim()) return;
    let current = true;
    const timer = setTimeout(() => {
      client.request('setup.inspectFolder', { path: folder.trim() }).then(
        (result) => current && setInspection(result),
        (e: unknown) => current && setError(messageOf(e)),
      );
    }, 300);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [client, step, folder]);

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  }

  function signIn(event: FormEvent) {
    event.preventDefault();
    void run(async () => {
      if (mode === 'host') {
        const portNumber = Number(port.trim() || DEFAULT_HOSTED_PORT);
        if (!Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535) throw new Error(`"${port}" is not a port; use a whole number from 1 to 65535, like ${DEFAULT_HOSTED_PORT}.`);
        setAccount(await client.request('setup.hostHere', { user: user.trim(), password, port: portNumber, deviceName: deviceName.trim() || undefined }));
      } else {
        const check = await client.request('setup.checkServer', { server: server.trim() });
        if (!check.ok) throw new Error(check.message);
        setAccount(await client.request('setup.signIn', { server: check.server, user: user.trim(), password, deviceName: deviceName.trim() || undefined }));
      }
      setPassword('');
      setStep('folder');
    });
  }

  function chooseFolder(event: FormEvent) {
    event.preventDefault();
    void run(async () => {
      const checked = await client.request('setup.inspectFolder', { path: folder.trim() });
      setInspection(checked);
      if (!checked.usable) throw new Error(checked.message);
      const added = await client.request('folders.add', { path: checked.path, accountId: account?.accountId, chooseFirst: true });
      setFolderId(added.id);
      setStep('choose');
    });
  }

  const close = () => open({ kind: 'popover' });
  return (
    <Dialog title="Set up Tandem" onClose={close}>
      <p className="muted step-count">
        Step {['welcome', 'server', 'folder', 'choose', 'done'].indexOf(step) + 1} of 5
      </p>
      {step === 'welcome' ? (
        <div>
          <h2>Keep your files the same on all your computers.</h2>
          <p>Tandem keeps a folder on this computer in step with your own Tandem server. Nothing is lost: old versions and deleted files can be brought back.</p>
          <div className="dialog-buttons">
            <button type="button" className="primary" onClick={() => setStep('server')}>
              Continue
            </button>
          </div>
        </div>
      ) : null}
      {step === 'server' ? (
        <form onSubmit={signIn}>
          <h2>Where is your Tandem server?</h2>
          <fieldset className="choice">
            <legend>Server</legend>
            <label>
              <input type="radio" name="mode" checked={mode === 'server'} onChange={() => setMode('server')} /> It runs somewhere else
            </label>
            <label>
              <input type="radio" name="mode" checked={mode === 'host'} onChange={() => setMode('host')} /> Host on this computer
            </label>
          </fieldset>
          {mode === 'server' ? (
            <label className="field">
              Server address
              <input type="url" required value={server} placeholder="https://tandem.example.com" onChange={(e) => setServer(e.target.value)} />
            </label>
          ) : (
            <>
              <p className="muted">The server runs inside Tandem on this computer. Make the account other computers will sign in with.</p>
              <label className="field">
                Port other computers connect to
                <input type="text" inputMode="numeric" value={port} onChange={(e) => setPort(e.target.value)} />
              </label>
            </>
          )}
          <label className="field">
            User name
            <input type="text" required autoComplete="username" value={user} onChange={(e) => setUser(e.target.value)} />
          </label>
          <label className="field">
            Password
            <input type="password" required minLength={mode === 'host' ? 8 : 1} autoComplete={mode === 'host' ? 'new-password' : 'current-password'} value={password} onChange={(e) => setPassword(e.target.value)} />
          </label>
          <label className="field">
            This computer's name
            <input type="text" value={deviceName} onChange={(e) => setDeviceName(e.target.value)} />
          </label>
          <ErrorLine message={error} />
          <div className="dialog-buttons">
            <button type="button" onClick={() => setStep('welcome')}>
              Back
            </button>
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Signing in…' : mode === 'host' ? 'Start the server' : 'Sign in'}
            </button>
          </div>
        </form>
      ) : null}
      {step === 'folder' ? (
        <form onSubmit={chooseFolder}>
          <h2>Choose the Tandem folder</h2>
          {account ? (
            <p className="muted">
              {mode === 'host' ? `The server is running on this computer; signed in to it as ${account.user}.` : `Signed in as ${account.user} on ${account.server}.`}
            </p>
          ) : null}
          {account && mode === 'host' ? <HostedAddresses account={account} /> : null}
          {account?.warning ? <p className="warning">{account.warning}</p> : null}
          <label className="field">
            Folder on this computer
            <input type="text" required value={folder} onChange={(e) => setFolder(e.target.value)} />
          </label>
          {inspection && inspection.path === folder.trim() ? <p className="folder-message" aria-live="polite">
              {inspection.message}
            </p> : null}
          <ErrorLine message={error} />
          <div className="dialog-buttons">
            <button type="submit" className="primary" disabled={busy}>
              Continue
            </button>
          </div>
        </form>
      ) : null}
      {step === 'choose' && folderId ? (
        <div>
          <h2>Choose what to sync</h2>
          <p className="muted">Everything is synced unless you uncheck it.</p>
          <SelectiveTree
            client={client}
            folderId={folderId}
            applyLabel="Start syncing"
            onApplied={(summary) => {
              setAppliedSummary(summary);
              setStep('done');
            }}
          />
        </div>
      ) : null}
      {step === 'done' ? (
        <div>
          <h2>Tandem is syncing</h2>
          {appliedSummary ? <p>{appliedSummary}</p> : null}
          <p>Files you put in {inspection?.path ?? folder} now reach your other computers.</p>
          {account && mode === 'host' ? <HostedAddresses account={account} /> : null}
          <div className="dialog-buttons">
            <button type="button" className="primary" onClick={close}>
              Done
            </button>
          </div>
        </div>
      ) : null}
    </Dialog>
  );
}

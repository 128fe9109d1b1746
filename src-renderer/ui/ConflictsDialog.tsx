// The Conflicts dialog (UI.md): the list on the left (file, folder, when), the chosen conflict on
// the right as two cards titled by the device that made each side, with time, size and a preview
// (a line diff for text, both images, or file type and size); "Keep this one" under each card,
// "Keep both", and the same rule for all of them, optionally remembered for new conflicts.
// A choice is undoable for a few seconds: the app holds it before touching the disk, the row
// leaves the list at once, and Undo brings it back. Closing the dialog, or making the next
// choice, applies the one held (one Undo on screen at a time, for the latest choice).
import { useCallback, useEffect, useRef, useState } from 'react';
import type { StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { ConflictChoice, ConflictDetail, ConflictSide, ConflictSummary } from '../../src-shared/ipc/contract.ts';
import type { TandemView } from '../state/tandem-store.ts';
import { Dialog, ErrorLine } from './Dialog.tsx';
import { formatBytes, formatWhen, messageOf } from './format.ts';

function SideCard({ side, image, choose, disabled }: { side: ConflictSide; image: string | null | undefined; choose: () => void; disabled: boolean }) {
  return (
    <article className="card" aria-label={side.device}>
      <h3>{side.device}</h3>
      <p className="muted numbers">
        Changed {formatWhen(side.modifiedAt)} · {formatBytes(side.size)}
      </p>
      {image ? <img src={image} alt={`The version from ${side.device}`} /> : null}
      <button type="button" className="primary" disabled={disabled} aria-label={`Keep this one: the version from ${side.device}`} onClick={choose}>
        Keep this one
      </button>
    </article>
  );
}

function Preview({ detail }: { detail: ConflictDetail }) {
  const preview = detail.preview;
  if (preview.kind === 'text') {
    return (
      <div>
        <p className="muted">
          Lines only in the version from {detail.mine.device} are green; lines only in the version from {detail.theirs.device} are blue.
        </p>
        <pre className="diff" aria-label="Differences between the two versions">
          {preview.lines.map((line, index) => (
            <div key={index} data-kind={line.kind}>
              {line.kind === 'mine' ? '+ ' : line.kind === 'theirs' ? '- ' : '  '}
              {line.text}
            </div>
          ))}
        </pre>
        {preview.truncated ? <p className="muted">Only the start of the file is shown.</p> : null}
      </div>
    );
  }
  if (preview.kind === 'image') return preview.message ? <p className="muted">{preview.message}</p> : null;
  return <p className="muted">{preview.message}</p>;
}

export function ConflictsDialog({ store }: { store: StoreApi<TandemView> }) {
  const client = useStore(store, (s) => s.client);
  const open = useStore(store, (s) => s.open);
  const conflictCount = useStore(store, (s) => s.app?.conflictCount ?? 0);
  const [list, setList] = useState<ConflictSummary[]>();
  const [more, setMore] = useState(0);
  const [selected, setSelected] = useState<string>();
  const [detail, setDetail] = useState<ConflictDetail>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();
  const [rule, setRule] = useState<ConflictChoice>('newest');
  const [remember, setRemember] = useState(false);
  /** The latest choice, still held by the app and undoable until `until`. */
  const [undo, setUndo] = useState<{ id: string; until: number }>();
  const undoRef = useRef<{ id: string; until: number }>(undefined);
  undoRef.current = undo;

  // The Undo button goes when the app applies the choice.
  useEffect(() => {
    if (!undo) return;
    const timer = setTimeout(() => setUndo((current) => (current?.id === undo.id ? undefined : current)), Math.max(0, undo.until - Date.now()));
    return () => clearTimeout(timer);
  }, [undo]);

  // Closing the dialog applies a held choice now: nobody is left to press Undo.
  useEffect(
    () => () => {
      const held = undoRef.current;
      if (held) void client.request('conflicts.applyNow', { undoId: held.id }).catch(() => undefined);
    },
    [client],
  );

  const reload = useCallback(async () => {
    try {
      const answer = await client.request('conflicts.list', {});
      setList(answer.conflicts);
      setMore(answer.more);
      setSelected((current) => (current && answer.conflicts.some((c) => c.id === current) ? current : answer.conflicts[0]?.id));
    } catch (e) {
      setError(`Couldn't list the conflicts. ${messageOf(e)}`);
    }
  }, [client]);

  // Again whenever the app's count changes (a new conflict, or one resolved elsewhere).
  useEffect(() => {
    void reload();
  }, [reload, conflictCount]);

  useEffect(() => {
    setDetail(undefined);
    if (!selected) return;
    let current = true;
    client.request('conflicts.get', { conflictId: selected }).then(
      (d) => current && setDetail(d),
      (e: unknown) => current && setError(`Couldn't show that conflict. ${messageOf(e)}`),
    );
    return () => {
      current = false;
    };
  }, [client, selected]);

  /** `what`: the choice in words for one conflict ("Kept the version from Bob desktop"). */
  async function resolve(ids: string[], choice: ConflictChoice, rememberIt: boolean, what?: string) {
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      // One Undo at a time: the choice before this one happens now.
      const previous = undoRef.current;
      setUndo(undefined);
      if (previous) {
        const applied = await client.request('conflicts.applyNow', { undoId: previous.id });
        if (applied.failed.length > 0) setError(applied.failed.map((f) => f.message).join(' '));
      }
      const result = await client.request('conflicts.resolve', { conflictIds: ids, choice, remember: rememberIt || undefined, undoable: true });
      const kept =
        what && result.resolved.length === 1
          ? `${result.resolved[0]!.path}: ${what}`
          : result.resolved.length > 3
            ? `${result.resolved.length} files resolved`
            : result.resolved.map((r) => `${r.path}: kept ${r.kept.join(' and ')}`).join('. ');
      setDone(`${kept ? `${kept}. ` : ''}${result.message}`);
      setUndo(result.undo ?? undefined);
      if (result.failed.length > 0) setError(result.failed.map((f) => f.message).join(' '));
      await reload();
    } catch (e) {
      setError(`Couldn't resolve that. ${messageOf(e)}`);
    } finally {
      setBusy(false);
    }
  }

  async function undoLast() {
    const held = undoRef.current;
    if (!held) return;
    setBusy(true);
    setError(undefined);
    setUndo(undefined);
    try {
      setDone((await client.request('conflicts.undo', { undoId: held.id })).message);
      await reload();
    } catch (e) {
      setDone(undefined);
      setError(`Couldn't undo that. ${messageOf(e)}`);
    } finally {
      setBusy(false);
    }
  }

  const close = () => open({ kind: 'popover' });
  const current = detail && detail.id === selected ? detail : undefined;
  const all = list ?? [];
  return (
    <Dialog title="Conflicts" onClose={close} wide>
      {done ? (
        <p className="done-message" role="status">
          {done}{' '}
          {undo ? (
            <button type="button" className="small" disabled={busy} onClick={() => void undoLast()}>
              Undo
            </button>
          ) : null}
        </p>
      ) : null}
      <ErrorLine message={error} />
      {list && all.length === 0 ? <p>No conflicts. Every file has one version.</p> : null}
      {all.length > 0 ? (
        <div className="split">
          <nav aria-label="Files changed on two computers">
            <ul className="plain-list conflict-list">
              {all.map((c) => (
                <li key={c.id}>
                  <button type="button" aria-current={c.id === selected} onClick={() => setSelected(c.id)}>
                    <strong>{c.name}</strong>
                    <br />
                    <span className="muted">
                      {c.parent ? `in ${c.parent}` : 'in the top folder'} · {formatWhen(c.detectedAt)}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
            {more > 0 ? <p className="muted">And {more} more after these.</p> : null}
          </nav>
          <div>
            {current ? (
              <section aria-label={`Conflict: ${current.path}`}>
                <h2>{current.path}</h2>
                <p>{current.message}</p>
                <div className="cards">
                  <SideCard side={current.mine} image={current.preview.kind === 'image' ? current.preview.mine : undefined} disabled={busy || !current.resolvable} choose={() => void resolve([current.id], 'mine', false, `kept the version from ${current.mine.device}`)} />
                  <SideCard side={current.theirs} image={current.preview.kind === 'image' ? current.preview.theirs : undefined} disabled={busy || !current.resolvable} choose={() => void resolve([current.id], 'theirs', false, `kept the version from ${current.theirs.device}`)} />
                </div>
                <Preview detail={current} />
                <div className="dialog-buttons">
                  <button type="button" disabled={busy || !current.resolvable} onClick={() => void resolve([current.id], 'both', false)}>
                    Keep both
                  </button>
                </div>
                <p className="muted">The version you don't keep stays in version history.</p>
              </section>
            ) : (
              <p className="muted">Loading…</p>
            )}
            <fieldset className="choice">
              <legend>All {all.length + more} conflicts</legend>
              <label className="field">
                Rule
                <select value={rule} onChange={(e) => setRule(e.target.value as ConflictChoice)}>
                  <option value="newest">Keep the newest</option>
                  <option value="mine">Keep this computer's</option>
                  <option value="both">Keep both</option>
                </select>
              </label>
              <label>
                <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} /> Remember my choice for new conflicts
              </label>
              <button type="button" disabled={busy} onClick={() => void resolve(all.map((c) => c.id), rule, remember)}>
                Apply to all {all.length} conflicts
              </button>
            </fieldset>
          </div>
        </div>
      ) : null}
    </Dialog>
  );
}

// Health: everything in "Needs you", each with what happened and what to do -- conflicts, the
// mass-delete question with its two answers, names not synced (with the reason and the fix),
// failed operations, stopped or unreachable folders, and warnings about the app itself (the
// sign-in kept in a plain file, unreadable settings, a hosted server that did not start), and new
// server folders left out for being larger than the threshold (large-folders.ts).
import type { HealthItem, IpcHandlers } from '../../src-shared/ipc/contract.ts';
import type { StatusEntry } from '../engine/sync/status.ts';
import type { AccountsService } from './accounts.ts';
import type { AppContext } from './app-context.ts';
import type { FoldersService } from './folders.ts';

/** Items in one answer at most: an IPC message stays well under its 1 MiB limit. */
const MAX_ITEMS = 1000;

/** What to do about a name that was not synced, by the engine's reason code. */
const FIXES: Record<string, string> = {
  skipped_name: 'Rename it on the computer where it was made, to a name this computer can hold.',
  invalid_name: "Rename it here; the server can't store that name.",
  kept_ignored: "It holds files Tandem ignores; delete them yourself if you don't need them.",
  excluded_content: 'It is inside a folder you left out; move it elsewhere, or include that folder again in Selective sync.',
  blocked: 'Tandem tries again shortly; if it stays, rename the file that has the same name.',
  symlink: 'Links are not synced; put the file itself in the folder if you want it synced.',
  invalid_utf8: 'Rename it; its name has characters other computers cannot read.',
  special_file: 'Only files and folders are synced; nothing to do.',
  unreadable: 'Check that you may open this folder (its permissions).',
  encoding_conflict: 'Two names here look the same; rename one of them.',
  excluded_kept: 'It has changes that are not on the server; move it out or delete it yourself when you no longer need it.',
  watcher: 'Nothing to do; Tandem looks for changes every few minutes instead.',
};

export function fixFor(entry: StatusEntry): string {
  return FIXES[entry.code] ?? 'Tandem tries again on its own; if it keeps happening, check that the file is not open in another program.';
}

export class HealthService {
  readonly #ctx: AppContext;
  readonly #folders: FoldersService;
  readonly #accounts: AccountsService;
  readonly #settingsWarning: () => string | undefined;
  readonly #largeFolders: () => HealthItem[];

  constructor(ctx: AppContext, folders: FoldersService, accounts: AccountsService, settingsWarning: () => string | undefined, largeFolders: () => HealthItem[] = () => []) {
    this.#ctx = ctx;
    this.#folders = folders;
    this.#accounts = accounts;
    this.#settingsWarning = settingsWarning;
    this.#largeFolders = largeFolders;
  }

  /** App-level warnings (not tied to a folder). */
  warnings(): HealthItem[] {
    const items: HealthItem[] = [];
    const hasAccount = this.#ctx.settings.current.accounts.length > 0;
    const credentialWarning = this.#ctx.credentials.warning;
    if (credentialWarning && hasAccount) {
      items.push({ id: 'credentials', folderId: null, kind: 'credentials', severity: 'warning', path: null, title: credentialWarning, fix: 'Set up a keychain for your user, or use the desktop app, then sign in again.' });
    }
    const settingsWarning = this.#settingsWarning();
    if (settingsWarning) items.push({ id: 'settings', folderId: null, kind: 'setup', severity: 'warning', path: null, title: settingsWarning, fix: 'Check your preferences and set them again.' });
    const hosted = this.#accounts.hostedProblem;
    if (hosted) items.push({ id: 'hosted-server', folderId: null, kind: 'error', severity: 'error', path: null, title: hosted, fix: 'Close whatever uses that port, then restart Tandem.' });
    return items;
  }

  report(): HealthItem[] {
    const items: HealthItem[] = [];
    for (const runtime of this.#folders.runtimes()) {
      const folderId = runtime.record.id;
      const status = runtime.status;
      if (runtime.problem && !runtime.engine) {
        items.push({ id: `${folderId}:problem`, folderId, kind: 'stopped', severity: 'error', path: null, title: runtime.problem, fix: 'Sign in again, or check that the folder exists, then restart Tandem.' });
      }
      if (!status) continue;
      if (status.state === 'stopped' || status.state === 'error') {
        items.push({ id: `${folderId}:state`, folderId, kind: status.state === 'stopped' ? 'stopped' : 'error', severity: 'error', path: null, title: status.message, fix: 'Follow what the message says; Tandem starts again once it is fixed.' });
      }
      if (status.state === 'offline') {
        items.push({ id: `${folderId}:offline`, folderId, kind: 'offline', severity: 'warning', path: null, title: "Tandem can't reach the server right now.", fix: 'It keeps trying; check your network, or that the server is running.' });
      }
      for (const question of status.questions) {
        const here = question.side === 'local';
        items.push({
          id: `${folderId}:question:${question.batchKey}`,
          folderId,
          kind: 'mass_delete',
          severity: 'warning',
          path: null,
          title: question.message,
          fix: here
            ? 'Choose whether to delete these files on this computer too, or to keep them (they are put back on the server).'
            : 'Choose whether to delete these files everywhere, or to keep them (they come back on this computer).',
          question: { ...question, yesLabel: 'Delete them', noLabel: 'Keep them' },
        });
      }
      for (const conflict of status.conflicts) {
        items.push({ id: `${folderId}:conflict:${conflict.path}`, folderId, kind: 'conflict', severity: 'warning', path: conflict.path, title: `${conflict.path} was changed on two computers at once.`, fix: 'Open Conflicts and choose which version to keep (or keep both).' });
      }
      for (const skipped of status.skipped) {
        items.push({ id: `${folderId}:skipped:${skipped.code}:${skipped.path}`, folderId, kind: 'skipped', severity: 'warning', path: skipped.path, title: skipped.message, fix: fixFor(skipped) });
      }
      for (const error of status.errors) {
        items.push({ id: `${folderId}:error:${error.code}:${error.path}`, folderId, kind: 'error', severity: 'error', path: error.path || null, title: error.message, fix: fixFor(error) });
      }
      for (const notice of status.notices) {
        items.push({ id: `${folderId}:notice:${notice.code}:${notice.path}`, folderId, kind: 'notice', severity: 'info', path: notice.path || null, title: notice.message, fix: fixFor(notice) });
      }
    }
    return [...this.warnings(), ...this.#largeFolders(), ...items];
  }

  readonly handlers: Pick<IpcHandlers, 'health.get'> = {
    'health.get': async () => {
      const items = this.report();
      return { items: items.slice(0, MAX_ITEMS), more: Math.max(0, items.length - MAX_ITEMS) };
    },
  };
}

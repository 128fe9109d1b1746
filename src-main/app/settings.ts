// Preferences: reading and changing the persisted settings, with each change taking effect where
// it belongs (bandwidth at once in every engine; device name and mass-delete threshold by
// reopening the engines, which read them when they open; start at login through the desktop
// shell when there is one), the folder's ignore rules (its .tandemignore), and diagnostics.
import { randomUUID } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { arch, platform, release } from 'node:os';
import { join } from 'node:path';
import type { IpcHandlers, SettingsPatch, SettingsView } from '../../src-shared/ipc/contract.ts';
import type { AccountsService } from './accounts.ts';
import type { AppContext } from './app-context.ts';
import type { FoldersService } from './folders.ts';
import type { MeteredPause } from './metered.ts';

export const IGNORE_EXAMPLES = [
  '# One pattern per line, like .gitignore. Examples:',
  '# *.tmp          every file ending in .tmp',
  '# build/         every folder named build',
  '# /Private       only the Private folder at the top',
  '# !keep.tmp      but do sync keep.tmp',
].join('\n');

export class SettingsService {
  readonly #ctx: AppContext;
  readonly #folders: FoldersService;
  readonly #accounts: AccountsService;
  readonly #metered: MeteredPause;

  constructor(ctx: AppContext, folders: FoldersService, accounts: AccountsService, metered: MeteredPause) {
    this.#ctx = ctx;
    this.#folders = folders;
    this.#accounts = accounts;
    this.#metered = metered;
  }

  #meteredDetection(): SettingsView['meteredDetection'] {
    const unavailable = this.#metered.unavailable;
    if (unavailable) return { available: false, message: unavailable };
    if (this.#folders.held) return { available: true, message: 'This network is metered, so Tandem is paused until you are on another one.' };
    const problem = this.#metered.problem;
    if (problem) return { available: true, message: `Tandem could not tell whether this network is metered (${problem}), so it keeps syncing.` };
    return { available: true, message: 'Tandem asks this computer every minute whether its network is metered.' };
  }

  view(): SettingsView {
    const s = this.#ctx.settings.current;
    return {
      accounts: s.accounts.map((a) => ({ id: a.id, server: a.server, user: a.user, hosted: a.hosted })),
      deviceName: s.deviceName,
      folders: s.folders.map((f) => ({ id: f.id, path: f.path, accountId: f.accountId })),
      startAtLogin: s.startAtLogin,
      startAtLoginSupported: this.#ctx.options.loginItems !== undefined,
      notifications: s.notifications,
      bandwidth: s.bandwidth,
      pauseOnMeteredNetworks: s.pauseOnMeteredNetworks,
      meteredDetection: this.#meteredDetection(),
      massDelete: s.massDelete,
      largeFolderThresholdMiB: s.largeFolderThresholdMiB,
      conflictDefault: s.conflictDefault,
      updateUrl: s.updateUrl,
      updatesSupported: this.#ctx.options.updates === true,
      credentialStorage: this.#ctx.credentials.kind,
      about: { version: this.#ctx.options.version, stateFolder: this.#ctx.options.stateDir, logsFolder: join(this.#ctx.options.stateDir, 'logs') },
    };
  }

  async update(patch: SettingsPatch): Promise<SettingsView> {
    const before = this.#ctx.settings.current;
    const after = await this.#ctx.settings.update((s) => ({ ...s, ...patch }));
    if (patch.bandwidth) this.#folders.applyBandwidth();
    if (patch.pauseOnMeteredNetworks !== undefined) await this.#metered.check();
    if (patch.startAtLogin !== undefined && this.#ctx.options.loginItems) await this.#ctx.options.loginItems.set(patch.startAtLogin);
    const reopen =
      (patch.deviceName !== undefined && patch.deviceName !== before.deviceName) ||
      (patch.massDelete !== undefined && (patch.massDelete.minCount !== before.massDelete.minCount || patch.massDelete.percent !== before.massDelete.percent));
    if (reopen) await this.#folders.reopenAll();
    void after;
    return this.view();
  }

  #ignorePath(folderId: string): string {
    return join(this.#folders.get(folderId).record.path, '.tandemignore');
  }

  async ignoreRules(folderId: string) {
    let text = '';
    try {
      text = await readFile(this.#ignorePath(folderId), 'utf8');
    } catch {
      // No rules yet.
    }
    return { folderId, text, examples: IGNORE_EXAMPLES };
  }

  /** Writes .tandemignore (synced, so every computer uses the same rules); empty text removes it. */
  async setIgnoreRules(folderId: string, text: string) {
    const path = this.#ignorePath(folderId);
    const normalized = text.replace(/\r\n/gu, '\n');
    if (normalized.trim() === '') await rm(path, { force: true });
    else {
      const temp = join(path, '..', `.tandem-ignore-${randomUUID()}`);
      await writeFile(temp, normalized.endsWith('\n') ? normalized : `${normalized}\n`);
      await rename(temp, path);
    }
    void this.#folders.get(folderId).engine?.runUntilIdle().catch(() => undefined);
    return this.ignoreRules(folderId);
  }

  /** What support needs, without file names, passwords or tokens. */
  diagnostics(): string {
    const s = this.#ctx.settings.current;
    const lines = [
      `Tandem ${this.#ctx.options.version}`,
      `System: ${platform()} ${release()} ${arch()}, Node ${process.versions.node}`,
      `Sign-in kept in: ${this.#ctx.credentials.kind}`,
      `Accounts: ${s.accounts.length} (${s.accounts.filter((a) => a.hosted).length} hosted here)`,
      `Paused: ${s.pause ? (s.pause.until === null ? 'until resumed' : `until ${new Date(s.pause.until).toISOString()}`) : 'no'}`,
      `Bandwidth limits (KiB/s): up ${s.bandwidth.uploadKiBps || 'none'}, down ${s.bandwidth.downloadKiBps || 'none'}`,
      `Notifications: ${s.notifications ? 'on' : 'off'}`,
      // Whether an update address is set and its scheme, not the address (it may name a private server).
      `Updates: ${s.updateUrl ? `checked at an ${new URL(s.updateUrl).protocol.replace(':', '')} address` : 'no address set'}${this.#ctx.options.updates ? '' : ' (this shell does not update)'}`,
      `Pause on metered networks: ${s.pauseOnMeteredNetworks ? 'on' : 'off'}${this.#metered.unavailable ? ' (cannot tell here)' : ''}${this.#folders.held ? '; held now' : ''}${this.#metered.problem ? `; last check failed: ${this.#metered.problem}` : ''}`,
      `New-folder limit: ${s.largeFolderThresholdMiB} MB; folders held back: ${Object.values(s.largeFoldersAsked).reduce((n, ids) => n + ids.length, 0)}`,
    ];
    for (const [n, runtime] of this.#folders.runtimes().entries()) {
      const status = runtime.status;
      lines.push(
        `Folder ${n + 1}: ${status?.state ?? 'not open'}; pending ${status ? `${status.pending.uploads} up, ${status.pending.downloads} down, ${status.pending.other} other` : '-'}; ` +
          `${status?.conflicts.length ?? 0} conflicts, ${status?.skipped.length ?? 0} skipped, ${status?.errors.length ?? 0} errors; ` +
          `last in sync ${status?.lastSyncedAt ? new Date(status.lastSyncedAt).toISOString() : 'never'}${runtime.problem ? '; not syncing' : ''}`,
      );
    }
    return lines.join('\n');
  }

  hostedServer() {
    const hosted = this.#accounts.hosted;
    if (!hosted) {
      const problem = this.#accounts.hostedProblem;
      return problem ? { localUrl: '', addresses: [], running: false, message: problem } : null;
    }
    const message =
      hosted.addresses.length > 0
        ? `Other computers connect to ${hosted.addresses[0]}${hosted.addresses.length > 1 ? ' (or another address of this computer)' : ''}.`
        : 'The server listens only on this computer.';
    return { localUrl: hosted.localUrl, addresses: hosted.addresses, running: true, message };
  }

  readonly handlers: Pick<IpcHandlers, 'settings.get' | 'settings.update' | 'settings.getIgnoreRules' | 'settings.setIgnoreRules' | 'settings.diagnostics' | 'settings.hostedServer'> = {
    'settings.get': async () => this.view(),
    'settings.update': (patch) => this.update(patch),
    'settings.getIgnoreRules': ({ folderId }) => this.ignoreRules(folderId),
    'settings.setIgnoreRules': ({ folderId, text }) => this.setIgnoreRules(folderId, text),
    'settings.diagnostics': async () => ({ text: this.diagnostics() }),
    'settings.hostedServer': async () => ({ server: this.hostedServer() }),
  };
}

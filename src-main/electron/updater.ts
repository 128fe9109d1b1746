// Looking for new versions with electron-updater's generic provider, at the address the person
// set in Preferences (settings.updateUrl). The address baked into app-update.yml at build time is
// only a placeholder (electron-builder.yml): the feed URL is set from the settings before every
// check, so a change in Preferences is used by the next check without a restart. No address: no
// check at all (self-hosters may not run an update server). electron-updater's autoUpdater is
// injected, so this is tested with a fake.

/** The part of electron-updater's AppUpdater this uses. */
export interface AutoUpdaterLike {
  autoDownload: boolean;
  autoInstallOnAppQuit: boolean;
  setFeedURL(options: { provider: 'generic'; url: string; channel?: string }): void;
  checkForUpdatesAndNotify(): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** Every 6 hours, and once shortly after start (not at once: the app has more urgent work then). */
export const UPDATE_CHECK_INTERVAL_MS = 6 * 60 * 60_000;
export const FIRST_UPDATE_CHECK_DELAY_MS = 60_000;

export type UpdateCheckOutcome = 'checked' | 'no-url' | 'failed';

export interface UpdateCheckerOptions {
  autoUpdater: AutoUpdaterLike;
  /** The settings' updateUrl, read afresh before every check. */
  updateUrl: () => Promise<string | null>;
  log: (line: string) => void;
  /** Test seam: timers. */
  setInterval?: (run: () => void, ms: number) => unknown;
  setTimeout?: (run: () => void, ms: number) => unknown;
  clear?: (timer: unknown) => void;
}

export class UpdateChecker {
  readonly #options: UpdateCheckerOptions;
  readonly #timers: unknown[] = [];
  #lastUrl: string | undefined;

  constructor(options: UpdateCheckerOptions) {
    this.#options = options;
    const updater = options.autoUpdater;
    // Download in the background and install when the person quits: never interrupt them.
    updater.autoDownload = true;
    updater.autoInstallOnAppQuit = true;
    // An update server that is down is not the person's problem right now: log it, try later.
    updater.on('error', (error) => options.log(`updates: ${error.message.split('\n')[0]}`));
  }

  /** Sets the feed from the settings and checks, or does nothing when no address is set. */
  async check(): Promise<UpdateCheckOutcome> {
    let url: string | null;
    try {
      url = await this.#options.updateUrl();
    } catch (error) {
      this.#options.log(`updates: could not read the settings: ${error instanceof Error ? error.message : String(error)}`);
      return 'failed';
    }
    if (!url) return 'no-url';
    try {
      if (url !== this.#lastUrl) {
        this.#options.autoUpdater.setFeedURL({ provider: 'generic', url });
        this.#lastUrl = url;
      }
      await this.#options.autoUpdater.checkForUpdatesAndNotify();
      return 'checked';
    } catch (error) {
      this.#options.log(`updates: the check at ${url} failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
      return 'failed';
    }
  }

  /** Checks shortly after start and then every few hours. */
  start(): void {
    const later = this.#options.setTimeout ?? setTimeout;
    const every = this.#options.setInterval ?? setInterval;
    const first = later(() => void this.check(), FIRST_UPDATE_CHECK_DELAY_MS);
    const repeat = every(() => void this.check(), UPDATE_CHECK_INTERVAL_MS);
    // Never what keeps the app running.
    for (const timer of [first, repeat]) (timer as { unref?: () => void }).unref?.();
    this.#timers.push(first, repeat);
  }

  stop(): void {
    const clear = this.#options.clear ?? ((timer: unknown) => clearTimeout(timer as NodeJS.Timeout));
    for (const timer of this.#timers.splice(0)) clear(timer);
  }
}

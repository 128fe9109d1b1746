// What every app service shares: the options the shell gave, the settings, the credential store
// and the event outlet. Services receive it (and the services they use) when they are made, the
// way VS Code hands services their dependencies: nothing reaches for a global.
import type { IpcEventName, IpcEventPayload } from '../../src-shared/ipc/contract.ts';
import type { FolderSyncOptions } from '../engine/sync/folder-sync.ts';
import type { CredentialStore, KeyringEntryFactory, SecretCipher } from './credentials.ts';
import type { MeteredSource } from './metered.ts';
import type { Schedule } from './notifications.ts';
import type { SettingsStore } from './settings-store.ts';

export interface AppOptions {
  version: string;
  /** Where the app keeps its own state (settings, indexes, credentials, a hosted server's data). */
  stateDir: string;
  /** A credential store chosen by the shell; otherwise `cipher`, else the keychain, else a file. */
  credentials?: CredentialStore;
  /** The desktop shell's secret cipher (Electron's safeStorage): tokens are sealed by it. */
  cipher?: SecretCipher;
  /** The OS keychain to try before the file (default @napi-rs/keyring); a string says why there is none. */
  keyring?: KeyringEntryFactory | string;
  /** The desktop shell's "open at login" switch; absent in the headless host. */
  loginItems?: { set(enabled: boolean): void | Promise<void> };
  /** True in the desktop shell, which looks for updates at the settings' updateUrl; absent in the headless host. */
  updates?: boolean;
  /** The desktop shell's "show in the file manager" (Electron's shell.openPath: '' or why not); absent in the headless host. */
  openPath?: (absolutePath: string) => Promise<string>;
  /** Where "host on this computer" listens: every address by default, so other computers reach it. */
  hostedServerHost?: string;
  /** Engine options for every folder (tests: watch off, short settle times). */
  engine?: Partial<Omit<FolderSyncOptions, 'folder' | 'stateDir' | 'client' | 'rootId' | 'device' | 'onStatus' | 'onOperation'>>;
  /** Remote client options (tests: fast retries). */
  remoteRetry?: { baseDelayMs: number; maxDelayMs: number; maxAttempts: number; maxRetryAfterMs: number };
  /** Whether the network is metered (tests: a fake); the running platform's otherwise. */
  metered?: MeteredSource;
  /** How often the metered check runs (default a minute). */
  meteredCheckIntervalMs?: number;
  /** Test seam: the notification limiter's timer (a fake clock); setTimeout otherwise. */
  notificationSchedule?: Schedule;
  /** The clock (pause timers, activity times, notifications). */
  now?: () => number;
}

export interface AppEvents {
  emit<N extends IpcEventName>(name: N, payload: IpcEventPayload<N>): void;
}

export interface AppContext {
  readonly options: AppOptions;
  readonly settings: SettingsStore;
  readonly credentials: CredentialStore;
  readonly events: AppEvents;
  now(): number;
}

// The app's persisted settings: one JSON file in the state folder, checked with zod when read and
// written atomically (a temp file beside it, flushed, then renamed over), so a crash mid-write
// leaves the old settings or the new ones, never half a file. A file that cannot be read is kept
// aside (settings.json.unreadable-<time>) and defaults are used, with a warning for health.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConflictDefault, UpdateUrl } from '../../src-shared/ipc/models.ts';

export const SETTINGS_FILE = 'settings.json';

const AccountRecord = z.object({
  id: z.string().min(1),
  server: z.string().min(1),
  user: z.string().min(1),
  rootId: z.string().min(1),
  deviceId: z.string(),
  /** The server runs inside this app ("host on this computer"). */
  hosted: z.boolean().default(false),
});
export type AccountRecord = z.infer<typeof AccountRecord>;

const FolderRecord = z.object({
  id: z.string().min(1),
  accountId: z.string().min(1),
  path: z.string().min(1),
});
export type FolderRecord = z.infer<typeof FolderRecord>;

export const StoredSettings = z.object({
  version: z.literal(1).default(1),
  deviceName: z.string().min(1).max(200).default(() => defaultDeviceName()),
  accounts: z.array(AccountRecord).default([]),
  folders: z.array(FolderRecord).default([]),
  /** null: not paused; until null: until resumed; a number: until then (ms). */
  pause: z.object({ until: z.number().nullable() }).nullable().default(null),
  startAtLogin: z.boolean().default(false),
  notifications: z.boolean().default(true),
  bandwidth: z.object({ uploadKiBps: z.number().int().min(0), downloadKiBps: z.number().int().min(0) }).default({ uploadKiBps: 0, downloadKiBps: 0 }),
  pauseOnMeteredNetworks: z.boolean().default(false),
  // DESIGN.md: more than 25 files and more than 30% of the folder.
  massDelete: z.object({ minCount: z.number().int().min(1), percent: z.number().int().min(1).max(100) }).default({ minCount: 25, percent: 30 }),
  largeFolderThresholdMiB: z.number().int().min(1).default(1024),
  /** Per folder id: new server folders over the threshold already asked about (never held back twice). */
  largeFoldersAsked: z.record(z.string(), z.array(z.string())).default({}),
  conflictDefault: ConflictDefault.default('ask'),
  /** The update server (electron-updater's generic feed); null: the desktop app does not look for updates. */
  updateUrl: UpdateUrl.nullable().default(null),
  /** The server this app hosts, when it does. */
  hostedServer: z.object({ port: z.number().int().min(0).max(65535) }).nullable().default(null),
});
export type StoredSettings = z.infer<typeof StoredSettings>;

export function defaultDeviceName(): string {
  return hostname() || 'This computer';
}

export function defaultSettings(): StoredSettings {
  return StoredSettings.parse({});
}

/**
 * A quick synchronous look at the settings, for the state shown before the app has opened (the
 * tray draws at once): set up or not, paused or not. Anything unreadable reads as the defaults.
 */
export function peekSettings(stateDir: string): StoredSettings {
  try {
    const parsed = StoredSettings.safeParse(JSON.parse(readFileSync(join(stateDir, SETTINGS_FILE), 'utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // Missing or unreadable: the defaults.
  }
  return defaultSettings();
}

export interface LoadedSettings {
  settings: StoredSettings;
  /** Set when the file existed but could not be used (then defaults are in effect). */
  warning: string | undefined;
}

export async function loadSettings(stateDir: string): Promise<LoadedSettings> {
  const path = join(stateDir, SETTINGS_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { settings: defaultSettings(), warning: undefined };
    throw error;
  }
  let parsed: z.ZodSafeParseResult<StoredSettings>;
  try {
    parsed = StoredSettings.safeParse(JSON.parse(text));
  } catch {
    parsed = { success: false } as z.ZodSafeParseResult<StoredSettings>;
  }
  if (parsed.success) return { settings: parsed.data, warning: undefined };
  const aside = `${path}.unreadable-${Date.now()}`;
  await rename(path, aside).catch(() => undefined);
  return {
    settings: defaultSettings(),
    warning: `Tandem's settings file could not be read, so the defaults are in use; the old file is kept as ${aside}.`,
  };
}

/** Writes the settings atomically: a crash leaves either the old file or the new one. */
export async function saveSettings(stateDir: string, settings: StoredSettings): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const path = join(stateDir, SETTINGS_FILE);
  const temp = `${path}.${randomUUID()}.tmp`;
  const valid = StoredSettings.parse(settings);
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(valid, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * The settings as one serialised owner: reads are of the current value, and every change is a
 * function applied and saved in turn, so two changes at once never lose one another.
 */
export class SettingsStore {
  readonly stateDir: string;
  #current: StoredSettings;
  #queue: Promise<unknown> = Promise.resolve();
  readonly warning: string | undefined;

  private constructor(stateDir: string, loaded: LoadedSettings) {
    this.stateDir = stateDir;
    this.#current = loaded.settings;
    this.warning = loaded.warning;
  }

  static async open(stateDir: string): Promise<SettingsStore> {
    return new SettingsStore(stateDir, await loadSettings(stateDir));
  }

  get current(): StoredSettings {
    return this.#current;
  }

  update(change: (settings: StoredSettings) => StoredSettings): Promise<StoredSettings> {
    const run = this.#queue.then(async () => {
      const next = StoredSettings.parse(change(structuredClone(this.#current)));
      await saveSettings(this.stateDir, next);
      this.#current = next;
      return next;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

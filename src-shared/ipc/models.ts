// The shapes the IPC contract (contract.ts) carries: status, activity, conflicts, selective sync,
// history, settings, health. Times are milliseconds since the Unix epoch; sizes are bytes; paths
// inside a synced folder are '/'-separated and relative to it. Every `summary`, `message`, `title`
// and `fix` is a sentence a person reads as it is.
import { z } from 'zod';

// --- status ------------------------------------------------------------------------------------------

/** The tray's six states (UI.md), plus `setup` before an account and a folder exist. */
export const AppPhase = z.enum(['setup', 'up-to-date', 'syncing', 'paused', 'offline', 'attention', 'error']);
export type AppPhase = z.infer<typeof AppPhase>;

export const Progress = z.object({
  filesDone: z.number().int().nonnegative(),
  filesTotal: z.number().int().nonnegative(),
  bytesDone: z.number().nonnegative(),
  bytesTotal: z.number().nonnegative(),
  /** null until there is a rate to go by. */
  secondsLeft: z.number().nonnegative().nullable(),
});
export type Progress = z.infer<typeof Progress>;

export const FolderView = z.object({
  id: z.string(),
  /** Where the folder is on this computer. */
  path: z.string(),
  phase: AppPhase,
  /** One sentence: "Up to date", "Syncing 3 files, 2.1 MB of 8 MB, about 1 min left", … */
  summary: z.string(),
  /** The server and user this folder syncs with. */
  server: z.string(),
  user: z.string(),
  progress: Progress.nullable(),
  pending: z.object({ uploads: z.number().int(), downloads: z.number().int(), other: z.number().int() }),
  lastSyncedAt: z.number().nullable(),
  conflictCount: z.number().int().nonnegative(),
  /** Conflicts, questions, skipped names and errors of this folder. */
  attentionCount: z.number().int().nonnegative(),
});
export type FolderView = z.infer<typeof FolderView>;

export const AppState = z.object({
  phase: AppPhase,
  /** One sentence for the status line and the tray tooltip. */
  summary: z.string(),
  paused: z.boolean(),
  /** When a timed pause ends; null when not paused or paused until resumed. */
  pausedUntil: z.number().nullable(),
  version: z.string(),
  /** True once an account and a folder are set up (the first-run wizard is done). */
  setUp: z.boolean(),
  /** All folders' transfers together, or null when nothing is transferring. */
  progress: Progress.nullable(),
  conflictCount: z.number().int().nonnegative(),
  /** Everything in "Needs you": conflicts, questions, skipped names, errors, warnings. */
  attentionCount: z.number().int().nonnegative(),
  folders: z.array(FolderView),
});
export type AppState = z.infer<typeof AppState>;

export const PauseDuration = z.enum(['30m', '1h', 'untilResumed']);
export type PauseDuration = z.infer<typeof PauseDuration>;

// --- first run ---------------------------------------------------------------------------------------------

export const SetupDefaults = z.object({ folder: z.string(), deviceName: z.string() });
export type SetupDefaults = z.infer<typeof SetupDefaults>;

export const ServerCheck = z.object({ ok: z.boolean(), server: z.string(), message: z.string() });
export type ServerCheck = z.infer<typeof ServerCheck>;

export const SignedInAccount = z.object({
  accountId: z.string(),
  server: z.string(),
  user: z.string(),
  deviceName: z.string(),
  /** Hosted on this computer: the addresses other computers should use. */
  addresses: z.array(z.string()),
  /** Where the sign-in is kept, and a warning when that is a plain file. */
  credentialStorage: z.enum(['keychain', 'system', 'file']),
  warning: z.string().nullable(),
});
export type SignedInAccount = z.infer<typeof SignedInAccount>;

export const FolderInspection = z.object({
  path: z.string(),
  exists: z.boolean(),
  files: z.number().int().nonnegative(),
  bytes: z.number().nonnegative(),
  /** May this folder be chosen? (Not a file, not inside Tandem's own state.) */
  usable: z.boolean(),
  /** What will happen, in one or two sentences. */
  message: z.string(),
});
export type FolderInspection = z.infer<typeof FolderInspection>;

// --- activity -------------------------------------------------------------------------------------------------

export const ActivityAction = z.enum(['added', 'changed', 'moved', 'deleted', 'restored', 'conflict']);
export const ActivityEntry = z.object({
  id: z.string(),
  folderId: z.string(),
  path: z.string(),
  /** For moves: where it was. */
  fromPath: z.string().nullable(),
  action: ActivityAction,
  /** Which computer did it: "This computer" or the other device's name when known ("Another computer" otherwise). */
  device: z.string(),
  thisComputer: z.boolean(),
  at: z.number(),
  kind: z.enum(['file', 'folder']),
});
export type ActivityEntry = z.infer<typeof ActivityEntry>;
export const ActivityList = z.object({ entries: z.array(ActivityEntry) });

// --- conflicts ----------------------------------------------------------------------------------------------------

/**
 * One side of a conflict. `original` is the file under the original name (the server's version
 * won the name); `copy` is the conflicted copy the engine made beside it.
 */
export const ConflictSide = z.object({
  role: z.enum(['original', 'copy']),
  path: z.string(),
  /** "This computer (Ada's laptop)" or the other device's name. */
  device: z.string(),
  thisComputer: z.boolean(),
  modifiedAt: z.number().nullable(),
  size: z.number().nonnegative(),
});
export type ConflictSide = z.infer<typeof ConflictSide>;

export const ConflictSummary = z.object({
  id: z.string(),
  folderId: z.string(),
  /** The original name's path. */
  path: z.string(),
  name: z.string(),
  /** The folder it is in, '' for the top. */
  parent: z.string(),
  detectedAt: z.number().nullable(),
  /** "mine" is the side this computer made; when neither was, the copy is "theirs". */
  mine: ConflictSide,
  theirs: ConflictSide,
  /** False until both sides are safely on the server (then a choice can never lose data). */
  resolvable: z.boolean(),
  message: z.string(),
});
export type ConflictSummary = z.infer<typeof ConflictSummary>;
/** `more`: conflicts not in this answer (a very long list comes in parts as they are resolved). */
export const ConflictList = z.object({ conflicts: z.array(ConflictSummary), more: z.number().int().nonnegative() });

export const DiffLine = z.object({ kind: z.enum(['same', 'mine', 'theirs']), text: z.string() });
export const ConflictPreview = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('text'), lines: z.array(DiffLine), truncated: z.boolean() }),
  /** data: URLs, or null when too large to show (then `message` says so). */
  z.object({ kind: z.literal('image'), mine: z.string().nullable(), theirs: z.string().nullable(), message: z.string().nullable() }),
  z.object({ kind: z.literal('other'), fileType: z.string(), message: z.string() }),
]);
export type ConflictPreview = z.infer<typeof ConflictPreview>;
export const ConflictDetail = ConflictSummary.extend({ preview: ConflictPreview });
export type ConflictDetail = z.infer<typeof ConflictDetail>;

/** keep mine, keep theirs, keep both (the second gets a clear name), or keep the newer one. */
export const ConflictChoice = z.enum(['mine', 'theirs', 'both', 'newest']);
export type ConflictChoice = z.infer<typeof ConflictChoice>;
/** The remembered rule for new conflicts; `ask` is the default. */
export const ConflictDefault = z.enum(['ask', 'mine', 'theirs', 'both', 'newest']);
export type ConflictDefault = z.infer<typeof ConflictDefault>;

export const ConflictResolution = z.object({
  resolved: z.array(z.object({ conflictId: z.string(), path: z.string(), kept: z.array(z.string()) })),
  failed: z.array(z.object({ conflictId: z.string(), message: z.string() })),
  /** "You can get the other version back from history." */
  message: z.string(),
  /**
   * Set when the choice was made undoable: nothing on disk changes until `until` (or
   * conflicts.applyNow); conflicts.undo with `id` before then takes the choice back.
   */
  undo: z.object({ id: z.string(), until: z.number() }).nullable().optional(),
});
export type ConflictResolution = z.infer<typeof ConflictResolution>;
export const ConflictUndone = z.object({ undone: z.number().int().nonnegative(), message: z.string() });
export type ConflictUndone = z.infer<typeof ConflictUndone>;

// --- selective sync --------------------------------------------------------------------------------------------------

export const CheckState = z.enum(['checked', 'unchecked', 'partial']);
export type CheckState = z.infer<typeof CheckState>;
export const SelectiveFolder = z.object({
  id: z.string(),
  name: z.string(),
  path: z.string(),
  /** Everything inside, on the server. */
  size: z.number().nonnegative(),
  state: CheckState,
  hasSubfolders: z.boolean(),
});
export type SelectiveFolder = z.infer<typeof SelectiveFolder>;
export const SelectiveListing = z.object({
  parentId: z.string(),
  folders: z.array(SelectiveFolder),
  /** The folders left out now (what apply would change). */
  excludedIds: z.array(z.string()),
  /** False until the first look at the server is done (then the list is empty). */
  ready: z.boolean(),
});
export type SelectiveListing = z.infer<typeof SelectiveListing>;
export const SelectivePreview = z.object({
  bytesToFree: z.number().nonnegative(),
  bytesToDownload: z.number().nonnegative(),
  /** Free space on this computer's disk, when known. */
  freeBytes: z.number().nonnegative().nullable(),
  /** Files with changes not on the server yet inside folders being left out: they stay. */
  keptBecauseUnsynced: z.array(z.string()),
  /** "This will free 4.2 GB on this computer" / "This will download 1.1 GB; 18 GB free". */
  summary: z.string(),
  /** False when the download would not fit. */
  fits: z.boolean(),
});
export type SelectivePreview = z.infer<typeof SelectivePreview>;
export const SelectiveApplied = z.object({ removed: z.number().int(), kept: z.array(z.string()), summary: z.string() });
export type SelectiveApplied = z.infer<typeof SelectiveApplied>;

// --- history ------------------------------------------------------------------------------------------------------------

export const FileVersion = z.object({
  version: z.number().int(),
  size: z.number().nonnegative(),
  modifiedAt: z.number(),
  device: z.string(),
  thisComputer: z.boolean(),
  current: z.boolean(),
});
export type FileVersion = z.infer<typeof FileVersion>;
export const VersionList = z.object({ path: z.string(), versions: z.array(FileVersion) });
export const VersionRestored = z.object({ path: z.string(), message: z.string() });
export const VersionSaved = z.object({ savedTo: z.string(), message: z.string() });

export const DeletedFile = z.object({
  id: z.string(),
  name: z.string(),
  /** Where it was, inside the synced folder. */
  path: z.string(),
  kind: z.enum(['file', 'folder']),
  size: z.number().nonnegative(),
  deletedAt: z.number(),
  /** Until when it can be restored. */
  restorableUntil: z.number(),
});
export type DeletedFile = z.infer<typeof DeletedFile>;
export const DeletedFileList = z.object({ files: z.array(DeletedFile) });
export const DeletedRestore = z.object({
  restored: z.array(z.object({ id: z.string(), path: z.string() })),
  failed: z.array(z.object({ id: z.string(), message: z.string() })),
  message: z.string(),
});

// --- settings ----------------------------------------------------------------------------------------------------------------

export const Bandwidth = z.object({
  /** KiB per second; 0 = no limit. */
  uploadKiBps: z.number().int().min(0).max(10_000_000),
  downloadKiBps: z.number().int().min(0).max(10_000_000),
});
export const MassDeleteThreshold = z.object({
  /** Ask before deleting more than this many files… */
  minCount: z.number().int().min(1).max(1_000_000),
  /** …when that is also more than this share of the folder. */
  percent: z.number().int().min(1).max(100),
});

/**
 * Why this text cannot be the update server's address (a sentence), or undefined when it can:
 * electron-updater's generic provider fetches `latest.yml` over http(s) from it.
 */
export function updateUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'The update address must be a full web address, like https://updates.example.com/tandem.';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'The update address must start with https:// or http://.';
  if (url.username || url.password) return 'The update address must not contain a user name or password.';
  return undefined;
}
export const UpdateUrl = z
  .string()
  .max(2000)
  .superRefine((text, ctx) => {
    const problem = updateUrlProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const HostedServer = z.object({
  /** What this app uses. */
  localUrl: z.string(),
  /** What other computers should use (one per network address of this computer). */
  addresses: z.array(z.string()),
  running: z.boolean(),
  message: z.string(),
});
export type HostedServer = z.infer<typeof HostedServer>;

export const SettingsView = z.object({
  accounts: z.array(z.object({ id: z.string(), server: z.string(), user: z.string(), hosted: z.boolean() })),
  deviceName: z.string(),
  folders: z.array(z.object({ id: z.string(), path: z.string(), accountId: z.string() })),
  startAtLogin: z.boolean(),
  /** False when this shell cannot change it (the headless host): the setting is kept for the desktop app. */
  startAtLoginSupported: z.boolean(),
  notifications: z.boolean(),
  bandwidth: Bandwidth,
  pauseOnMeteredNetworks: z.boolean(),
  /** Whether this computer can tell a metered network, and what Tandem makes of it now (a sentence). */
  meteredDetection: z.object({ available: z.boolean(), message: z.string() }),
  massDelete: MassDeleteThreshold,
  /** New server folders larger than this are asked about instead of pulled. */
  largeFolderThresholdMiB: z.number().int().min(1),
  conflictDefault: ConflictDefault,
  /** Where the desktop app looks for new versions (electron-updater's generic feed); null: it does not look. */
  updateUrl: z.string().nullable(),
  /** False when this shell cannot update itself (the headless host): the setting is kept for the desktop app. */
  updatesSupported: z.boolean(),
  credentialStorage: z.enum(['keychain', 'system', 'file']),
  about: z.object({ version: z.string(), stateFolder: z.string(), logsFolder: z.string() }),
});
export type SettingsView = z.infer<typeof SettingsView>;

export const SettingsPatch = z
  .object({
    deviceName: z.string().min(1).max(200),
    startAtLogin: z.boolean(),
    notifications: z.boolean(),
    bandwidth: Bandwidth,
    pauseOnMeteredNetworks: z.boolean(),
    massDelete: MassDeleteThreshold,
    largeFolderThresholdMiB: z.number().int().min(1).max(10_000_000),
    conflictDefault: ConflictDefault,
    updateUrl: UpdateUrl.nullable(),
  })
  .partial()
  .strict();
export type SettingsPatch = z.infer<typeof SettingsPatch>;

export const IgnoreRules = z.object({ folderId: z.string(), text: z.string(), examples: z.string() });
export const Diagnostics = z.object({ text: z.string() });

// --- health ------------------------------------------------------------------------------------------------------------------------

export const MassDeleteAnswer = z.enum(['yes', 'no']);
export type MassDeleteAnswer = z.infer<typeof MassDeleteAnswer>;

export const HealthItem = z.object({
  id: z.string(),
  folderId: z.string().nullable(),
  /** large_folder: a new server folder over the size limit, left out until the person ticks it. */
  kind: z.enum(['conflict', 'mass_delete', 'skipped', 'error', 'stopped', 'offline', 'notice', 'credentials', 'setup', 'large_folder']),
  severity: z.enum(['info', 'warning', 'error']),
  path: z.string().nullable(),
  /** What happened, in one sentence. */
  title: z.string(),
  /** What to do, in one sentence. */
  fix: z.string(),
  /** The mass-delete question: its batch and answer buttons; otherwise absent. */
  question: z
    .object({ batchKey: z.string(), count: z.number().int(), total: z.number().int(), samplePaths: z.array(z.string()), side: z.enum(['local', 'remote']), yesLabel: z.string(), noLabel: z.string() })
    .optional(),
});
export type HealthItem = z.infer<typeof HealthItem>;
/** `more`: items left out to keep the answer small (a folder with thousands of skipped names). */
export const HealthReport = z.object({ items: z.array(HealthItem), more: z.number().int().nonnegative() });
export type HealthReport = z.infer<typeof HealthReport>;

// --- notifications ---------------------------------------------------------------------------------------------------------------

export const Notification = z.object({
  kind: z.enum(['conflict', 'error', 'question']),
  title: z.string(),
  body: z.string(),
  at: z.number(),
});
export type Notification = z.infer<typeof Notification>;

// --- screens the desktop shell opens ------------------------------------------------------------------------------------------------

/** A screen the tray menu asks the window to show ("Resolve conflicts…", "Preferences…"). */
export const ShowScreen = z.object({ screen: z.enum(['popover', 'conflicts', 'history', 'preferences']) });
export type ShowScreen = z.infer<typeof ShowScreen>;

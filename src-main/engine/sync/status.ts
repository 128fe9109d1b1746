// What one synced folder is doing, as plain data: the running sync loop builds it, the index keeps
// the latest copy for `tandem status` (another process), and the app will send it to the UI.
// Everything a person needs to act on is here with a sentence: conflicts, skipped names, failed
// operations and the mass-delete question.

import type { ReportCode, Side } from '../planner/operations.ts';

/**
 * starting: opening the index, recovering, first scan; scanning: looking at the disk; syncing:
 * transferring; idle: in sync; paused: by the user; offline: the server cannot be reached (retried);
 * waiting: a question waits for the user (mass delete); stopped: the folder cannot be synced until
 * something is fixed (root missing); error: a failure that needs the user (signed out, full disk).
 */
export type FolderState = 'starting' | 'scanning' | 'syncing' | 'idle' | 'paused' | 'offline' | 'waiting' | 'stopped' | 'error';

export interface StatusEntry {
  path: string;
  code: ReportCode | string;
  message: string;
}

export interface StatusQuestion {
  batchKey: string;
  side: Side;
  count: number;
  total: number;
  samplePaths: string[];
  message: string;
}

export interface FolderStatus {
  state: FolderState;
  /** One sentence saying what is going on. */
  message: string;
  folder: string;
  device: string;
  /** Operations the latest plan still has to do. */
  pending: { uploads: number; downloads: number; other: number };
  /** The transfer under way, if any. */
  progress: { filesDone: number; filesTotal: number; bytesDone: number; bytesTotal: number } | null;
  /** Conflicted copies that are in the folder now (a person decides what to keep). */
  conflicts: StatusEntry[];
  /** Names not synced, with the reason (names this disk cannot hold, symlinks, ignored content kept…). */
  skipped: StatusEntry[];
  /** What the planner decided for the person, once (an edit beat a delete, a move was undone…). */
  notices: StatusEntry[];
  /** Operations that failed in the latest pass (retried in the next). */
  errors: StatusEntry[];
  questions: StatusQuestion[];
  /** When the folder was last completely in sync (ms since epoch), null if never. */
  lastSyncedAt: number | null;
  updatedAt: number;
  /** The process running the sync (status tells a stale record from a live one). */
  pid: number;
}

/** Report codes that mean "a name on one side was not synced" rather than "something happened". */
const SKIP_CODES: ReadonlySet<string> = new Set(['skipped_name', 'invalid_name', 'kept_ignored', 'excluded_content', 'blocked']);

export function isSkipCode(code: string): boolean {
  return SKIP_CODES.has(code);
}

/** `tandem status` in plain words (the --json form prints the FolderStatus itself). */
export function describeStatus(status: FolderStatus, now: number, running: boolean): string {
  const lines: string[] = [];
  const state = running ? status.state : 'not running';
  lines.push(`${status.folder}: ${state}${running ? ` — ${status.message}` : ` (last: ${status.state}, ${status.message})`}`);
  const { uploads, downloads, other } = status.pending;
  if (uploads + downloads + other > 0) lines.push(`pending: ${uploads} to upload, ${downloads} to download, ${other} other changes`);
  if (status.progress && status.progress.filesTotal > 0) {
    const p = status.progress;
    lines.push(`progress: ${p.filesDone} of ${p.filesTotal} files, ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}`);
  }
  lines.push(status.lastSyncedAt === null ? 'never completely synced yet' : `last in sync: ${formatAgo(now - status.lastSyncedAt)}`);
  for (const q of status.questions) lines.push(`QUESTION: ${q.message} Run tandem sync with --allow-mass-delete to go ahead.`);
  const section = (title: string, entries: StatusEntry[]) => {
    if (entries.length === 0) return;
    lines.push(`${title} (${entries.length}):`);
    for (const entry of entries.slice(0, 50)) lines.push(`  ${entry.path}: ${entry.message}`);
    if (entries.length > 50) lines.push(`  … and ${entries.length - 50} more (tandem status --json lists all)`);
  };
  section('conflicts', status.conflicts);
  section('skipped', status.skipped);
  section('errors', status.errors);
  section('recent notices', status.notices);
  return lines.join('\n');
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

function formatAgo(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}

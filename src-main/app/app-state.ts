// The status people see, computed from the engines' status: each folder's phase and sentence, and
// the app's overall one for the tray ("Syncing 12 files, 34 MB of 120 MB, about 2 min left").
// Pure functions of their inputs, so every wording is tested without an engine.
import type { AppPhase, AppState, FolderView, Progress } from '../../src-shared/ipc/contract.ts';
import type { FolderStatus } from '../engine/sync/status.ts';
import { describeBytes, describeTimeLeft } from './time-left.ts';

export interface FolderInput {
  record: { id: string; path: string };
  status: FolderStatus | undefined;
  problem: string | undefined;
  waitingForChoice: boolean;
  progress: Progress | null;
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** "Syncing 12 files, 34 MB of 120 MB, about 2 min left". */
export function describeProgress(progress: Progress): string {
  const files = Math.max(0, progress.filesTotal - progress.filesDone);
  const parts = [`Syncing ${plural(files, 'file')}`];
  if (progress.bytesTotal > 0) parts.push(`${describeBytes(progress.bytesDone)} of ${describeBytes(progress.bytesTotal)}`);
  const left = describeTimeLeft(progress.secondsLeft);
  if (left) parts.push(left);
  return parts.join(', ');
}

function attentionOf(status: FolderStatus | undefined): number {
  if (!status) return 0;
  return status.conflicts.length + status.questions.length + status.skipped.length + status.errors.length;
}

export function folderView(folder: FolderInput, context: { paused: boolean; held?: string | null; server: string; user: string }): FolderView {
  const { status } = folder;
  let phase: AppPhase;
  let summary: string;
  if (folder.problem && !status) {
    phase = 'error';
    summary = folder.problem;
  } else if (folder.waitingForChoice) {
    phase = 'setup';
    summary = 'Choose what to sync to start.';
  } else if (context.paused) {
    phase = 'paused';
    summary = 'Paused';
  } else if (context.held) {
    phase = 'paused';
    summary = context.held;
  } else if (!status) {
    phase = 'syncing';
    summary = 'Starting';
  } else {
    switch (status.state) {
      case 'starting':
        phase = 'syncing';
        summary = 'Starting';
        break;
      case 'scanning':
        phase = 'syncing';
        summary = 'Looking for changes';
        break;
      case 'syncing':
        phase = 'syncing';
        summary = folder.progress && folder.progress.filesTotal > 0 ? describeProgress(folder.progress) : status.message.replace(/\.$/u, '');
        break;
      case 'idle':
        phase = status.conflicts.length > 0 ? 'attention' : 'up-to-date';
        summary = status.conflicts.length > 0 ? `${plural(status.conflicts.length, 'conflict')} to resolve` : 'Up to date';
        break;
      case 'paused':
        phase = 'paused';
        summary = 'Paused';
        break;
      case 'offline':
        phase = 'offline';
        summary = "Can't reach the server; Tandem keeps trying";
        break;
      case 'waiting':
        phase = 'attention';
        summary = 'Tandem is waiting for your answer before deleting files';
        break;
      case 'stopped':
      case 'error':
        phase = 'error';
        summary = status.message.replace(/\.$/u, '');
        break;
    }
  }
  return {
    id: folder.record.id,
    path: folder.record.path,
    phase,
    summary,
    server: context.server,
    user: context.user,
    progress: phase === 'syncing' ? folder.progress : null,
    pending: status?.pending ?? { uploads: 0, downloads: 0, other: 0 },
    lastSyncedAt: status?.lastSyncedAt ?? null,
    conflictCount: status?.conflicts.length ?? 0,
    attentionCount: attentionOf(status) + (folder.problem ? 1 : 0),
  };
}

/** Which folder phase speaks for the app, most urgent first. */
const PRIORITY: AppPhase[] = ['error', 'attention', 'offline', 'syncing', 'setup', 'up-to-date'];

export function appState(input: {
  version: string;
  folders: FolderView[];
  setUp: boolean;
  paused: boolean;
  pausedUntil: number | null;
  /** App-level warnings for "Needs you" (credentials in a file, unreadable settings…). */
  warnings: number;
  /** Why the folders are held without the person pausing them (a metered network). */
  held?: string | null;
  /** Still reading settings and opening folders. */
  starting?: boolean;
  /** Formats a time of day for "Paused until 14:30". */
  clock?: (ms: number) => string;
}): AppState {
  const { folders } = input;
  const conflictCount = folders.reduce((sum, f) => sum + f.conflictCount, 0);
  const attentionCount = folders.reduce((sum, f) => sum + f.attentionCount, 0) + input.warnings;
  const transferring = folders.flatMap((f) => (f.progress ? [f.progress] : []));
  const progress: Progress | null =
    transferring.length === 0
      ? null
      : transferring.reduce((sum, p) => ({
          filesDone: sum.filesDone + p.filesDone,
          filesTotal: sum.filesTotal + p.filesTotal,
          bytesDone: sum.bytesDone + p.bytesDone,
          bytesTotal: sum.bytesTotal + p.bytesTotal,
          secondsLeft: sum.secondsLeft === null || p.secondsLeft === null ? null : Math.max(sum.secondsLeft, p.secondsLeft),
        }));
  const base = { paused: input.paused, pausedUntil: input.paused ? input.pausedUntil : null, version: input.version, setUp: input.setUp, progress, conflictCount, attentionCount, folders };

  if (!input.setUp) {
    const summary = input.paused ? 'Paused — no folder set up yet' : 'No folder set up yet';
    return { ...base, phase: input.paused ? 'paused' : 'setup', summary };
  }
  if (input.paused) {
    const clock = input.clock ?? ((ms: number) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
    return { ...base, progress: null, phase: 'paused', summary: input.pausedUntil === null ? 'Paused until you resume' : `Paused until ${clock(input.pausedUntil)}` };
  }
  if (input.held) return { ...base, progress: null, phase: 'paused', summary: input.held };
  if (input.starting) return { ...base, phase: 'syncing', summary: 'Starting Tandem' };
  const phase = PRIORITY.find((p) => folders.some((f) => f.phase === p)) ?? 'up-to-date';
  let summary: string;
  if (phase === 'syncing' && progress && progress.filesTotal > 0) summary = describeProgress(progress);
  else if (phase === 'attention' && conflictCount > 0 && !folders.some((f) => f.phase === 'attention' && f.conflictCount === 0)) {
    summary = `${plural(conflictCount, 'conflict')} to resolve`;
  } else if (phase === 'up-to-date') summary = 'Up to date';
  else summary = folders.find((f) => f.phase === phase)!.summary;
  return { ...base, phase, summary };
}

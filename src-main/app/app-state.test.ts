// The words and states people see, from engine status to tray sentence.
import { describe, expect, it } from 'vitest';
import type { FolderStatus } from '../engine/sync/status.ts';
import { appState, describeProgress, folderView } from './app-state.ts';

function status(overrides: Partial<FolderStatus> = {}): FolderStatus {
  return {
    state: 'idle',
    message: 'Up to date.',
    folder: '/home/ada/Tandem',
    device: 'Ada laptop',
    pending: { uploads: 0, downloads: 0, other: 0 },
    progress: null,
    conflicts: [],
    skipped: [],
    notices: [],
    errors: [],
    questions: [],
    lastSyncedAt: 1,
    updatedAt: 1,
    pid: 1,
    ...overrides,
  };
}

const context = { paused: false, server: 'http://nas:8750', user: 'ada' };
const folder = (s: FolderStatus | undefined, extra: Partial<Parameters<typeof folderView>[0]> = {}) =>
  folderView({ record: { id: 'f', path: '/home/ada/Tandem' }, status: s, problem: undefined, waitingForChoice: false, progress: null, ...extra }, context);

describe('folder view', () => {
  it('says up to date, syncing with progress, offline, and conflicts in plain words', () => {
    expect(folder(status())).toMatchObject({ phase: 'up-to-date', summary: 'Up to date' });
    const progress = { filesDone: 3, filesTotal: 15, bytesDone: 34_000_000, bytesTotal: 120_000_000, secondsLeft: 130 };
    expect(folder(status({ state: 'syncing', message: 'Syncing.' }), { progress })).toMatchObject({
      phase: 'syncing',
      summary: 'Syncing 12 files, 34 MB of 120 MB, about 2 min left',
      progress,
    });
    expect(folder(status({ state: 'offline' })).summary).toBe("Can't reach the server; Tandem keeps trying");
    const conflicts = [{ path: 'a (conflicted copy from Bob 2026-01-01 000000).txt', code: 'conflicted_copy', message: '' }];
    expect(folder(status({ conflicts }))).toMatchObject({ phase: 'attention', summary: '1 conflict to resolve', conflictCount: 1, attentionCount: 1 });
  });

  it('never shows a stack or code: a folder that could not open says why, as an error', () => {
    const view = folder(undefined, { problem: 'This folder is not syncing: the disk is gone.' });
    expect(view).toMatchObject({ phase: 'error', summary: 'This folder is not syncing: the disk is gone.', attentionCount: 1 });
  });
});

describe('app state', () => {
  const base = { version: '1', setUp: true, paused: false, pausedUntil: null, warnings: 0 };

  it('says "No folder set up yet" before setup, paused or not', () => {
    expect(appState({ ...base, setUp: false, folders: [] })).toMatchObject({ phase: 'setup', summary: 'No folder set up yet' });
    expect(appState({ ...base, setUp: false, paused: true, folders: [] })).toMatchObject({ phase: 'paused', summary: 'Paused — no folder set up yet' });
  });

  it('says until when a timed pause lasts', () => {
    const state = appState({ ...base, paused: true, pausedUntil: 1_000, folders: [folder(status())], clock: () => '14:30' });
    expect(state).toMatchObject({ phase: 'paused', summary: 'Paused until 14:30', pausedUntil: 1_000 });
    expect(appState({ ...base, paused: true, folders: [] }).summary).toBe('Paused until you resume');
  });

  it('lets the most urgent folder speak, and adds progress over folders', () => {
    const syncing = folder(status({ state: 'syncing' }), { progress: { filesDone: 0, filesTotal: 2, bytesDone: 0, bytesTotal: 2_000, secondsLeft: null } });
    const broken = folder(status({ state: 'stopped', message: 'The folder is missing.' }));
    expect(appState({ ...base, folders: [folder(status()), syncing] })).toMatchObject({ phase: 'syncing', summary: 'Syncing 2 files, 0 bytes of 2.0 KB' });
    expect(appState({ ...base, folders: [syncing, broken] })).toMatchObject({ phase: 'error', summary: 'The folder is missing' });
    expect(appState({ ...base, folders: [folder(status())], warnings: 1 }).attentionCount).toBe(1);
  });

  it('describes progress without a time until there is a rate', () => {
    expect(describeProgress({ filesDone: 0, filesTotal: 1, bytesDone: 0, bytesTotal: 0, secondsLeft: null })).toBe('Syncing 1 file');
  });
});

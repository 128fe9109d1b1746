// Watches one synced folder and reports coalesced hints ("these paths may have changed"), never
// trees: the scanner decides what actually changed (DESIGN.md "Watching"). The backend is
// @parcel/watcher (native, one recursive watch: at 100k files 0.6 s and 78 MB where chokidar took
// 9 s and 908 MB), with chokidar as the fallback when the native module cannot load on a platform.
// Tandem's own files (.tandem*) are not watched, so the engine's writes to its trash and temp
// files do not wake it up.

import { readdir, realpath } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { existingEntry } from '../fs/node-file-system.ts';
import { HintCoalescer } from './hint-coalescer.ts';
import type { WatchHints } from './hint-coalescer.ts';

export type { WatchHints } from './hint-coalescer.ts';

export type WatcherBackend = 'parcel' | 'chokidar';

export interface WatchFolderOptions {
  onHints: (hints: WatchHints) => void;
  /** A backend problem, in one sentence (a rescan-all hint is sent too). */
  onError?: (message: string) => void;
  /** 'auto' (default): @parcel/watcher, else chokidar. */
  backend?: WatcherBackend | 'auto';
  /**
   * Quiet time before a batch goes out. Default 10 ms with @parcel/watcher, which itself waits
   * for 50 ms of quiet (up to 500 ms) before it reports a batch, and 75 ms with chokidar, which
   * reports every event at once. Every millisecond here is added to a small edit's latency.
   */
  debounceMs?: number;
  /** Longest a busy folder waits for its hints. Default 1000 ms. */
  maxDelayMs?: number;
  /** Distinct paths per batch before it turns into "rescan everything". Default 10,000. */
  maxPaths?: number;
  /** How @parcel/watcher is loaded; tests pass one that fails, to prove the fallback. */
  loadParcel?: () => Promise<ParcelModule>;
}

type ParcelModule = Pick<typeof import('@parcel/watcher'), 'subscribe'>;

export interface FolderWatcher {
  readonly backend: WatcherBackend;
  /** Stops watching; pending hints are delivered first. */
  close(): Promise<void>;
}

/** Unwatched: Tandem's internal files (marker, local trash, temp downloads). */
function isInternal(relativePath: string): boolean {
  const first = relativePath.split('/', 1)[0] ?? '';
  return first.startsWith('.tandem') && first !== '.tandemignore';
}

interface Backend {
  close(): Promise<void>;
}

type RawListener = { path: (absolute: string) => void; lost: (message: string) => void };

/** Our quiet time on top of @parcel/watcher's own 50 ms (its Debounce.hh MIN_WAIT_TIME). */
const PARCEL_DEBOUNCE_MS = 10;
/** chokidar reports each event as it happens: wait a little for the rest of a save or a burst. */
const CHOKIDAR_DEBOUNCE_MS = 75;

/** Beyond this many patch subscriptions the whole folder is subscribed afresh (one full walk). */
const MAX_PATCHES = 64;

async function startParcel(root: string, listener: RawListener, load: () => Promise<ParcelModule>): Promise<Backend> {
  const parcel = await load();
  type Subscription = Awaited<ReturnType<typeof parcel.subscribe>>;
  const options = { ignore: ['.tandem', '.tandem-*'] };
  let closed = false;

  // On Linux, inotify is not recursive: @parcel/watcher adds a watch for each new folder when it
  // hears of it, so folders created inside it before then (mkdir -p a/b/c, unpacking an archive)
  // go unwatched (parcel-bundler/watcher#97, open). We patch that: a new folder that already holds
  // folders gets its own recursive subscription, which watches everything below it. Duplicated
  // events are harmless (hints are coalesced), and a folder hint means "rescan below it".
  const patches = new Map<string, Subscription>();
  const patch = async (path: string) => {
    if (closed || patches.has(path)) return;
    const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
    if (closed || !entries.some((entry) => entry.isDirectory())) return;
    if (patches.size >= MAX_PATCHES) {
      await resubscribe();
      return;
    }
    const subscription = await parcel.subscribe(path, onEvents, options).catch(() => undefined);
    if (!subscription) return;
    if (closed) await subscription.unsubscribe();
    else patches.set(path, subscription);
  };
  const onEvents = (error: Error | null, events: Array<{ type: string; path: string }>) => {
    if (error) listener.lost(`The file watcher reported a problem: ${error.message}`);
    for (const event of events) {
      listener.path(event.path);
      // Only a new folder can hold unwatched folders. Asked synchronously (microseconds): a readdir
      // of every new file failed with an exception, ~0.3 CPU-s for 10k new files (profiled).
      if (process.platform === 'linux' && event.type === 'create' && existingEntry(event.path)?.isDirectory() === true) void patch(event.path);
    }
  };

  let main: Subscription = await parcel.subscribe(root, onEvents, options);
  const dropPatches = async () => {
    const old = [...patches.values()];
    patches.clear();
    await Promise.all(old.map((subscription) => subscription.unsubscribe().catch(() => undefined)));
  };
  const resubscribe = async () => {
    const previous = main;
    main = await parcel.subscribe(root, onEvents, options);
    await previous.unsubscribe().catch(() => undefined);
    await dropPatches();
    listener.lost('The file watcher was restarted to follow many new folders.');
  };
  return {
    async close() {
      closed = true;
      await main.unsubscribe();
      await dropPatches();
    },
  };
}

async function startChokidar(root: string, listener: RawListener): Promise<Backend> {
  const { watch } = await import('chokidar');
  const watcher = watch(root, {
    ignoreInitial: true,
    followSymlinks: false,
    ignored: (path: string) => isInternal(toRelative(root, path)),
  });
  watcher.on('all', (_event, path) => listener.path(path));
  watcher.on('error', (error) => listener.lost(`The file watcher reported a problem: ${error instanceof Error ? error.message : String(error)}`));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return { close: () => watcher.close() };
}

function toRelative(root: string, absolute: string): string {
  const path = relative(root, absolute);
  return sep === '/' ? path : path.split(sep).join('/');
}

export async function watchFolder(root: string, options: WatchFolderOptions): Promise<FolderWatcher> {
  // Backends report real paths (macOS: /private/var for /var), so compare against the real root.
  const realRoot = await realpath(root);
  // The quiet time depends on the backend (set below once it is known): the coalescer reads it
  // each time it arms its timer.
  const coalescerOptions = {
    debounceMs: options.debounceMs ?? PARCEL_DEBOUNCE_MS,
    maxDelayMs: options.maxDelayMs ?? 1000,
    maxPaths: options.maxPaths ?? 10_000,
    onHints: options.onHints,
  };
  const coalescer = new HintCoalescer(coalescerOptions);
  const listener: RawListener = {
    path: (absolute) => {
      const path = toRelative(realRoot, absolute);
      if (path.startsWith('..') || isInternal(path)) return;
      coalescer.add(path);
    },
    lost: (message) => {
      options.onError?.(message);
      coalescer.addRescanAll();
    },
  };

  const wanted = options.backend ?? 'auto';
  let backend: Backend;
  let name: WatcherBackend;
  if (wanted === 'chokidar') {
    backend = await startChokidar(realRoot, listener);
    name = 'chokidar';
  } else {
    try {
      backend = await startParcel(realRoot, listener, options.loadParcel ?? (() => import('@parcel/watcher')));
      name = 'parcel';
    } catch (error) {
      if (wanted === 'parcel') throw error;
      // No native watcher on this platform: slower, hungrier, but it works.
      options.onError?.(`The native file watcher is unavailable (${error instanceof Error ? error.message : String(error)}); using chokidar.`);
      backend = await startChokidar(realRoot, listener);
      name = 'chokidar';
    }
  }

  if (name === 'chokidar') coalescerOptions.debounceMs = options.debounceMs ?? CHOKIDAR_DEBOUNCE_MS;
  let closed = false;
  return {
    backend: name,
    async close() {
      if (closed) return;
      closed = true;
      await backend.close();
      coalescer.flush();
      coalescer.close();
    },
  };
}

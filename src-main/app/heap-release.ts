// Gives memory back once a sync engine has gone quiet after a lot of work. V8 collects garbage
// when JavaScript allocates; an engine that goes idle after uploading 100k files allocates almost
// nothing, so the garbage of that pass stayed in the heap: 1.2 GB resident at rest where 0.54 GB
// was left after one full collection (live heap 225 MB; measured with `tandem sync` at 100k files).
// One collection, a while after the work stopped, costs a few hundred milliseconds once. Used by
// `tandem sync` and by the app's folders (one for all of them: any folder's work restarts the wait).

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { FolderState } from '../engine/sync/status.ts';

/** States in which an engine allocates: scanning, planning and transferring. */
const WORKING: ReadonlySet<FolderState> = new Set(['starting', 'scanning', 'syncing']);
/** How long an engine must stay quiet before the collection (more work may follow at once). */
export const QUIET_MS = 10_000;

export interface HeapReleaseOptions {
  /** A full garbage collection; default V8's own (exposed once, as test runners do). */
  collect?: () => void;
  quietMs?: number;
  setTimer?: (run: () => void, ms: number) => { cancel(): void };
}

let exposedGc: (() => void) | undefined;

/** V8's garbage collection function, exposed at run time (jest's leak detector does the same). */
export function v8Collect(): void {
  if (!exposedGc) {
    setFlagsFromString('--expose-gc');
    exposedGc = runInNewContext('gc') as () => void;
  }
  exposedGc();
}

const nodeTimer = (run: () => void, ms: number) => {
  const timer = setTimeout(run, ms);
  timer.unref();
  return { cancel: () => clearTimeout(timer) };
};

/** Watches an engine's states; after work, once it has been quiet for a while, collects once. */
export class HeapRelease {
  readonly #collect: () => void;
  readonly #quietMs: number;
  readonly #setTimer: NonNullable<HeapReleaseOptions['setTimer']>;
  #worked = false;
  #pending: { cancel(): void } | undefined;

  constructor(options: HeapReleaseOptions = {}) {
    this.#collect = options.collect ?? v8Collect;
    this.#quietMs = options.quietMs ?? QUIET_MS;
    this.#setTimer = options.setTimer ?? nodeTimer;
  }

  observe(state: FolderState): void {
    if (WORKING.has(state)) {
      this.#worked = true;
      this.#pending?.cancel();
      this.#pending = undefined;
      return;
    }
    if (!this.#worked || this.#pending) return;
    this.#pending = this.#setTimer(() => {
      this.#pending = undefined;
      this.#worked = false;
      try {
        this.#collect();
      } catch {
        // Only memory is at stake: an engine that cannot collect syncs on as before.
      }
    }, this.#quietMs);
  }

  stop(): void {
    this.#pending?.cancel();
    this.#pending = undefined;
  }
}

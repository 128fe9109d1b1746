// Desktop notifications, decided once for every shell: what is worth one (new conflicts, a folder
// that stopped, a question only the person can answer), whether the person wants them (the
// `notifications` preference, read at the moment of showing), and how often. At most one per kind
// a minute: the first shows at once, and whatever follows within the minute is collapsed into one
// ("12 files were changed on two computers") shown when the minute is up. A sync of thousands
// of files must not become thousands of pop-ups.
import type { Notification } from '../../src-shared/ipc/contract.ts';

export type NotificationKind = Notification['kind'];

/** Something that happened; `count` of them at once. `detail` is the latest one's sentence. */
export interface NotableEvent {
  kind: NotificationKind;
  count: number;
  detail?: string;
}

export const NOTIFICATION_INTERVAL_MS = 60_000;

/** Schedules `run` after `ms`; returns the function that cancels it. */
export type Schedule = (run: () => void, ms: number) => () => void;

const realSchedule: Schedule = (run, ms) => {
  const timer = setTimeout(run, ms);
  // A pending notification never keeps the process alive.
  timer.unref();
  return () => clearTimeout(timer);
};

export interface NotificationLimiterOptions {
  now: () => number;
  /** The person's preference, asked each time something would be shown. */
  enabled: () => boolean;
  show: (notification: Notification) => void;
  intervalMs?: number;
  schedule?: Schedule;
}

/** The words for `count` events of one kind (the latest one's detail when there is one). */
export function notificationText(kind: NotificationKind, count: number, detail: string | undefined): { title: string; body: string } {
  switch (kind) {
    case 'conflict':
      return {
        title: count === 1 ? 'A file was changed on two computers' : `${count} files were changed on two computers`,
        body: count === 1 ? 'Both versions are kept. Open Tandem to choose which to keep.' : 'Both versions of each are kept. Open Tandem to choose which to keep.',
      };
    case 'error':
      return {
        title: count === 1 ? 'Tandem stopped syncing a folder' : `Tandem stopped syncing ${count} times`,
        body: detail ? `${detail.replace(/\.?$/u, '.')} Open Tandem to see what to do.` : 'Open Tandem to see why and what to do.',
      };
    case 'question':
      return {
        title: count === 1 ? 'Tandem needs your answer' : `Tandem needs ${count} answers`,
        body: detail ? `${detail.replace(/\.?$/u, '.')} Open Tandem to answer.` : 'Open Tandem to answer; nothing is deleted until you do.',
      };
  }
}

interface KindState {
  lastShownAt: number;
  pending: number;
  detail: string | undefined;
  cancel: (() => void) | undefined;
}

export class NotificationLimiter {
  readonly #options: NotificationLimiterOptions;
  readonly #interval: number;
  readonly #schedule: Schedule;
  readonly #kinds = new Map<NotificationKind, KindState>();
  #closed = false;

  constructor(options: NotificationLimiterOptions) {
    this.#options = options;
    this.#interval = options.intervalMs ?? NOTIFICATION_INTERVAL_MS;
    this.#schedule = options.schedule ?? realSchedule;
  }

  /** Something notable happened: shown now, folded into the next one, or dropped when turned off. */
  offer(event: NotableEvent): void {
    if (this.#closed || event.count <= 0 || !this.#options.enabled()) return;
    const state = this.#kinds.get(event.kind) ?? { lastShownAt: Number.NEGATIVE_INFINITY, pending: 0, detail: undefined, cancel: undefined };
    this.#kinds.set(event.kind, state);
    state.pending += event.count;
    state.detail = event.detail ?? state.detail;
    const wait = state.lastShownAt + this.#interval - this.#options.now();
    if (wait <= 0 && !state.cancel) this.#flush(event.kind, state);
    else state.cancel ??= this.#schedule(() => this.#flush(event.kind, state), Math.max(0, wait));
  }

  #flush(kind: NotificationKind, state: KindState): void {
    state.cancel = undefined;
    const count = state.pending;
    const detail = state.detail;
    state.pending = 0;
    state.detail = undefined;
    // Turned off during the minute: what was waiting is dropped, not saved for later.
    if (this.#closed || count === 0 || !this.#options.enabled()) return;
    const now = this.#options.now();
    state.lastShownAt = now;
    this.#options.show({ kind, ...notificationText(kind, count, detail), at: now });
  }

  /** Drops whatever is waiting (the app is closing). */
  close(): void {
    this.#closed = true;
    for (const state of this.#kinds.values()) state.cancel?.();
    this.#kinds.clear();
  }
}

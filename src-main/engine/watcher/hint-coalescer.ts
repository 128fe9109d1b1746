// Turns a stream of raw watcher events into coalesced hints: "these paths may have changed".
// Events for one path collapse into one entry whatever their kinds (create+delete, delete+create
// and update all mean "look at it again": the scanner decides what is true). A batch goes out once
// the folder has been quiet for `debounceMs`, or after `maxDelayMs` at the latest during a long
// burst; past `maxPaths` distinct paths the batch becomes "rescan everything", which is cheaper
// than thousands of single checks and bounds memory.

export interface WatchHints {
  /**
   * '/'-separated paths relative to the synced folder, as spelled on disk; unordered, unique. A
   * folder among them means "rescan it and everything below it": a watcher can miss what was
   * created inside a brand-new folder before it started watching it.
   */
  paths: string[];
  /** The watcher lost track (overflow, error, too many events): rescan the whole folder. */
  rescanAll: boolean;
}

export interface CoalescerOptions {
  debounceMs: number;
  maxDelayMs: number;
  maxPaths: number;
  onHints: (hints: WatchHints) => void;
}

export class HintCoalescer {
  readonly #options: CoalescerOptions;
  #paths = new Set<string>();
  #rescanAll = false;
  #quietTimer: NodeJS.Timeout | undefined;
  #deadlineTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: CoalescerOptions) {
    this.#options = options;
  }

  /** A path may have changed. */
  add(path: string): void {
    if (this.#closed) return;
    if (!this.#rescanAll) {
      this.#paths.add(path);
      if (this.#paths.size > this.#options.maxPaths) this.#overflow();
    }
    this.#arm();
  }

  /** The backend lost events: everything must be rescanned. */
  addRescanAll(): void {
    if (this.#closed) return;
    this.#overflow();
    this.#arm();
  }

  /** Sends what is pending now (used at close so nothing is lost, and by tests). */
  flush(): void {
    this.#clearTimers();
    if (!this.#rescanAll && this.#paths.size === 0) return;
    const hints: WatchHints = { paths: [...this.#paths], rescanAll: this.#rescanAll };
    this.#paths = new Set();
    this.#rescanAll = false;
    this.#options.onHints(hints);
  }

  close(): void {
    this.#clearTimers();
    this.#closed = true;
  }

  #overflow(): void {
    this.#rescanAll = true;
    this.#paths = new Set();
  }

  #arm(): void {
    if (this.#quietTimer) clearTimeout(this.#quietTimer);
    this.#quietTimer = setTimeout(() => this.flush(), this.#options.debounceMs);
    this.#deadlineTimer ??= setTimeout(() => this.flush(), this.#options.maxDelayMs);
  }

  #clearTimers(): void {
    if (this.#quietTimer) clearTimeout(this.#quietTimer);
    if (this.#deadlineTimer) clearTimeout(this.#deadlineTimer);
    this.#quietTimer = undefined;
    this.#deadlineTimer = undefined;
  }
}

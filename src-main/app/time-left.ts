// "About 2 min left": the transfer rate over the last few seconds, applied to the bytes still to
// go. No estimate until there is a rate worth trusting (a second of data); a new transfer (the
// total changed, or the count went backwards) starts over. The number shown never goes backwards
// within one transfer: done is clamped to its highest value so far.

const WINDOW_MS = 15_000;
const MIN_SPAN_MS = 1_000;

export interface TransferSample {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

export class TimeLeft {
  #samples: Array<{ at: number; bytes: number }> = [];
  #total = -1;
  #highest = 0;
  #files = 0;

  /** Records a progress report; returns it with done clamped and the seconds left (or null). */
  update(progress: TransferSample, now: number): TransferSample & { secondsLeft: number | null } {
    if (progress.bytesTotal !== this.#total || progress.filesDone < this.#files) this.reset(progress.bytesTotal);
    this.#files = progress.filesDone;
    this.#highest = Math.max(this.#highest, progress.bytesDone);
    this.#samples.push({ at: now, bytes: this.#highest });
    while (this.#samples.length > 2 && now - this.#samples[0]!.at > WINDOW_MS) this.#samples.shift();
    const first = this.#samples[0]!;
    const span = now - first.at;
    const moved = this.#highest - first.bytes;
    const left = Math.max(0, progress.bytesTotal - this.#highest);
    const secondsLeft = left === 0 ? 0 : span >= MIN_SPAN_MS && moved > 0 ? Math.ceil(left / (moved / (span / 1000))) : null;
    return { ...progress, bytesDone: this.#highest, secondsLeft };
  }

  reset(total = -1): void {
    this.#samples = [];
    this.#total = total;
    this.#highest = 0;
    this.#files = 0;
  }
}

/** "about 2 min left", "less than a minute left", or "" without an estimate. */
export function describeTimeLeft(seconds: number | null): string {
  if (seconds === null) return '';
  if (seconds < 60) return 'less than a minute left';
  if (seconds < 3600) return `about ${Math.round(seconds / 60)} min left`;
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.round((seconds % 3600) / 60);
  return minutes === 0 ? `about ${hours} h left` : `about ${hours} h ${minutes} min left`;
}

/** Sizes for people: "34 MB", "1.2 GB" (decimal units, as file managers show them). */
export function describeBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

// The app's own log, in the logs folder Preferences → About points to: when Tandem started,
// each folder's change of state with its sentence, what was notified, and lines from the shell
// (tray, updates). One line each, time first. Kept small: past 1 MiB the file becomes
// tandem.log.1 (the one before is dropped). Writing is queued and never fails the app.
import { appendFile, mkdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';

export const LOG_FILE = 'tandem.log';
export const LOG_MAX_BYTES = 1024 * 1024;

export class AppLog {
  readonly folder: string;
  readonly #file: string;
  readonly #maxBytes: number;
  readonly #now: () => number;
  #queue: Promise<void> = Promise.resolve();

  constructor(folder: string, options: { now?: () => number; maxBytes?: number } = {}) {
    this.folder = folder;
    this.#file = join(folder, LOG_FILE);
    this.#maxBytes = options.maxBytes ?? LOG_MAX_BYTES;
    this.#now = options.now ?? Date.now;
  }

  write(line: string): void {
    const text = `${new Date(this.#now()).toISOString()} ${line.replace(/\r?\n/gu, ' ')}\n`;
    this.#queue = this.#queue.then(() => this.#append(text)).catch(() => undefined);
  }

  async #append(text: string): Promise<void> {
    await mkdir(this.folder, { recursive: true, mode: 0o700 });
    const size = await stat(this.#file).then((s) => s.size, () => 0);
    if (size > 0 && size + text.length > this.#maxBytes) await rename(this.#file, `${this.#file}.1`);
    await appendFile(this.#file, text, { mode: 0o600 });
  }

  /** Resolves once every line written so far is on disk. */
  flush(): Promise<void> {
    return this.#queue;
  }
}

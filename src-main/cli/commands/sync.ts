// `tandem sync`: keeps one folder in sync with a server, headless. With --once it syncs until
// nothing is left and exits 0; otherwise it watches until Ctrl-C. Either way it exits 3 when a
// question waits for the user (a mass delete; `tandem status` shows it; --allow-mass-delete says
// yes) and 1 with one sentence when the folder cannot be synced (its root is missing, the server
// refuses the account). Progress goes to stdout as one line per state change.
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultStateDir } from '../../app/paths.ts';
import { parsePolicyPlatform } from '../../engine/fs-policy/policy.ts';
import { checkStateFolder } from '../../engine/index/state-folder.ts';
import { FolderSync } from '../../engine/sync/folder-sync.ts';
import type { IdleOutcome } from '../../engine/sync/folder-sync.ts';
import { formatBytes } from '../../engine/sync/status.ts';
import type { FolderStatus } from '../../engine/sync/status.ts';
import { parseCommandArgs, UsageError } from '../args.ts';
import { type CliCommand, type CliIo, EXIT } from '../command.ts';
import { signIn } from '../sign-in.ts';
import { HeapRelease } from '../../app/heap-release.ts';

const USAGE =
  'tandem sync --folder DIR --server URL --user NAME [--state DIR] [--device NAME] [--once]\n' +
  '            [--fs-policy linux|macos|windows] [--allow-mass-delete]';

/** Without --state: one state folder per synced folder, in the platform's state location. */
export function defaultFolderState(folder: string, env: NodeJS.ProcessEnv): string {
  const key = createHash('sha256').update(resolve(folder)).digest('hex').slice(0, 16);
  return join(defaultStateDir(env), 'folders', key);
}

function parseServerUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--server must be a URL like http://nas.local:8750, not "${value}".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--server must be an http:// or https:// URL, not "${value}".`);
  return url.origin + url.pathname.replace(/\/+$/, '');
}

export const syncCommand: CliCommand = {
  path: ['sync'],
  summary: 'keep a folder in sync with a server',
  usage: USAGE,
  async run(args, io) {
    const { values } = parseCommandArgs(args, {
      folder: { type: 'string' },
      server: { type: 'string' },
      user: { type: 'string' },
      state: { type: 'string' },
      device: { type: 'string' },
      once: { type: 'boolean' },
      'fs-policy': { type: 'string' },
      'allow-mass-delete': { type: 'boolean' },
    });
    if (!values.folder || !values.server || !values.user) throw new UsageError('--folder, --server and --user are required.');
    const fsPolicy = values['fs-policy'] === undefined ? undefined : policyArg(values['fs-policy']);
    const server = parseServerUrl(values.server);
    const folder = resolve(values.folder);
    const stateDir = resolve(values.state ?? defaultFolderState(folder, io.env));
    const device = values.device ?? hostname();
    try {
      checkStateFolder(stateDir, folder); // before anything is written: never inside the synced folder
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    const { client, rootId } = await signIn({
      server,
      user: values.user,
      device,
      stateDir,
      password: async () => io.env['TANDEM_PASSWORD'] ?? (await io.readStdin())?.replace(/\r?\n$/, ''),
      say: (line) => io.stdout(line),
    });
    const reporter = new StatusReporter(io);
    const heap = new HeapRelease();
    const engine = await FolderSync.open({
      folder,
      stateDir,
      client,
      rootId,
      device,
      ...(fsPolicy ? { fsPolicy } : {}),
      allowMassDelete: values['allow-mass-delete'] ?? false,
      watch: !values.once,
      ...watcherBackend(io.env['TANDEM_WATCHER']),
      onStatus: (status) => {
        reporter.show(status);
        heap.observe(status.state);
      },
    });
    try {
      if (values.once) return exitFor(await engine.runUntilIdle(), engine.status, io);
      await engine.start();
      const outcome = await Promise.race([io.stopSignal.then(() => 'stop' as const), reporter.stopped]);
      if (outcome === 'stop') {
        io.stdout('Stopping; work under way finishes first.');
        return EXIT.ok;
      }
      return exitFor(outcome, engine.status, io);
    } finally {
      heap.stop();
      await engine.close();
    }
  },
};

function policyArg(value: string) {
  try {
    return parsePolicyPlatform(value);
  } catch {
    throw new UsageError(`--fs-policy must be linux, macos or windows, not "${value}".`);
  }
}

/** TANDEM_WATCHER=parcel|chokidar picks the watcher backend (benchmarks compare them). */
function watcherBackend(value: string | undefined): { watcherBackend?: 'parcel' | 'chokidar' } {
  if (value === undefined || value === '') return {};
  if (value !== 'parcel' && value !== 'chokidar') throw new UsageError(`TANDEM_WATCHER must be parcel or chokidar, not "${value}".`);
  return { watcherBackend: value };
}

function exitFor(outcome: IdleOutcome, status: FolderStatus, io: CliIo): number {
  if (outcome === 'in_sync') return EXIT.ok;
  if (outcome === 'question') {
    for (const q of status.questions) {
      io.stderr(`tandem sync: ${q.message} Run again with --allow-mass-delete to go ahead; tandem status shows the files.`);
    }
    return EXIT.waitingForUser;
  }
  io.stderr(`tandem sync: ${status.message}`);
  return EXIT.error;
}

/** One line per state change, progress at most every 2 s; ends the watch on a question or a stop. */
class StatusReporter {
  readonly #io: CliIo;
  #last = '';
  #lastProgressAt = 0;
  #end!: (outcome: IdleOutcome) => void;
  readonly stopped: Promise<IdleOutcome>;

  constructor(io: CliIo) {
    this.#io = io;
    this.stopped = new Promise((resolve) => (this.#end = resolve));
  }

  show(status: FolderStatus): void {
    const line = `${status.state}: ${status.message}`;
    if (line !== this.#last) {
      this.#last = line;
      this.#io.stdout(line);
    } else if (status.progress && status.progress.bytesTotal > 0 && Date.now() - this.#lastProgressAt > 2000) {
      this.#lastProgressAt = Date.now();
      const p = status.progress;
      this.#io.stdout(`  ${p.filesDone}/${p.filesTotal} files, ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}`);
    }
    if (status.state === 'waiting') this.#end('question');
    if (status.state === 'stopped') this.#end('stopped');
  }
}

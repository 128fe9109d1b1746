// `tandem status --state DIR [--json]`: what a synced folder is doing, read from its index (a
// running `tandem sync` keeps its latest status there), so it works from another terminal while
// the sync runs, and after it stopped (then it says so, with the last state it was in).
import { resolve } from 'node:path';
import { LocalIndex } from '../../engine/index/local-index.ts';
import { describeStatus } from '../../engine/sync/status.ts';
import type { FolderStatus } from '../../engine/sync/status.ts';
import { parseCommandArgs, UsageError } from '../args.ts';
import { type CliCommand, EXIT } from '../command.ts';

function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const statusCommand: CliCommand = {
  path: ['status'],
  summary: 'show what a synced folder is doing',
  usage: 'tandem status --state DIR [--json]',
  async run(args, io) {
    const { values } = parseCommandArgs(args, { state: { type: 'string' }, json: { type: 'boolean' } });
    if (!values.state) throw new UsageError('--state is required: the state folder given to tandem sync.');
    const index = LocalIndex.openReadOnly(resolve(values.state));
    let status: FolderStatus | undefined;
    try {
      const json = index.statusJson;
      status = json === undefined ? undefined : (JSON.parse(json) as FolderStatus);
    } finally {
      index.close();
    }
    if (!status) {
      io.stderr(`tandem status: the folder of ${values.state} has not been synced yet; run tandem sync first.`);
      return EXIT.error;
    }
    const running = isRunning(status.pid) && status.state !== 'stopped';
    if (values.json) io.stdout(JSON.stringify({ ...status, running }, null, 2));
    else io.stdout(describeStatus(status, Date.now(), running));
    return EXIT.ok;
  },
};

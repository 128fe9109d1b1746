// A subcommand whose feature has not been built yet. It says so in one line and exits 2, so no
// script mistakes it for one that worked.
import { type CliCommand, EXIT } from '../command.ts';

export function notBuiltCommand(path: string[], summary: string, usage: string, arrivesWith: string): CliCommand {
  return {
    path,
    summary: `${summary} (not built yet)`,
    usage,
    async run(_args, io) {
      io.stderr(`tandem ${path.join(' ')}: not built yet — ${arrivesWith}.`);
      return EXIT.usage;
    },
  };
}

// Every `tandem` subcommand, in the order `tandem --help` lists them.
import type { CliCommand } from '../command.ts';
import { notBuiltCommand } from './not-built.ts';
import { addUserCommand, serverCommand } from './server.ts';
import { uiCommand } from './ui.ts';

export const commands: CliCommand[] = [
  serverCommand,
  addUserCommand,
  notBuiltCommand(
    ['sync'],
    'keep a folder in sync with a server',
    'tandem sync --folder DIR --server URL --user NAME [--state DIR] [--device NAME] [--once]\n' +
      '            [--fs-policy linux|macos|windows] [--allow-mass-delete]',
    'the sync engine arrives with issue 4',
  ),
  notBuiltCommand(
    ['status'],
    "show what a synced folder is doing",
    'tandem status --state DIR [--json]',
    'the sync engine arrives with issue 4',
  ),
  uiCommand,
];

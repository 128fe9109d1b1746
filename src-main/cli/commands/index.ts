// Every `tandem` subcommand, in the order `tandem --help` lists them.
import type { CliCommand } from '../command.ts';
import { notBuiltCommand } from './not-built.ts';
import { uiCommand } from './ui.ts';

export const commands: CliCommand[] = [
  notBuiltCommand(
    ['server'],
    'run the sync server (SQLite + pack files in DIR)',
    'tandem server [--data DIR] [--host H] [--port P]',
    'the server arrives with issue 3',
  ),
  notBuiltCommand(
    ['server', 'add-user'],
    'add an account to the server (password from stdin or TANDEM_PASSWORD)',
    'tandem server add-user NAME [--data DIR]',
    'the server arrives with issue 3',
  ),
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

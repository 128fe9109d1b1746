// Every `tandem` subcommand, in the order `tandem --help` lists them.
import type { CliCommand } from '../command.ts';
import { statusCommand } from './status.ts';
import { syncCommand } from './sync.ts';
import { addUserCommand, serverCommand } from './server.ts';
import { uiCommand } from './ui.ts';

export const commands: CliCommand[] = [
  serverCommand,
  addUserCommand,
  syncCommand,
  statusCommand,
  uiCommand,
];

// Argument parsing for subcommands, on node:util's parseArgs, with usage errors that become one
// line on stderr and exit code 2.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<O extends Options>(args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    // parseArgs explains the problem well; keep its sentence, drop its error-code prefix.
    throw new UsageError((error as Error).message.replace(/^.*?: /, '').split('\n')[0] ?? 'bad arguments');
  }
}

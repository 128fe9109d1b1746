// The `tandem` command: finds the subcommand, runs it, and turns anything unexpected into one
// line on stderr (never a stack trace) and exit code 1.
import { TandemError } from '../../src-shared/errors.ts';
import { TANDEM_VERSION } from '../app/version.ts';
import { type CliCommand, type CliIo, EXIT } from './command.ts';
import { commands } from './commands/index.ts';

export function helpText(): string {
  const width = Math.max(...commands.map((c) => c.path.join(' ').length));
  const lines = commands.map((c) => `  ${c.path.join(' ').padEnd(width)}  ${c.summary}`);
  return [
    `tandem ${TANDEM_VERSION} — keeps folders identical across your computers through a server you host`,
    '',
    'Usage: tandem <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Options:',
    '  --help     show this help, or a command\'s with tandem <command> --help',
    '  --version  print the version',
    '',
    'Exit codes: 0 done, 1 error, 2 usage, 3 stopped to ask you something.',
  ].join('\n');
}

/** The command whose words match the start of argv, preferring the longest match. */
function findCommand(argv: string[]): { command: CliCommand; rest: string[] } | undefined {
  let best: CliCommand | undefined;
  for (const command of commands) {
    const matches = command.path.every((word, i) => argv[i] === word);
    if (matches && (!best || command.path.length > best.path.length)) best = command;
  }
  return best && { command: best, rest: argv.slice(best.path.length) };
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [first] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io.stdout(helpText());
    return first === undefined ? EXIT.usage : EXIT.ok;
  }
  if (first === '--version' || first === '-v') {
    io.stdout(TANDEM_VERSION);
    return EXIT.ok;
  }
  const found = findCommand(argv);
  if (!found) {
    const what = first.startsWith('-') ? 'option' : 'command';
    io.stderr(`tandem: unknown ${what} "${first}". Run tandem --help to see the ${what}s.`);
    return EXIT.usage;
  }
  const { command, rest } = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`Usage: ${command.usage}\n\n${command.summary}`);
    return EXIT.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    io.stderr(`tandem ${command.path.join(' ')}: ${oneLine(error)}`);
    if (error instanceof TandemError || (error instanceof Error && error.name === 'UsageError')) {
      // Bad input and features not built yet are usage problems (exit 2), like unknown flags.
      const usage = !(error instanceof TandemError) || error.code === 'bad_request' || error.code === 'not_built';
      return usage ? EXIT.usage : EXIT.error;
    }
    if (io.env['TANDEM_DEBUG'] && error instanceof Error && error.stack) io.stderr(error.stack);
    return EXIT.error;
  }
}

/** An error as the one line a person sees: its first line, never empty, never a stack. */
export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split('\n').find((line) => line.trim() !== '')?.trim();
  if (first) return first;
  return error instanceof Error ? `${error.name} (no message)` : 'unknown error';
}

/** The process wiring: real stdout/stderr/stdin and signals. */
export function processIo(): CliIo {
  const stopSignal = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  return {
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
    readStdin: async () => {
      if (process.stdin.isTTY) return undefined;
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    env: process.env,
    stopSignal,
  };
}

// `tandem server` (run the sync server until Ctrl-C) and `tandem server add-user NAME` (create an
// account; the password comes from TANDEM_PASSWORD or standard input, never from the command line
// where other users could see it in the process list).
import { join } from 'node:path';
import { defaultStateDir } from '../../app/paths.ts';
import { TANDEM_VERSION } from '../../app/version.ts';
import { parseCommandArgs, UsageError } from '../args.ts';
import { type CliCommand, type CliIo, EXIT } from '../command.ts';

export const DEFAULT_SERVER_PORT = 8750;

function dataDir(value: string | undefined, io: CliIo): string {
  return value ?? join(defaultStateDir(io.env), 'server');
}

function parsePort(value: string | undefined): number {
  if (value === undefined) return DEFAULT_SERVER_PORT;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535, not "${value}".`);
  return port;
}

export const serverCommand: CliCommand = {
  path: ['server'],
  summary: 'run the sync server (SQLite + pack files in DIR)',
  usage: 'tandem server [--data DIR] [--host H] [--port P]',
  async run(args, io) {
    const { values } = parseCommandArgs(args, { data: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' } });
    const port = parsePort(values.port);
    const dir = dataDir(values.data, io);
    // Warnings and errors only (one JSON line each): a request log would drown them.
    // Loaded here, not at the top: `tandem sync` and `tandem status` need none of the server.
    const { startServer } = await import('../../../src-server/index.ts');
    const server = await startServer({ dataDir: dir, host: values.host ?? '127.0.0.1', port, version: TANDEM_VERSION, logLevel: 'warn' });
    io.stdout(`Tandem server ${TANDEM_VERSION}: ${server.url}`);
    io.stdout(`Data in ${dir}. Add people with: tandem server add-user NAME --data ${dir}`);
    io.stdout('Press Ctrl-C to stop.');
    await io.stopSignal;
    await server.close();
    io.stdout('Tandem server stopped.');
    return EXIT.ok;
  },
};

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** "500M", "20G", "1048576" → bytes. */
export function parseSize(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?$/i.exec(value.trim());
  const bytes = match ? Math.floor(Number(match[1]) * UNITS[match[2]!.toUpperCase()]!) : NaN;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new UsageError(`--quota must be a size like 500M or 20G, not "${value}".`);
  return bytes;
}

export const addUserCommand: CliCommand = {
  path: ['server', 'add-user'],
  summary: 'add an account to the server (password from stdin or TANDEM_PASSWORD)',
  usage: 'tandem server add-user NAME [--data DIR] [--quota SIZE]',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { data: { type: 'string' }, quota: { type: 'string' } }, true);
    const quotaBytes = values.quota === undefined ? null : parseSize(values.quota);
    if (positionals.length !== 1) throw new UsageError('give exactly one user name, e.g. tandem server add-user alice');
    const name = positionals[0]!;
    let password = io.env['TANDEM_PASSWORD'];
    if (password === undefined) {
      const stdin = await io.readStdin();
      // One line from stdin: `echo secret | tandem server add-user alice`.
      password = stdin?.replace(/\r?\n$/, '');
    }
    if (!password) {
      io.stderr('tandem server add-user: no password given; set TANDEM_PASSWORD or pipe it on standard input.');
      return EXIT.usage;
    }
    const dir = dataDir(values.data, io);
    const { addUser } = await import('../../../src-server/index.ts');
    await addUser({ dataDir: dir, name, password, quotaBytes });
    io.stdout(`Added user "${name}" to the server in ${dir}${quotaBytes === null ? '' : `, with a quota of ${quotaBytes} bytes`}.`);
    return EXIT.ok;
  },
};

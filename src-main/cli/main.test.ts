// Tests for the `tandem` command as a person or a script meets it, run in-process through runCli
// with captured output: help, version, usage errors, features not built yet, and error lines.
// (bin.test.ts runs the real launcher in a child process.)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import type { CliIo } from './command.ts';
import { oneLine, runCli } from './main.ts';

const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

interface Run {
  code: number;
  stdout: string[];
  stderr: string[];
}

/** An IO that records what the command prints; `stop()` plays the user pressing Ctrl-C. */
function capturedIo(env: NodeJS.ProcessEnv = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  let stop!: () => void;
  const stopSignal = new Promise<void>((resolve) => (stop = resolve));
  const io: CliIo = {
    stdout: (line) => stdout.push(line),
    stderr: (line) => stderr.push(line),
    readStdin: async () => undefined,
    env,
    stopSignal,
  };
  return { io, stdout, stderr, stop };
}

async function tandem(...argv: string[]): Promise<Run> {
  const { io, stdout, stderr } = capturedIo();
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

/** Printed lines, split where a single call printed several. */
function lines(printed: string[]): string[] {
  return printed.flatMap((text) => text.split('\n'));
}

/** What a stack trace looks like in Node's output ("    at fn (file:line:col)"). */
const STACK_FRAME = /^\s+at .+[:(]/m;

function expectOneErrorLine(run: Run, pattern: RegExp): void {
  expect(lines(run.stderr)).toHaveLength(1);
  expect(run.stderr[0]).toMatch(pattern);
  expect(run.stderr.join('\n')).not.toMatch(STACK_FRAME);
}

describe('tandem --help', () => {
  it.each([['--help'], ['-h'], ['help']])('%s lists every subcommand of DESIGN.md and exits 0', async (flag) => {
    const run = await tandem(flag);
    expect(run.code).toBe(0);
    expect(run.stderr).toEqual([]);
    const help = lines(run.stdout);
    for (const command of ['server', 'server add-user', 'sync', 'status', 'ui']) {
      expect(help.some((line) => line.startsWith(`  ${command} `))).toBe(true);
    }
    expect(help.join('\n')).toContain('--version');
    expect(help.join('\n')).toContain('Exit codes: 0 done, 1 error, 2 usage, 3 stopped to ask you something.');
  });

  it('with no arguments prints the help and exits 2, so a script calling it wrong notices', async () => {
    const run = await tandem();
    expect(run.code).toBe(2);
    expect(run.stdout.join('\n')).toContain('Usage: tandem <command> [options]');
    expect(run.stdout.join('\n')).toContain('server add-user');
  });

  it("a subcommand's --help shows its usage line and exits 0", async () => {
    const run = await tandem('sync', '--help');
    expect(run.code).toBe(0);
    expect(run.stdout[0]).toMatch(/^Usage: tandem sync --folder DIR --server URL --user NAME/);
    expect(run.stderr).toEqual([]);
  });
});

describe('tandem --version', () => {
  it.each([['--version'], ['-v']])("%s prints package.json's version alone and exits 0", async (flag) => {
    const run = await tandem(flag);
    expect(run).toEqual({ code: 0, stdout: [PACKAGE_VERSION], stderr: [] });
  });
});

describe('usage errors: one line on stderr, exit 2', () => {
  it('an unknown command is named, with where to look', async () => {
    const run = await tandem('frobnicate', '--now');
    expect(run.code).toBe(2);
    expect(run.stdout).toEqual([]);
    expectOneErrorLine(run, /^tandem: unknown command "frobnicate"\. Run tandem --help/);
  });

  it('an unknown top-level option is called an option, not a command', async () => {
    const run = await tandem('--verbose');
    expect(run.code).toBe(2);
    expectOneErrorLine(run, /^tandem: unknown option "--verbose"\./);
  });

  it.each([
    [['ui', '--no-such-flag'], /^tandem ui: Unknown option '--no-such-flag'/],
    [['ui', '--port'], /^tandem ui: Option '--port <value>' argument missing/],
    [['ui', 'extra'], /^tandem ui: Unexpected argument 'extra'/],
    [['ui', '--port', 'eighty'], /^tandem ui: --port must be a number from 0 to 65535, not "eighty"\.$/],
    [['ui', '--port', '70000'], /^tandem ui: --port must be a number from 0 to 65535, not "70000"\.$/],
    // Number() would quietly read these as ports 0 and 128.
    [['ui', '--port', ''], /^tandem ui: --port must be a number from 0 to 65535, not ""\.$/],
    [['ui', '--port', '0x80'], /^tandem ui: --port must be a number from 0 to 65535, not "0x80"\.$/],
  ])('tandem %j', async (argv, message) => {
    const run = await tandem(...argv);
    expect(run.code).toBe(2);
    expect(run.stdout).toEqual([]);
    expectOneErrorLine(run, message);
  });

  // `server` is being built; whatever it becomes, these stay usage errors (DESIGN.md's usage line).
  it.each([[['server', 'add-user']], [['server', '--no-such-flag']]])('tandem %j is a usage error', async (argv) => {
    const run = await tandem(...argv);
    expect(run.code).toBe(2);
    expectOneErrorLine(run, /^tandem server/);
  });
});

describe('sync and status refuse bad arguments before touching anything', () => {
  it.each([
    [['sync'], /^tandem sync: --folder, --server and --user are required\.$/],
    [['sync', '--folder', '/tmp/a', '--server', 'nas:8750', '--user', 'ann'], /^tandem sync: --server must be an http:\/\/ or https:\/\/ URL, not "nas:8750"\.$/],
    [['sync', '--folder', '/tmp/a', '--server', 'not a url', '--user', 'ann'], /^tandem sync: --server must be a URL like http:\/\/nas\.local:8750, not "not a url"\.$/],
    [['sync', '--folder', '/tmp/a', '--server', 'http://127.0.0.1:1', '--user', 'ann', '--fs-policy', 'beos'], /^tandem sync: --fs-policy must be linux, macos or windows, not "beos"\.$/],
    [['sync', '--folder', '/tmp/a', '--server', 'http://127.0.0.1:1', '--user', 'ann', '--state', '/tmp/a/state'], /^tandem sync: .*inside/],
    [['status'], /^tandem status: --state is required/],
  ])('tandem %j', async (argv, message) => {
    const run = await tandem(...argv);
    expect(run.code).toBe(2);
    expect(run.stdout).toEqual([]);
    expectOneErrorLine(run, message);
  });

  it('status of a state folder that was never used says so and exits 1', async () => {
    const state = mkdtempSync(join(tmpdir(), 'tandem-cli-status-'));
    onTestFinished(() => rmSync(state, { recursive: true, force: true }));
    const run = await tandem('status', '--state', state);
    expect(run.code).toBe(1);
    expectOneErrorLine(run, /^tandem status: There is no Tandem index in .*; run tandem sync with --state .* first\.$/);
  });
});

describe('tandem ui', () => {
  let blocker: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
    blocker = undefined;
  });

  it('prints a loopback URL that answers, and exits 0 when the user stops it', async () => {
    const { io, stdout, stderr, stop } = capturedIo();
    const state = mkdtempSync(join(tmpdir(), 'tandem-cli-ui-'));
    onTestFinished(() => rmSync(state, { recursive: true, force: true }));
    const exit = runCli(['ui', '--state', state], io);
    await expect.poll(() => stdout.length, { timeout: 10_000 }).toBeGreaterThan(0);
    const url = new URL(stdout[0]!.replace(/^Tandem UI: /, ''));
    expect(url.hostname).toBe('127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(url.port), '127.0.0.1', () => {
        socket.end();
        resolve();
      });
      socket.once('error', reject);
    });
    stop();
    expect(await exit).toBe(0);
    expect(stderr).toEqual([]);
  });

  it('on a port that is taken says so in one line and exits 1', async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const { io, stdout, stderr } = capturedIo();
    const state = mkdtempSync(join(tmpdir(), 'tandem-cli-ui-'));
    onTestFinished(() => rmSync(state, { recursive: true, force: true }));
    const code = await runCli(['ui', '--state', state, '--port', String(port)], io);
    expect(code).toBe(1);
    expect(stdout).toEqual([]);
    expectOneErrorLine({ code, stdout, stderr }, new RegExp(`^tandem ui: .*${port}.*in use`));
  });
});

describe('error lines', () => {
  // Errors from libraries (SQLite, the network) may span lines; a person still sees one.
  it('keep only the first non-empty line of a message', () => {
    expect(oneLine(new Error('\n  disk I/O error\n    at somewhere (x.ts:1:1)'))).toBe('disk I/O error');
  });

  it('are never empty, even for an error without a message or a thrown non-error', () => {
    expect(oneLine(new TypeError(''))).toBe('TypeError (no message)');
    expect(oneLine('plain text')).toBe('plain text');
    expect(oneLine(undefined)).toBe('undefined');
  });
});

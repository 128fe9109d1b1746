// `tandem server` and `tandem server add-user` in-process through runCli, against a real data folder.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { afterEach, expect, it } from 'vitest';
import type { CliIo } from '../command.ts';
import { runCli } from '../main.ts';
import { parseSize } from './server.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-cli-server-'));
  dirs.push(dir);
  return dir;
}

function io(options: { env?: NodeJS.ProcessEnv; stdin?: string } = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  let stop!: () => void;
  const stopSignal = new Promise<void>((resolve) => (stop = resolve));
  const cliIo: CliIo = {
    stdout: (line) => stdout.push(line),
    stderr: (line) => stderr.push(line),
    readStdin: async () => options.stdin,
    env: options.env ?? {},
    stopSignal,
  };
  return { io: cliIo, stdout, stderr, stop };
}

it('add-user takes the password from TANDEM_PASSWORD or stdin, and refuses a duplicate', async () => {
  const data = tempDir();
  const a = io({ env: { TANDEM_PASSWORD: 'correct horse battery' } });
  expect(await runCli(['server', 'add-user', 'alice', '--data', data], a.io)).toBe(0);
  expect(a.stdout).toEqual([`Added user "alice" to the server in ${data}.`]);
  const b = io({ stdin: 'another good password\n' });
  expect(await runCli(['server', 'add-user', 'bob', '--data', data], b.io)).toBe(0);
  const dup = io({ env: { TANDEM_PASSWORD: 'whatever12' } });
  expect(await runCli(['server', 'add-user', 'ALICE', '--data', data], dup.io)).toBe(1);
  expect(dup.stderr).toEqual(['tandem server add-user: There is already a user named "ALICE".']);
});

it('add-user without a password, or with a bad name, is a usage error with one line', async () => {
  const data = tempDir();
  const none = io();
  expect(await runCli(['server', 'add-user', 'alice', '--data', data], none.io)).toBe(2);
  expect(none.stderr).toEqual(['tandem server add-user: no password given; set TANDEM_PASSWORD or pipe it on standard input.']);
  const bad = io({ env: { TANDEM_PASSWORD: 'correct horse battery' } });
  expect(await runCli(['server', 'add-user', '../evil', '--data', data], bad.io)).toBe(2);
  expect(bad.stderr).toHaveLength(1);
  expect(bad.stderr[0]).toMatch(/cannot be a user name/);
});

it('server prints its URL, serves until Ctrl-C, then exits 0', async () => {
  const data = tempDir();
  await runCli(['server', 'add-user', 'alice', '--data', data], io({ env: { TANDEM_PASSWORD: 'correct horse battery' } }).io);
  const run = io();
  const exit = runCli(['server', '--data', data, '--port', '0'], run.io);
  while (run.stdout.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  const url = /(http:\/\/127\.0\.0\.1:\d+)$/.exec(run.stdout[0]!)?.[1];
  expect(url).toBeDefined();
  const login = await fetch(`${url}/v1/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: 'alice', password: 'correct horse battery', device_name: 'cli-test' }),
  });
  expect(login.status).toBe(200);
  run.stop();
  expect(await exit).toBe(0);
  expect(run.stdout.at(-1)).toBe('Tandem server stopped.');
  await expect(fetch(`${url}/v1/openapi.json`)).rejects.toThrow();
});

it('a bad port is a usage error; a port in use is one clear error line', async () => {
  const bad = io();
  expect(await runCli(['server', '--port', '99999', '--data', tempDir()], bad.io)).toBe(2);
  expect(bad.stderr).toEqual(['tandem server: --port must be a number from 0 to 65535, not "99999".']);

  const data = tempDir();
  const first = io();
  const exit = runCli(['server', '--data', data, '--port', '0'], first.io);
  while (first.stdout.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  const port = /:(\d+)$/.exec(first.stdout[0]!)![1]!;
  const second = io();
  expect(await runCli(['server', '--data', tempDir(), '--port', port], second.io)).toBe(1);
  expect(second.stderr).toEqual([`tandem server: Port ${port} on 127.0.0.1 is already in use; pick another with --port.`]);
  first.stop();
  await exit;
});

it('add-user --quota sets the account quota; a bad size is a usage error', async () => {
  const data = tempDir();
  const ok = io({ env: { TANDEM_PASSWORD: 'correct horse battery' } });
  expect(await runCli(['server', 'add-user', 'alice', '--data', data, '--quota', '2G'], ok.io)).toBe(0);
  expect(ok.stdout).toEqual([`Added user "alice" to the server in ${data}, with a quota of 2147483648 bytes.`]);
  const bad = io({ env: { TANDEM_PASSWORD: 'correct horse battery' } });
  expect(await runCli(['server', 'add-user', 'bob', '--data', data, '--quota', 'lots'], bad.io)).toBe(2);
  expect(bad.stderr).toEqual(['tandem server add-user: --quota must be a size like 500M or 20G, not "lots".']);
  expect(parseSize('1.5K')).toBe(1536);
  expect(parseSize('500MiB')).toBe(500 * 1024 * 1024);
});

it('a data folder that cannot be used is one clear error line', async () => {
  const file = join(tempDir(), 'not-a-folder');
  writeFileSync(file, 'x');
  const run = io({ env: { TANDEM_PASSWORD: 'correct horse battery' } });
  expect(await runCli(['server', 'add-user', 'alice', '--data', file], run.io)).toBe(1);
  expect(run.stderr).toHaveLength(1);
  expect(run.stderr[0]).toMatch(/^tandem server add-user: .*not-a-folder/);
});

it('the real process prints its URL and stops cleanly on SIGTERM (exit 0)', async () => {
  const data = tempDir();
  const bin = new URL('../../../bin/tandem.js', import.meta.url).pathname;
  const child = spawn(process.execPath, [bin, 'server', '--data', data, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Press Ctrl-C to stop.')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
  });
  expect(out).toMatch(/^Tandem server \S+: http:\/\/127\.0\.0\.1:\d+$/m);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(out).toContain('Tandem server stopped.');
});

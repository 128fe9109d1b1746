// `tandem sync` and `tandem status` as people and scripts run them: real processes (bin/tandem.js)
// against a real server, checked on disk and by exit code (DESIGN.md's command table: 0 done,
// 1 error, 2 usage, 3 waiting for the user).
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir, unlink, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { addUser } from '../../src-server/index.ts';
import { TestServer } from '../engine/remote-harness.ts';

const BIN = fileURLToPath(new URL('../../bin/tandem.js', import.meta.url));
const PASSWORD = 'correct horse battery staple';
let server: TestServer;
const dirs: string[] = [];

let user = '';
let users = 0;
beforeAll(async () => {
  server = await TestServer.start();
});
// Each test has its own account, so one test's files are not in another's folder.
beforeEach(async () => {
  users += 1;
  user = `ann${users}`;
  await addUser({ dataDir: server.dataDir, name: user, password: PASSWORD });
});
afterAll(async () => {
  await server.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function temp(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `tandem-cli-${name}-`));
  dirs.push(dir);
  return dir;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function tandem(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, TANDEM_DEBUG: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function syncOnce(folder: string, state: string, device: string, extra: string[] = [], env: Record<string, string> = { TANDEM_PASSWORD: PASSWORD }): Promise<Run> {
  return tandem(['sync', '--folder', folder, '--server', server.url, '--user', user, '--state', state, '--device', device, '--once', ...extra], env);
}

it('--once syncs two folders through the server, and status reports the folder in sync', async () => {
  const [a, aState, b, bState] = await Promise.all([temp('a'), temp('a-state'), temp('b'), temp('b-state')]);
  await mkdir(join(a, 'notes'));
  await writeFile(join(a, 'notes/todo.txt'), 'buy milk');
  expect(await syncOnce(a, aState, 'laptop')).toMatchObject({ code: 0, stderr: '' });
  expect(await syncOnce(b, bState, 'desktop')).toMatchObject({ code: 0, stderr: '' });
  expect(await readFile(join(b, 'notes/todo.txt'), 'utf8')).toBe('buy milk');

  // The password is needed once per state folder: the device token is kept (owner-only).
  await writeFile(join(b, 'notes/todo.txt'), 'buy oat milk');
  expect(await syncOnce(b, bState, 'desktop', [], {})).toMatchObject({ code: 0, stderr: '' });
  expect(await syncOnce(a, aState, 'laptop', [], {})).toMatchObject({ code: 0 });
  expect(await readFile(join(a, 'notes/todo.txt'), 'utf8')).toBe('buy oat milk');

  const status = await tandem(['status', '--state', aState, '--json']);
  expect(status.code).toBe(0);
  const parsed = JSON.parse(status.stdout) as { state: string; running: boolean; lastSyncedAt: number | null; folder: string };
  expect(parsed).toMatchObject({ state: 'idle', running: false, folder: a });
  expect(parsed.lastSyncedAt).toBeGreaterThan(Date.now() - 60_000);
  const text = await tandem(['status', '--state', aState]);
  expect(text.stdout).toMatch(new RegExp(`^${a}: not running \\(last: idle, Up to date\\.\\)`));
}, 60_000);

it('a mass delete stops with exit 3 and the question; --allow-mass-delete goes ahead', async () => {
  const [a, aState, b, bState] = await Promise.all([temp('a'), temp('a-state'), temp('b'), temp('b-state')]);
  for (let i = 0; i < 40; i++) await writeFile(join(a, `file-${i}.txt`), `content ${i}`);
  expect((await syncOnce(a, aState, 'laptop')).code).toBe(0);
  expect((await syncOnce(b, bState, 'desktop')).code).toBe(0);
  for (let i = 0; i < 30; i++) await unlink(join(a, `file-${i}.txt`));

  const asked = await syncOnce(a, aState, 'laptop');
  expect(asked.code).toBe(3);
  expect(asked.stderr).toMatch(/^tandem sync: 30 of 40 files would be deleted on the server and every device\. Nothing is deleted until you confirm\. Run again with --allow-mass-delete/);
  const status = JSON.parse((await tandem(['status', '--state', aState, '--json'])).stdout) as { state: string; questions: Array<{ count: number }> };
  expect(status.state).toBe('waiting');
  expect(status.questions).toMatchObject([{ count: 30 }]);
  expect((await syncOnce(b, bState, 'desktop')).code).toBe(0);
  expect((await readdir(b)).filter((name) => name.startsWith('file-'))).toHaveLength(40);

  expect((await syncOnce(a, aState, 'laptop', ['--allow-mass-delete'])).code).toBe(0);
  // Each device guards its own disk: the other one asks before applying so many deletes too.
  const receiving = await syncOnce(b, bState, 'desktop');
  expect(receiving.code).toBe(3);
  expect(receiving.stderr).toMatch(/^tandem sync: 30 of 40 files would be deleted on this device\./);
  expect((await readdir(b)).filter((name) => name.startsWith('file-'))).toHaveLength(40);
  expect((await syncOnce(b, bState, 'desktop', ['--allow-mass-delete'])).code).toBe(0);
  expect((await readdir(b)).filter((name) => name.startsWith('file-'))).toHaveLength(10);
}, 90_000);

it('a folder whose root went missing stops with exit 1 and one sentence, and deletes nothing', async () => {
  const [a, aState, b, bState] = await Promise.all([temp('a'), temp('a-state'), temp('b'), temp('b-state')]);
  await writeFile(join(a, 'precious.txt'), 'keep me');
  expect((await syncOnce(a, aState, 'laptop')).code).toBe(0);
  expect((await syncOnce(b, bState, 'desktop')).code).toBe(0);
  await rm(a, { recursive: true });
  const run = await syncOnce(a, aState, 'laptop');
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/^tandem sync: The synced folder .* is missing \(a disk not mounted\?\); syncing stopped and nothing was deleted\.\n$/);
  expect((await syncOnce(b, bState, 'desktop')).code).toBe(0);
  expect(await readFile(join(b, 'precious.txt'), 'utf8')).toBe('keep me');
}, 60_000);

it('a wrong password is one line and exit 1; nothing is written', async () => {
  const [a, aState] = await Promise.all([temp('a'), temp('a-state')]);
  const run = await syncOnce(a, aState, 'laptop', [], { TANDEM_PASSWORD: 'wrong password' });
  expect(run.code).toBe(1);
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(/^tandem sync: /);
  expect(await readdir(aState)).toEqual([]);
}, 30_000);

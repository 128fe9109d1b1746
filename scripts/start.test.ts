// `npm start` chooses between the tray app and the headless UI; these pin down that choice, and
// check the real script says why in one line and brings the headless UI up.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { planStart, type StartProbe } from './start.ts';

const REPO = '/repo';
const ELECTRON = join(REPO, 'node_modules', 'electron');

/** A probe over an imaginary file system: path → text. */
function probe(files: Record<string, string>, env: NodeJS.ProcessEnv = { DISPLAY: ':0' }, platform: NodeJS.Platform = 'linux'): StartProbe {
  return { env, platform, repoDir: REPO, exists: (path) => path in files, readText: (path) => files[path] };
}

const installedPackage = { [join(ELECTRON, 'package.json')]: '{}' };
const installedBinary = { ...installedPackage, [join(ELECTRON, 'path.txt')]: 'electron', [join(ELECTRON, 'dist', 'electron')]: '' };

describe('planStart', () => {
  it('launches Electron when its binary is installed and there is a display', () => {
    expect(planStart(probe(installedBinary))).toEqual({ kind: 'electron', electronPath: join(ELECTRON, 'dist', 'electron') });
    expect(planStart(probe(installedBinary, { WAYLAND_DISPLAY: 'wayland-0' })).kind).toBe('electron');
  });

  it('falls back, saying why, when the package has no binary (the download never happened)', () => {
    expect(planStart(probe(installedPackage))).toEqual({
      kind: 'headless',
      reason: "Electron's binary is not installed (it cannot be downloaded here); starting the headless UI instead.",
    });
    // path.txt written but the binary missing: still not runnable.
    const noBinary = { ...installedPackage, [join(ELECTRON, 'path.txt')]: 'electron' };
    expect(planStart(probe(noBinary)).kind).toBe('headless');
  });

  it('falls back when the electron package itself is missing', () => {
    const plan = planStart(probe({}));
    expect(plan).toMatchObject({ kind: 'headless', reason: expect.stringContaining('run npm install') });
  });

  it('falls back on Linux without a display, but not on Windows or macOS', () => {
    expect(planStart(probe(installedBinary, {}))).toMatchObject({ kind: 'headless', reason: expect.stringContaining('DISPLAY') });
    const windows = { ...installedPackage, [join(ELECTRON, 'path.txt')]: 'electron.exe', [join(ELECTRON, 'dist', 'electron.exe')]: '' };
    expect(planStart(probe(windows, {}, 'win32')).kind).toBe('electron');
    const mac = { ...installedPackage, [join(ELECTRON, 'path.txt')]: 'Electron.app/Contents/MacOS/Electron', [join(ELECTRON, 'dist', 'Electron.app/Contents/MacOS/Electron')]: '' };
    expect(planStart(probe(mac, {}, 'darwin'))).toEqual({ kind: 'electron', electronPath: join(ELECTRON, 'dist', 'Electron.app/Contents/MacOS/Electron') });
  });

  it('honours ELECTRON_OVERRIDE_DIST_PATH, as the electron package does', () => {
    const files = { ...installedPackage, '/opt/electron/electron': '' };
    expect(planStart(probe(files, { DISPLAY: ':0', ELECTRON_OVERRIDE_DIST_PATH: '/opt/electron' }))).toEqual({ kind: 'electron', electronPath: '/opt/electron/electron' });
    expect(planStart(probe(installedPackage, { DISPLAY: ':0', ELECTRON_OVERRIDE_DIST_PATH: '/nowhere' }))).toMatchObject({
      kind: 'headless',
      reason: expect.stringContaining('ELECTRON_OVERRIDE_DIST_PATH has no Electron binary at /nowhere/electron'),
    });
  });

  it('starts headless when asked to with TANDEM_HEADLESS, even where Electron could run', () => {
    expect(planStart(probe(installedBinary, { DISPLAY: ':0', TANDEM_HEADLESS: '1' }))).toMatchObject({ kind: 'headless' });
  });
});

describe('npm start on this machine (no Electron binary)', () => {
  it('prints one line saying why, then the headless UI address, and stops on Ctrl-C', async () => {
    const repoDir = fileURLToPath(new URL('..', import.meta.url));
    const child = spawn(process.execPath, [join(repoDir, 'scripts', 'start.ts'), '--port', '0'], {
      cwd: repoDir,
      env: { ...process.env, TANDEM_STATE_DIR: join(repoDir, '.tandem-dev', 'start-test') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const match = /Tandem UI: (\S+)/.exec(stdout);
          if (match) resolve(match[1]!);
        });
        child.on('exit', () => reject(new Error(`exited early: ${stdout}${stderr}`)));
      });
      const firstLine = stdout.split('\n')[0]!;
      expect(firstLine).toMatch(/; starting the headless UI instead\.$/);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
      const response = await fetch(url);
      expect(response.status).toBe(200);
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(stderr).toBe('');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    }
  });
});

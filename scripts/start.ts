// `npm start`: the tray app where Electron can run, otherwise the headless UI (`tandem ui`).
// Electron can run when its binary is installed and, on Linux and other X11/Wayland systems,
// there is a display. We look for the binary the way the electron package does (path.txt under
// node_modules/electron, or ELECTRON_OVERRIDE_DIST_PATH) but never require('electron'): that
// would try to download the binary, which cannot work here.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type StartPlan = { kind: 'electron'; electronPath: string } | { kind: 'headless'; reason: string };

export interface StartProbe {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  repoDir: string;
  exists(path: string): boolean;
  /** The file's text, or undefined when it cannot be read. */
  readText(path: string): string | undefined;
}

const INSTEAD = 'starting the headless UI instead.';

/** Decides how to start, from what is installed and the environment. Pure, given the probe. */
export function planStart(probe: StartProbe): StartPlan {
  const { env } = probe;
  if (env['TANDEM_HEADLESS']) return { kind: 'headless', reason: `TANDEM_HEADLESS is set; ${INSTEAD}` };

  const electronDir = join(probe.repoDir, 'node_modules', 'electron');
  if (!probe.exists(join(electronDir, 'package.json'))) {
    return { kind: 'headless', reason: `The electron package is not installed (run npm install); ${INSTEAD}` };
  }
  const relativePath = probe.readText(join(electronDir, 'path.txt'))?.trim() || undefined;
  const override = env['ELECTRON_OVERRIDE_DIST_PATH'];
  let electronPath: string;
  if (override) {
    electronPath = join(override, relativePath ?? 'electron');
    if (!probe.exists(electronPath)) {
      return { kind: 'headless', reason: `ELECTRON_OVERRIDE_DIST_PATH has no Electron binary at ${electronPath}; ${INSTEAD}` };
    }
  } else {
    const candidate = relativePath && join(electronDir, 'dist', relativePath);
    if (!candidate || !probe.exists(candidate)) {
      return { kind: 'headless', reason: `Electron's binary is not installed (it cannot be downloaded here); ${INSTEAD}` };
    }
    electronPath = candidate;
  }

  // Windows and macOS always have a desktop; everything else needs an X11 or Wayland display.
  const needsDisplay = probe.platform !== 'win32' && probe.platform !== 'darwin';
  if (needsDisplay && !env['DISPLAY'] && !env['WAYLAND_DISPLAY']) {
    return { kind: 'headless', reason: `There is no display for the tray app (neither DISPLAY nor WAYLAND_DISPLAY is set); ${INSTEAD}` };
  }
  return { kind: 'electron', electronPath };
}

/**
 * Runs a child with our stdio until it exits, passing Ctrl-C and SIGTERM on exactly once. On
 * POSIX the child gets its own process group, so a terminal's Ctrl-C reaches only us and we
 * forward it (otherwise it would get the signal twice: from the terminal and from us). Only the
 * first signal is passed on: under `npm start`, npm relays the terminal's signal to us as well.
 */
function runChild(command: string, args: string[], repoDir: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: repoDir, env, stdio: 'inherit', detached: process.platform !== 'win32' });
    let forwarded = false;
    const forward = (signal: NodeJS.Signals) => {
      if (forwarded || child.exitCode !== null || child.signalCode !== null) return;
      forwarded = true;
      child.kill(signal);
    };
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    const done = (code: number) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code);
    };
    child.on('error', (error) => {
      process.stderr.write(`npm start: could not run ${command}: ${error.message}\n`);
      done(1);
    });
    child.on('exit', (code, signal) => done(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1)));
  });
}

async function main(): Promise<number> {
  const repoDir = fileURLToPath(new URL('..', import.meta.url));
  const args = process.argv.slice(2);
  const plan = planStart({
    env: process.env,
    platform: process.platform,
    repoDir,
    exists: existsSync,
    readText: (path) => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
    },
  });

  if (plan.kind === 'headless') {
    process.stdout.write(`${plan.reason}\n`);
    return runChild(process.execPath, [join(repoDir, 'bin', 'tandem.js'), 'ui', ...args], repoDir, process.env);
  }

  // The tray app runs the bundles in dist-electron/ and the renderer in dist-renderer/.
  const build = spawnSync('npm', ['run', 'build'], { cwd: repoDir, stdio: 'inherit', shell: process.platform === 'win32' });
  if (build.status !== 0) {
    process.stderr.write('npm start: the build failed (see above), so Tandem was not started.\n');
    return 1;
  }
  // An inherited ELECTRON_RUN_AS_NODE would turn Electron into plain Node.
  const env = { ...process.env };
  delete env['ELECTRON_RUN_AS_NODE'];
  return runChild(plan.electronPath, [repoDir, ...args], repoDir, env);
}

if (import.meta.main) process.exitCode = await main();

// Tests for bin/tandem.js, the real launcher, run as a child process the way `npx tandem` runs it:
// with Node 24 it hands over to the CLI; with an older Node it refuses in one line.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/tandem.js', import.meta.url));
const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const STACK_FRAME = /^\s+at .+[:(]/m;

/** Runs the launcher with a given node binary; TANDEM_DEBUG is cleared so no stack is asked for. */
function runBin(node: string, args: string[]) {
  const env = { ...process.env };
  delete env['TANDEM_DEBUG'];
  const result = spawnSync(node, [BIN, ...args], { cwd: REPO, encoding: 'utf8', env, timeout: 20_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function nodeMajor(node: string): number {
  return Number(execFileSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).split('.')[0]);
}

describe('bin/tandem.js under Node 24', () => {
  // Vitest runs under the toolchain's Node 24, so this is the Node `npx tandem` uses too.
  const node = process.execPath;

  it('is run by Node 24', () => {
    expect(nodeMajor(node)).toBeGreaterThanOrEqual(24);
  });

  it("--version prints package.json's version and exits 0", () => {
    expect(runBin(node, ['--version'])).toEqual({ code: 0, stdout: `${PACKAGE_VERSION}\n`, stderr: '' });
  });

  it('a failing subcommand says why in one line on stderr and exits 1, with no stack trace', () => {
    const run = runBin(node, ['status', '--state', '/tmp/nowhere-tandem-state']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^tandem status: There is no Tandem index in [^\n]*\n$/);
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });

  it('an unknown command is one line on stderr and exit 2, with no stack trace', () => {
    const run = runBin(node, ['frobnicate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^tandem: unknown command "frobnicate"[^\n]*\n$/);
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });
});

describe('bin/tandem.js under an older Node', () => {
  // The machines we build on have Debian's Node 20 as /usr/bin/node; the launcher must refuse it
  // in one line rather than fail somewhere inside the TypeScript sources.
  const oldNode = '/usr/bin/node';

  it('refuses in one line naming the Node it found, and exits 1', () => {
    expect(existsSync(oldNode), `${oldNode} (an older Node) is needed for this test`).toBe(true);
    const major = nodeMajor(oldNode);
    expect(major, `${oldNode} must be older than Node 24 for this test`).toBeLessThan(24);
    const run = runBin(oldNode, ['--version']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(new RegExp(`^tandem: needs Node 24 or newer \\(this is Node ${major}\\.[^\\n]*\\n$`));
  });
});

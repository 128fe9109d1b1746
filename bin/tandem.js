#!/usr/bin/env node
// Entry point of the `tandem` command. Tandem's sources are TypeScript that Node 24 runs directly
// (type stripping), so this file only checks the Node version and hands over.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`tandem: needs Node 24 or newer (this is Node ${process.versions.node}); install Node 24 LTS and run again.\n`);
  process.exit(1);
}

// V8 lets the young generation of every heap grow to tens of MB that a sync engine never fills
// again: at 100,000 files that was ~150 MB of the resident set, peak and at rest, and a 4 MB
// semi-space costs no measurable CPU. The flag only works at start, so when it is missing we
// replace this process with Node started with it (same pid, stdio and signals: process.execve;
// ~35 ms). Where execve does not exist (Windows) Tandem runs as it is, with the larger heap.
// The same start also caps glibc's malloc arenas at 2 (it makes one per thread that ever
// allocated, and keeps what the walk, hashing and SQLite threads freed): 30-40 MB less at 100k
// files, peak and at rest, no CPU cost measured. Other C libraries ignore the variable.
const SEMI_SPACE_FLAG = '--max-semi-space-size';
const hasSemiSpaceFlag = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((arg) => arg.startsWith(SEMI_SPACE_FLAG));
if (!hasSemiSpaceFlag && typeof process.execve === 'function') {
  try {
    const env = { MALLOC_ARENA_MAX: '2', ...process.env };
    process.execve(process.execPath, [process.execPath, `${SEMI_SPACE_FLAG}=4`, ...process.execArgv, ...process.argv.slice(1)], env);
  } catch {
    // Could not start Node again (a sandbox, an odd platform): run on as we are.
  }
}

// Whatever escapes the command (a module that fails to load, an error thrown from a callback) is
// still one line on stderr and exit 1, never a stack trace; TANDEM_DEBUG=1 shows the stack.
function fail(error) {
  const message = error instanceof Error ? error.message : String(error);
  const line = message.split('\n').find((text) => text.trim() !== '')?.trim() || 'unknown error';
  process.stderr.write(`tandem: unexpected error: ${line}\n`);
  if (process.env.TANDEM_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exit(1);
}
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

// V8's compile cache (in the temp folder) spares every start, and every hashing worker, the cost of
// stripping and compiling the TypeScript sources again: faster starts and a smaller resident set.
try {
  const { enableCompileCache } = await import('node:module');
  enableCompileCache?.();
} catch {
  // An unwritable temp folder only costs speed.
}

try {
  const { runCli, processIo } = await import('../src-main/cli/main.ts');
  process.exitCode = await runCli(process.argv.slice(2), processIo());
} catch (error) {
  fail(error);
}

#!/usr/bin/env node
// Entry point of the `tandem` command. Tandem's sources are TypeScript that Node 24 runs directly
// (type stripping), so this file only checks the Node version and hands over.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`tandem: needs Node 24 or newer (this is Node ${process.versions.node}); install Node 24 LTS and run again.\n`);
  process.exit(1);
}
const { runCli, processIo } = await import('../src-main/cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2), processIo());

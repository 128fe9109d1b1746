// Proves that the repository's ESLint config (eslint.config.js) enforces DESIGN.md's import arrows
// and the ban on focused or skipped tests. It lints lint/fixtures/, a tree laid out like the
// repository, through ESLint's Node API. Each line that breaks a rule ends with
// `// ✗ <message>`; that exact message must be reported on that line, and nothing anywhere else.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const REPO = path.resolve(import.meta.dirname, '..');
const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const EXPECTATION = /\/\/ ✗ (.+)$/;

interface Finding {
  file: string;
  line: number;
  message: string;
}

function key(finding: Finding): string {
  return `${finding.file}:${finding.line}: ${finding.message}`;
}

/** What the fixtures' `// ✗` comments say lint must report. */
function expectedFindings(files: string[]): Finding[] {
  return files.flatMap((file) =>
    readFileSync(path.join(FIXTURES, file), 'utf8')
      .split('\n')
      .flatMap((text, index) => {
        const match = EXPECTATION.exec(text);
        return match?.[1] ? [{ file, line: index + 1, message: match[1] }] : [];
      }),
  );
}

let results: ESLint.LintResult[];
let reported: Finding[];

beforeAll(async () => {
  const eslint = new ESLint({
    cwd: FIXTURES,
    overrideConfigFile: path.join(REPO, 'eslint.config.js'),
    // The real config ignores fixtures (they break the rules on purpose); here they are the point.
    ignore: false,
    overrideConfig: [
      // Layers are named by paths from the root; for this run the fixtures are the root.
      { settings: { 'boundaries/root-path': FIXTURES } },
      // The fixtures are in no tsconfig, so the few type-aware rules cannot run on them.
      { files: ['**/*.ts', '**/*.tsx'], ...tseslint.configs.disableTypeChecked },
    ],
  });
  results = await eslint.lintFiles(['.']);
  reported = results.flatMap((result) =>
    result.messages.map((message) => ({
      file: path.relative(FIXTURES, result.filePath).split(path.sep).join('/'),
      line: message.line,
      message: message.message,
    })),
  );
}, 60_000);

describe('eslint.config.js on lint/fixtures', () => {
  it('lints every fixture, so none escapes the rules by being skipped', () => {
    const linted = results.map((result) => path.relative(FIXTURES, result.filePath).split(path.sep).join('/'));
    expect(linted).toEqual(expect.arrayContaining(['src-shared/imports-ours.ts', 'src-renderer/reaches-main.tsx', 'bin/tandem.js']));
    expect(linted.length).toBeGreaterThanOrEqual(25);
  });

  it('reports exactly the broken arrows, on the lines that break them, and nothing on allowed imports', () => {
    const expected = expectedFindings(results.map((result) => path.relative(FIXTURES, result.filePath)));
    // The fixtures cover every arrow; a lost comment must not quietly shrink the test.
    expect(expected.length).toBeGreaterThanOrEqual(40);
    expect(reported.map(key).sort()).toEqual(expected.map(key).sort());
  });

  it.each([
    ['src-shared/imports-ours.ts', 1, 'src-shared imports nothing of ours (DESIGN.md)'],
    ['src-shared/imports-node.ts', 1, 'src-shared is pure TypeScript: no Node built-ins (DESIGN.md)'],
    ['src-renderer/reaches-main.tsx', 1, 'src-renderer may import only src-shared (DESIGN.md)'],
    ['src-server/routes.ts', 2, 'src-server may import only src-shared (DESIGN.md)'],
    ['src-main/engine/reaches-out.ts', 1, 'src-main/engine may import only src-shared (DESIGN.md)'],
    ['src-main/engine/reaches-out.ts', 7, "only src-main/electron imports 'electron' (DESIGN.md)"],
    [
      'src-main/app/reaches-out.ts',
      1,
      "src-main/app may import only src-main/engine, src-shared and src-server's public entry src-server/index.ts (DESIGN.md)",
    ],
    ['src-main/host/reaches-out.ts', 1, expect.stringContaining('nothing imports src-main/cli')],
    ['src-main/electron/reaches-out.ts', 1, expect.stringContaining('nothing imports src-main/cli or src-main/host')],
    ['scripts/start.ts', 5, 'nothing of ours imports src-main/electron (DESIGN.md)'],
  ])('%s line %i says which arrow it broke', (file, line, message) => {
    // Spelled out (not read from the fixtures) so the messages people see are pinned here too.
    expect(reported.filter((finding) => finding.file === file && finding.line === line).map((f) => f.message)).toEqual([message]);
  });

  it.each(['src-shared/pure.ts', 'src-server/index.ts', 'src-main/app/app.ts', 'src-main/cli/main.ts', 'src-main/electron/preload.ts', 'e2e/flow.test.ts', 'src-renderer/vite.config.ts'])(
    '%s follows the arrows and gets no message',
    (file) => {
      expect(reported.filter((finding) => finding.file === file)).toEqual([]);
    },
  );
});

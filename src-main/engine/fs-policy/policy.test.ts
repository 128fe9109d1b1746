// The platform policies, row by row of SCENARIOS.md (#27, #28, #53 and the rules of each platform),
// plus properties: an accepted name is one the server can hold and round-trips through a real disk.

import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { checkName, nameKey } from '../../../src-shared/names.ts';
import { parsePolicyPlatform, planOptionsFor, platformPolicyName, policyFor, POLICY_PLATFORMS } from './policy.ts';

const windows = policyFor('windows');
const macos = policyFor('macos');
const linux = policyFor('linux');

function problem(policy: ReturnType<typeof policyFor>, name: string, parentPath = ''): string | undefined {
  const verdict = policy.check(parentPath, name);
  return verdict.ok ? undefined : verdict.problem;
}

describe('SCENARIOS #27: names a Windows client cannot create', () => {
  it.each([
    ['CON', 'reserved_name'],
    ['con', 'reserved_name'],
    ['aux.md', 'reserved_name'],
    ['nul.txt.jpg', 'reserved_name'],
    ['NUL .txt', 'reserved_name'],
    ['prn', 'reserved_name'],
    ['COM1', 'reserved_name'],
    ['lpt9.log', 'reserved_name'],
    ['COM¹', 'reserved_name'],
    ['CONOUT$', 'reserved_name'],
    ['trailing.', 'trailing_dot_or_space'],
    ['trailing ', 'trailing_dot_or_space'],
    ['a:b', 'forbidden_character'],
    ['<', 'forbidden_character'],
    ['>', 'forbidden_character'],
    ['"q"', 'forbidden_character'],
    ['pipe|', 'forbidden_character'],
    ['what?', 'forbidden_character'],
    ['star*', 'forbidden_character'],
    ['back\\slash', 'forbidden_character'],
    ['bell\u0007', 'control_character'],
    ['tab\there', 'control_character'],
  ])('refuses %j (%s) with a reason that says how to fix it', (name, code) => {
    expect(problem(windows, name)).toBe(code);
    expect(windows.canHoldName('', name)).toBe(false);
    const why = windows.whyCannotHold('', name);
    expect(why).toMatch(/rename it on another device/u);
    expect(why).not.toContain('\n');
  });

  it.each(['CONSOLE', 'aux_.md', 'com10', 'LPT', 'nul-file.txt', '.gitignore', ' leading space', 'x.con', 'a.b.c'])(
    'holds %j, which only looks like a reserved or odd name',
    (name) => {
      expect(windows.canHoldName('', name)).toBe(true);
      expect(windows.whyCannotHold('', name)).toBe('');
    },
  );

  it('suggests a concrete rename for a reserved name', () => {
    expect(windows.whyCannotHold('docs', 'aux.md')).toContain('"aux_.md"');
  });

  it('Linux and macOS hold every one of those names but "/" and NUL', () => {
    for (const name of ['CON', 'aux.md', 'nul.txt.jpg', 'trailing.', 'trailing ', 'a:b', '<>"|?*', 'bell\u0007']) {
      expect(linux.canHoldName('', name)).toBe(true);
      expect(macos.canHoldName('', name)).toBe(true);
    }
  });
});

describe('names no disk holds', () => {
  it.each(['', '.', '..', 'a/b', 'nul\0byte'])('%j is refused on every platform', (name) => {
    for (const platform of POLICY_PLATFORMS) expect(policyFor(platform).check('', name)).toMatchObject({ ok: false, problem: 'invalid_name' });
  });
});

describe('SCENARIOS #28: names differing only by whitespace stay distinct', () => {
  it.each(POLICY_PLATFORMS)('%s keys "a b", "a  b", " a b" and "a\\u00a0b" apart', (platform) => {
    const key = policyFor(platform).localNameKey;
    const keys = new Set(['a b', 'a  b', ' a b', 'a\u00a0b', 'ab'].map(key));
    expect(keys.size).toBe(5);
  });
});

describe('case and normalization keys', () => {
  it('Windows and default macOS fold case; Linux and case-sensitive macOS do not', () => {
    expect(windows.localNameKey('Readme')).toBe(windows.localNameKey('README'));
    expect(macos.localNameKey('Readme')).toBe(macos.localNameKey('README'));
    expect(linux.localNameKey('Readme')).not.toBe(linux.localNameKey('README'));
    const sensitiveMac = policyFor('macos', { caseSensitive: true });
    expect(sensitiveMac.caseSensitive).toBe(true);
    expect(sensitiveMac.localNameKey('Readme')).not.toBe(sensitiveMac.localNameKey('README'));
  });

  it('folds fully: "ẞx" and "SSX" are two names on the server but one file on a folding disk', () => {
    expect(nameKey('ẞx')).not.toBe(nameKey('SSX'));
    expect(windows.localNameKey('ẞx')).toBe(windows.localNameKey('SSX'));
    expect(macos.localNameKey('ẞx')).toBe(macos.localNameKey('SSX'));
  });

  it('SCENARIOS #25: NFC and NFD spellings of one name share a key everywhere', () => {
    for (const platform of POLICY_PLATFORMS) {
      const { localNameKey } = policyFor(platform);
      expect(localNameKey('Cafe\u0301.txt')).toBe(localNameKey('Caf\u00e9.txt'));
    }
  });

  it('planOptionsFor hands the planner the policy itself', () => {
    const options = planOptionsFor(windows);
    expect(options.canHoldName('', 'aux.md')).toBe(false);
    expect(options.whyCannotHold('', 'aux.md')).toMatch(/reserves "aux"/u);
    expect(options.localNameKey('ABC')).toBe('abc');
  });
});

describe('SCENARIOS #53: long names and paths are reported, never truncated', () => {
  it('Windows counts the whole path against 259 characters without long paths', () => {
    const root = 'C:\\Users\\someone\\Tandem';
    const policy = policyFor('windows', { rootPath: root });
    const parent = Array.from({ length: 10 }, (_, i) => `folder-number-${i}`).join('/'); // 10 × 16 + 9
    const fits = 'x'.repeat(259 - root.length - 1 - parent.length - 1);
    expect(policy.canHoldName(parent, fits)).toBe(true);
    const verdict = policy.check(parent, `${fits}y`);
    expect(verdict).toMatchObject({ ok: false, problem: 'path_too_long' });
    expect(policy.whyCannotHold(parent, `${fits}y`)).toMatch(/would be 260 characters and Windows allows 259 without long paths; turn on long paths/u);
    expect(policyFor('windows', { rootPath: root, longPaths: true }).canHoldName(parent, `${fits}y`)).toBe(true);
  });

  it('names are capped per platform: 255 UTF-16 units on Windows, 255 bytes (decomposed) on macOS, 255 bytes on Linux', () => {
    expect(windows.check('', 'é'.repeat(255))).toEqual({ ok: true });
    expect(problem(windows, 'a'.repeat(256))).toBe('name_too_long');
    expect(linux.check('', 'a'.repeat(255))).toEqual({ ok: true });
    expect(problem(linux, 'é'.repeat(128))).toBe('name_too_long'); // 256 bytes
    expect(macos.check('', 'é'.repeat(85))).toEqual({ ok: true }); // NFD: 85 × 3 = 255 bytes
    expect(problem(macos, 'é'.repeat(86))).toBe('name_too_long');
  });

  it('macOS paths stop at 1023 bytes, Linux at 4095', () => {
    const deep = Array.from({ length: 60 }, () => 'abcdefghijklmnopq').join('/'); // 60 × 18 − 1 = 1079
    expect(problem(policyFor('macos', { rootPath: '/Users/me/Tandem' }), 'f', deep)).toBe('path_too_long');
    expect(policyFor('linux', { rootPath: '/home/me/Tandem' }).canHoldName(deep, 'f')).toBe(true);
    const deeper = Array.from({ length: 250 }, () => 'abcdefghijklmnopq').join('/');
    expect(problem(policyFor('linux', { rootPath: '/home/me/Tandem' }), 'f', deeper)).toBe('path_too_long');
  });

  it('the reason says the size and that the name is never shortened', () => {
    const why = policyFor('macos').whyCannotHold('', 'é'.repeat(100));
    expect(why).toMatch(/300 bytes/u);
    expect(policyFor('linux').whyCannotHold('x'.repeat(4000), 'y'.repeat(200))).toMatch(/never shortens/u);
  });
});

describe('choosing a policy', () => {
  it('maps Node platforms to policies and reads --fs-policy', () => {
    expect(platformPolicyName('win32')).toBe('windows');
    expect(platformPolicyName('darwin')).toBe('macos');
    expect(platformPolicyName('linux')).toBe('linux');
    expect(parsePolicyPlatform('macos')).toBe('macos');
    expect(() => parsePolicyPlatform('beos')).toThrow(/^Unknown filesystem policy "beos": use linux, macos or windows\.$/u);
  });
});

// Names built from the characters that matter: case pairs, accents in both forms, reserved stems,
// Windows-forbidden characters, whitespace and dots.
const nameChar = fc.constantFrom(
  'a', 'A', 'b', 'Z', '0', '9', 'é', 'e\u0301', 'ß', 'ı', 'Σ', 'ς', '.', ' ', '\u00a0', '-', '_', ':', '?', '*', '<', '|', '"', '\\', '\u0007', '日', '😀',
  'con', 'AUX', 'nul', 'com1', 'LPT3',
);
const anyName = fc.array(nameChar, { minLength: 1, maxLength: 12 }).map((parts) => parts.join('').normalize('NFC'));

describe('properties', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-fs-policy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('canHoldName and whyCannotHold always agree, and every refusal is one line', () => {
    fc.assert(
      fc.property(fc.constantFrom(...POLICY_PLATFORMS), anyName, (platform, name) => {
        const policy = policyFor(platform);
        const why = policy.whyCannotHold('docs', name);
        expect(policy.canHoldName('docs', name)).toBe(why === '');
        expect(why).not.toMatch(/[\n\r]/u);
      }),
      { numRuns: 2000 },
    );
  });

  it('a name any policy accepts is one the server accepts too, and its key is stable', () => {
    fc.assert(
      fc.property(fc.constantFrom(...POLICY_PLATFORMS), anyName, (platform, name) => {
        const policy = policyFor(platform);
        fc.pre(policy.canHoldName('', name));
        // A backslash is the one thing a POSIX disk holds that the server refuses (the planner
        // reports such local names as invalid_name); remote names never carry one.
        expect(checkName(name).ok || (platform !== 'windows' && name.includes('\\'))).toBe(true);
        expect(policy.localNameKey(policy.localNameKey(name))).toBe(policy.localNameKey(name));
        expect(policy.localNameKey(name.normalize('NFD'))).toBe(policy.localNameKey(name));
      }),
      { numRuns: 2000 },
    );
  });

  it('a name a policy accepts round-trips through a real disk: written, listed back, same name', () => {
    fc.assert(
      fc.property(fc.constantFrom(...POLICY_PLATFORMS), anyName, (platform, name) => {
        fc.pre(policyFor(platform).canHoldName('', name));
        const folder = mkdtempSync(join(dir, 'r-'));
        writeFileSync(join(folder, name), 'x');
        const listed = readdirSync(folder);
        expect(listed.map((n) => n.normalize('NFC'))).toEqual([name]);
        rmSync(folder, { recursive: true });
      }),
      { numRuns: 300 },
    );
  });

  it('every platform refuses at least what Linux refuses', () => {
    fc.assert(
      fc.property(anyName, (name) => {
        if (!linux.canHoldName('', name)) {
          expect(windows.canHoldName('', name)).toBe(false);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

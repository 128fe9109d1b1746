// Conflict names: the DESIGN.md format, extensions kept, no nesting, 255-byte limit, uniqueness.
import { describe, expect, it } from 'vitest';
import { checkName, utf8Length } from '../../src-shared/names.ts';
import {
  caseConflictName,
  conflictedCopyName,
  formatConflictTime,
  isConflictName,
  originalName,
  splitExtension,
} from './conflict-names.ts';

const now = new Date(Date.UTC(2026, 10, 22, 3, 15, 0));
const copy = (name: string, siblings: string[] = [], kind: 'file' | 'folder' = 'file', device = "Ada's laptop") =>
  conflictedCopyName(name, { kind, siblings, device, now });

describe('conflicted copy names', () => {
  it('keeps the last extension and puts device and UTC time in the stem', () => {
    expect(copy('report.final.docx')).toBe("report.final (conflicted copy from Ada's laptop 2026-11-22 031500).docx");
    expect(formatConflictTime(new Date(Date.UTC(2027, 0, 2, 23, 4, 5)))).toBe('2027-01-02 230405');
  });

  it('treats dotfiles, trailing dots and folders as having no extension', () => {
    expect(copy('.bashrc')).toBe(".bashrc (conflicted copy from Ada's laptop 2026-11-22 031500)");
    expect(copy('notes.')).toBe("notes. (conflicted copy from Ada's laptop 2026-11-22 031500)");
    expect(copy('photos.2024', [], 'folder')).toBe("photos.2024 (conflicted copy from Ada's laptop 2026-11-22 031500)");
    expect(splitExtension('.config.json', 'file')).toEqual({ stem: '.config', ext: '.json' });
    expect(splitExtension('minutes.from the meeting', 'file')).toEqual({ stem: 'minutes.from the meeting', ext: '' });
  });

  it('adds a counter when the name is taken, ignoring case', () => {
    const first = copy('a.txt');
    expect(copy('a.txt', [first.toUpperCase()])).toBe("a (conflicted copy from Ada's laptop 2026-11-22 031500) (2).txt");
    expect(copy('a.txt', [first, "a (conflicted copy from Ada's laptop 2026-11-22 031500) (2).txt"])).toContain('(3).txt');
  });

  it('does not nest: a copy of a copy names the original', () => {
    const once = copy('plan.md');
    const twice = conflictedCopyName(once, { kind: 'file', siblings: [once], device: 'Bob', now });
    expect(twice).toBe('plan (conflicted copy from Bob 2026-11-22 031500).md');
    expect(originalName(twice, 'file')).toBe('plan.md');
    expect(isConflictName(twice, 'file')).toBe(true);
    expect(isConflictName('plan.md', 'file')).toBe(false);
  });

  it('stays within 255 UTF-8 bytes, shortening the stem by whole characters', () => {
    const long = `${'é'.repeat(120)}👍🏽${'x'.repeat(10)}.pdf`;
    const name = copy(long);
    expect(utf8Length(name)).toBeLessThanOrEqual(255);
    expect(checkName(name).ok).toBe(true);
    expect(name.endsWith('031500).pdf')).toBe(true);
    expect(name.isWellFormed()).toBe(true);
  });

  it('makes device names safe inside a file name and bounds their length', () => {
    const name = copy('a.txt', [], 'file', `lab/pc\\${'z'.repeat(300)}`);
    expect(checkName(name).ok).toBe(true);
    expect(name).toContain('lab-pc-');
  });
});

describe('case conflict names', () => {
  it('marks the name and keeps the extension', () => {
    expect(caseConflictName('Readme.md', { kind: 'file', siblings: ['readme.md'] })).toBe('Readme (case conflict).md');
    expect(caseConflictName('Readme.md', { kind: 'file', siblings: ['readme (Case Conflict).md'] })).toBe(
      'Readme (case conflict) (2).md',
    );
  });
});

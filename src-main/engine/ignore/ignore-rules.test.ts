// What a user sees of the ignore rules: temp, lock and OS files never sync (SCENARIOS #30–35),
// .tandemignore works like .gitignore, nested files included, and ordinary files are not caught.

import { describe, expect, it } from 'vitest';
import { BUILT_IN_PATTERNS, builtInPatternFor, isBuiltInIgnored, isClutterName } from './built-in-patterns.ts';
import { IgnoreRules } from './ignore-rules.ts';

describe('built-in patterns', () => {
  const ignored = [
    '~$report.docx', // Office lock (#33)
    '~WRL0005.tmp', '~WRD0000.tmp', '~wrf1234.TMP', // Word temp files during a save (#33)
    '.~lock.budget.ods#', // LibreOffice (#34)
    '.notes.txt.swp', '.notes.txt.swx', '.notes.txt.swo', // vim swap (#32)
    '4913', // vim probe (#32)
    'notes.txt~', // backups (#32)
    '.goutputstream-3ZKQ1Z', // gedit temp (#30)
    'Report.pages.sb-6b1a1c0b-8Tq1CF', // macOS safe-save (#31)
    '.DS_Store', 'Thumbs.db', 'thumbs.db', 'desktop.ini', 'Icon\r', '._photo.jpg', // #35
    '.tandem', '.tandem-tmp-1a2b3c', '.tandem-marker', // Tandem's own
  ];
  const clutter = new Set(['.DS_Store', 'Thumbs.db', 'thumbs.db', 'desktop.ini', 'Icon\r', '._photo.jpg']);
  it.each(ignored)('ignores %j', (name) => {
    const category = clutter.has(name) ? 'clutter' : 'ignored';
    expect(new IgnoreRules().decideEntry(`sub/${name}`, false)).toEqual({ ignored: true, reason: 'built-in', category });
  });

  it('only OS metadata FILES are clutter (#35); temp and lock files, folders and user rules are kept (#19)', () => {
    const rules = new IgnoreRules();
    rules.addFile('', '*.bak\nscratch/\n');
    expect(rules.decideEntry('a/.DS_Store', false).category).toBe('clutter');
    expect(rules.decideEntry('a/DESKTOP.INI', false).category).toBe('clutter');
    // Someone's work may sit in these: never removed behind the user's back.
    for (const name of ['~$report.docx', '.notes.txt.swp', '.~lock.budget.ods#', 'notes.txt~', '.tandem-tmp-1', 'old.bak']) {
      expect(rules.decideEntry(`a/${name}`, false).category).toBe('ignored');
    }
    expect(rules.decideEntry('scratch', true).category).toBe('ignored');
    // A folder with a clutter name is not metadata: whatever is inside it is kept.
    expect(rules.decideEntry('._stuff', true)).toEqual({ ignored: true, reason: 'built-in', category: 'ignored' });
    expect(rules.decideEntry('notes.txt', false).category).toBeUndefined();
  });

  it('the clutter matcher agrees with the rules marked clutter, and clutter is always ignored', () => {
    const names = [...ignored, ...kept, '.DS_Store2', 'x.DS_Store', 'Icon', 'Icon\r\r', '._', '.__x', '_.x', 'THUMBS.DB', 'Desktop.INI', 'desktop.ini.txt', '._notes.swp'];
    for (const name of names) {
      expect(isClutterName(name)).toBe(BUILT_IN_PATTERNS.some((rule) => rule.clutter === true && rule.test(name)));
      if (isClutterName(name)) expect(isBuiltInIgnored(name)).toBe(true);
    }
    expect(BUILT_IN_PATTERNS.filter((rule) => rule.clutter).map((rule) => rule.pattern)).toEqual(['.DS_Store', '._*', 'Icon\\r', 'Thumbs.db', 'desktop.ini']);
  });

  const kept = ['report.docx', 'notes.txt', 'Icon', 'icon.png', '4914', 'a~b', 'movie.swf', '.tandemignore', 'photo.jpg', 'sb-notes.txt', 'lock.odt'];
  it.each(kept)('keeps %j', (name) => {
    expect(new IgnoreRules().decideEntry(name, false).ignored).toBe(false);
  });

  it('the fast matcher agrees with the documented rules on every sample and on tricky near-misses', () => {
    const near = ['~', '~x', '.~lock.a', 'x.swpx', '49130', '.tandemignore2', '.tandemignor', 'THUMBS.DB', '~wrl1.TMP', '~.tmp', '~x.tmpx', 'x~.tmp', '~a\nb.tmp', 'a.sb', '.#a', 'Icon\r\r', '._', '.goutputstream'];
    for (const name of [...ignored, ...kept, ...near]) expect(isBuiltInIgnored(name)).toBe(builtInPatternFor(name) !== undefined);
  });

  it('every built-in rule says where such files come from', () => {
    for (const rule of BUILT_IN_PATTERNS) expect(rule.source.length).toBeGreaterThan(5);
    expect(builtInPatternFor('~$a.xlsx')?.pattern).toBe('~$*');
  });
});

describe('.tandemignore', () => {
  it('applies gitignore syntax: globs, folder-only rules, anchors and negation', () => {
    const rules = new IgnoreRules();
    rules.addFile('', '# build output\n*.log\n!important.log\nbuild/\n/top-only.txt\n');
    expect(rules.decideEntry('a.log', false)).toEqual({ ignored: true, reason: '.tandemignore: *.log', category: 'ignored' });
    expect(rules.decideEntry('deep/er/a.log', false).ignored).toBe(true);
    expect(rules.decideEntry('important.log', false).ignored).toBe(false);
    expect(rules.decideEntry('build', true).ignored).toBe(true);
    expect(rules.decideEntry('build', false).ignored).toBe(false);
    expect(rules.decideEntry('top-only.txt', false).ignored).toBe(true);
    expect(rules.decideEntry('sub/top-only.txt', false).ignored).toBe(false);
    expect(rules.decideEntry('notes.txt', false).ignored).toBe(false);
  });

  it('nested files apply below their folder, relative to it, and the deeper one decides first', () => {
    const rules = new IgnoreRules();
    rules.addFile('', '*.tmp\n');
    rules.addFile('project', '/cache\n!keep.tmp\n');
    expect(rules.decideEntry('project/cache', true)).toEqual({ ignored: true, reason: 'project/.tandemignore: /cache', category: 'ignored' });
    expect(rules.decideEntry('cache', true).ignored).toBe(false);
    expect(rules.decideEntry('project/keep.tmp', false).ignored).toBe(false);
    expect(rules.decideEntry('project/other.tmp', false).ignored).toBe(true);
    expect(rules.decideEntry('keep.tmp', false).ignored).toBe(true);
  });

  it('matches case-insensitively so every platform agrees', () => {
    const rules = new IgnoreRules();
    rules.addFile('', 'Secrets/\n');
    expect(rules.decideEntry('secrets', true).ignored).toBe(true);
  });

  it('an ignored folder hides everything inside it, even with a negation', () => {
    const rules = new IgnoreRules();
    rules.addFile('', 'node_modules/\n!node_modules/keep.js\n');
    expect(rules.ignores('node_modules/keep.js', false)).toBe(true);
    expect(rules.ignores('a/.DS_Store/x', false)).toBe(true);
    expect(rules.ignores('src/keep.js', false)).toBe(false);
  });

  it('an empty or comment-only file ignores nothing beyond the built-ins', () => {
    const rules = new IgnoreRules();
    rules.addFile('', '\n# nothing\n\n');
    expect(rules.decideEntry('a.txt', false).ignored).toBe(false);
    expect(rules.fileCount).toBe(1);
  });
});

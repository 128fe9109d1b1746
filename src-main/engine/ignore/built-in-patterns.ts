// The names Tandem never syncs, whatever .tandemignore says (DESIGN.md, SCENARIOS #30–35):
// editors' and office suites' temp, lock and swap files, the litter operating systems leave in
// folders, and Tandem's own internal files. Matched on the entry's own name, so they apply in
// every folder. Each rule says which program makes those files, because that is why it is here.
//
// Two kinds of ignored names (SCENARIOS #35 against #19):
//  - CLUTTER: metadata the operating system leaves in folders by itself (.DS_Store, Thumbs.db,
//    desktop.ini, Icon\r, ._*). Nobody wrote it, the OS makes it again, so it must never keep a
//    folder alive that was deleted on another device: it is removed together with the folder.
//  - everything else ignored (editors' and office suites' temp/lock files, the user's
//    .tandemignore patterns, Tandem's own files): it may hold someone's work, so a folder holding
//    it is kept and reported instead.

export interface BuiltInPattern {
  /** The pattern in gitignore-like notation, for people (the UI and the docs list these). */
  pattern: string;
  /** Who makes such files. */
  source: string;
  test: (name: string) => boolean;
  /** OS clutter: safe to remove with its folder when that folder is deleted elsewhere (#35). */
  clutter?: true;
}

const lower = (name: string) => name.toLowerCase();

export const BUILT_IN_PATTERNS: readonly BuiltInPattern[] = [
  { pattern: '~$*', source: 'Microsoft Office owner/lock files', test: (n) => n.startsWith('~$') },
  // Word writes a save into ~WRD####.tmp (for seconds, with a big document) and parks the old
  // file as ~WRL####.tmp; other Office programs use other letters. Nextcloud ignores ~*.tmp too.
  { pattern: '~*.tmp', source: 'Microsoft Office temp files during a save (~WRD…, ~WRL…)', test: (n) => n.startsWith('~') && lower(n).endsWith('.tmp') },
  { pattern: '.~lock.*#', source: 'LibreOffice lock files', test: (n) => n.startsWith('.~lock.') && n.endsWith('#') },
  { pattern: '*.swp, *.swo, *.swn, *.swx', source: 'vim swap files', test: (n) => /\.sw[ponx]$/.test(n) },
  { pattern: '4913', source: "vim's probe that a folder is writable", test: (n) => n === '4913' },
  { pattern: '*~', source: 'backup copies by vim, emacs, gedit and others', test: (n) => n.endsWith('~') },
  { pattern: '.#*', source: 'emacs lock links', test: (n) => n.startsWith('.#') },
  { pattern: '.goutputstream-*', source: 'gedit and GLib temp files during a save', test: (n) => n.startsWith('.goutputstream-') },
  { pattern: '*.sb-*', source: 'macOS safe-save backups (TextEdit, Xcode …)', test: (n) => n.includes('.sb-') },
  { pattern: '.DS_Store', source: 'macOS Finder folder settings', test: (n) => n === '.DS_Store', clutter: true },
  { pattern: '._*', source: 'macOS resource forks on other disks', test: (n) => n.startsWith('._'), clutter: true },
  { pattern: 'Icon\\r', source: 'macOS custom folder icons', test: (n) => n === 'Icon\r', clutter: true },
  { pattern: 'Thumbs.db', source: 'Windows Explorer thumbnails', test: (n) => lower(n) === 'thumbs.db', clutter: true },
  { pattern: 'desktop.ini', source: 'Windows Explorer folder settings', test: (n) => lower(n) === 'desktop.ini', clutter: true },
  {
    pattern: '.tandem*',
    source: "Tandem's own files: the folder marker, local trash, temp downloads (.tandemignore is synced)",
    test: (n) => n.startsWith('.tandem') && n !== IGNORE_FILE_NAME,
  },
];

/** The user's rules, gitignore syntax, in any folder; synced like .gitignore so devices agree. */
export const IGNORE_FILE_NAME = '.tandemignore';

/** The built-in pattern a name falls under, if any. */
export function builtInPatternFor(name: string): BuiltInPattern | undefined {
  return BUILT_IN_PATTERNS.find((rule) => rule.test(name));
}

// The same rules as BUILT_IN_PATTERNS compiled into two expressions, because the scanner asks
// for every file of the folder (built-in-patterns.test.ts checks that both agree).
const CASE_SENSITIVE = /^(?:~\$|\.~lock\..*#$|4913$|\.#|\.goutputstream-|\.DS_Store$|\._|Icon\r$|\.tandem(?!ignore$))|~$|\.sw[ponx]$|\.sb-/;
const CASE_INSENSITIVE = /^(?:~[\s\S]*\.tmp|thumbs\.db|desktop\.ini)$/i;

// The clutter rules alone, compiled the same way (checked against BUILT_IN_PATTERNS in the tests).
const CLUTTER_CASE_SENSITIVE = /^(?:\.DS_Store$|\._|Icon\r$)/;
const CLUTTER_CASE_INSENSITIVE = /^(?:thumbs\.db|desktop\.ini)$/i;

/**
 * Whether a name is OS clutter (.DS_Store, Thumbs.db, desktop.ini, Icon\r, ._*): ignored like
 * every built-in name, but removed with its folder when that folder is deleted elsewhere (#35).
 * Only ever applied to regular files: a folder or a link with such a name is never clutter.
 */
export function isClutterName(name: string): boolean {
  return CLUTTER_CASE_SENSITIVE.test(name) || CLUTTER_CASE_INSENSITIVE.test(name);
}

/** Whether a name is always ignored. */
export function isBuiltInIgnored(name: string): boolean {
  return CASE_SENSITIVE.test(name) || CASE_INSENSITIVE.test(name);
}

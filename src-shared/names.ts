// Tandem's name rules (DESIGN.md "Identity, versions, cursor"), as pure functions shared by the
// server, which enforces them, and the engine, which checks names before it sends them.
// A name is Unicode NFC, at most 255 UTF-8 bytes, never "." or "..", never containing "/", "\"
// or NUL, and unique in its folder ignoring case (case is preserved).

export const MAX_NAME_BYTES = 255;

export type NameProblem = 'empty' | 'dot' | 'separator' | 'nul' | 'too_long' | 'not_nfc' | 'not_string';

export interface NameCheck {
  ok: boolean;
  problem?: NameProblem;
  /** One sentence for people, present when ok is false. */
  message?: string;
}

/**
 * The length of `text` in UTF-8, counted without encoding it (encoding allocated a copy of every
 * name the planner checks: ~0.4 of a device's 11 CPU-s receiving 10k files, profiled). A lone
 * surrogate counts as the 3 bytes of the U+FFFD it would be written as, as TextEncoder does.
 */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) continue;
    if (unit < 0x800) bytes += 1;
    else if (unit >= 0xd800 && unit <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      // A surrogate pair: two units, four bytes.
      bytes += 2;
      i++;
    } else bytes += 2;
  }
  return bytes;
}

/** Checks a name exactly as given (it must already be NFC; use normalizeName first to fix that). */
export function checkName(name: unknown): NameCheck {
  if (typeof name !== 'string') return bad('not_string', 'A name must be text.');
  if (name.length === 0) return bad('empty', 'A name cannot be empty.');
  if (name === '.' || name === '..') return bad('dot', `"${name}" cannot be used as a name.`);
  if (name.includes('\0')) return bad('nul', 'A name cannot contain the NUL character.');
  if (name.includes('/') || name.includes('\\')) {
    return bad('separator', `The name "${name}" contains "/" or "\\", which cannot be used in names.`);
  }
  // Lone surrogates have no UTF-8 form: they would be silently replaced, so refuse them.
  if (!name.isWellFormed()) return bad('not_string', 'A name must be valid Unicode text.');
  if (name.normalize('NFC') !== name) {
    return bad('not_nfc', `The name "${name}" is not in Unicode NFC form; normalize it first.`);
  }
  const bytes = utf8Length(name);
  if (bytes > MAX_NAME_BYTES) {
    return bad('too_long', `The name "${name.slice(0, 40)}…" is ${bytes} bytes long; at most ${MAX_NAME_BYTES} are allowed.`);
  }
  return { ok: true };
}

/** The NFC form of a name: what clients should send. */
export function normalizeName(name: string): string {
  return name.normalize('NFC');
}

/**
 * The key two names collide on when they are in the same folder: NFC, then Unicode case folding
 * approximated by toLowerCase after toUpperCase (so "ß" and "SS", "ς" and "σ" meet), then NFC again.
 * Locale-independent on purpose: every device and the server must agree.
 */
export function nameKey(name: string): string {
  return name.normalize('NFC').toUpperCase().toLowerCase().normalize('NFC');
}

/** True when the two names would collide in one folder. */
export function sameNameKey(a: string, b: string): boolean {
  return nameKey(a) === nameKey(b);
}

function bad(problem: NameProblem, message: string): NameCheck {
  return { ok: false, problem, message };
}

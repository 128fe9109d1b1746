// The shapes every platform policy shares: a verdict on one name (ok, or a problem code and a
// reason with its fix), the options a policy is built with, and small helpers for messages.

/** Why a name cannot be held: a stable code for reports and tests. */
export type HoldProblem =
  | 'invalid_name' // empty, ".", "..", or contains "/" or NUL: no filesystem holds it
  | 'reserved_name' // Windows device names (CON, aux.md, nul.txt.jpg…)
  | 'forbidden_character' // Windows: < > : " / \ | ? *
  | 'control_character' // Windows: U+0000–U+001F
  | 'trailing_dot_or_space' // Windows strips them, so the file would get another name
  | 'name_too_long'
  | 'path_too_long';

export type NameVerdict = { ok: true } | { ok: false; problem: HoldProblem; reason: string };

export interface FsPolicyOptions {
  /**
   * The synced folder's absolute path as this platform writes it, so path-length limits count the
   * whole path. Without it only the part inside the synced folder is counted (a lower bound).
   */
  rootPath?: string;
  /** Windows: long paths enabled (LongPathsEnabled + a manifest): 32,767 instead of 260. */
  longPaths?: boolean;
  /** macOS: a case-sensitive APFS volume (the default volume is case-insensitive). */
  caseSensitive?: boolean;
}

/** The context a platform check gets: the full path pieces and the options. */
export interface NameContext {
  rootPath: string;
  parentPath: string;
  name: string;
  options: FsPolicyOptions;
}

export function refuse(problem: HoldProblem, reason: string): NameVerdict {
  return { ok: false, problem, reason };
}

/** A name as it can be shown in one line: control characters as \uXXXX, long names shortened. */
export function printable(name: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this finds
  const shown = name.replace(/[\u0000-\u001f\u007f]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return shown.length > 60 ? `${shown.slice(0, 40)}…${shown.slice(-12)}` : shown;
}

/** The item's path inside the synced folder. */
export function joinRelative(parentPath: string, name: string): string {
  return parentPath === '' ? name : `${parentPath}/${name}`;
}

// Names for the copies the engine makes when two versions cannot share a path:
//   "report.final (conflicted copy from Ada's laptop 2026-11-22 031500).docx"  (DESIGN.md)
//   "Readme (case conflict)"                                                    (SCENARIOS #24)
// The extension is kept so the copy still opens in the same application; dotfiles keep their
// whole name as the stem. A copy of a copy does not nest suffixes (that is how chains of
// conflicts stay bounded in name length), names never exceed 255 UTF-8 bytes (the stem is
// shortened by whole graphemes), and the result is unique among siblings ignoring case.

import { MAX_NAME_BYTES, nameKey, utf8Length } from '../../src-shared/names.ts';
import type { ItemKind } from './tree/item.ts';

/** Device names longer than this are shortened inside conflict names. */
const MAX_DEVICE_BYTES = 64;
/** A "extension" longer than this is not one (e.g. "notes.from the meeting"). */
const MAX_EXTENSION_BYTES = 32;

const SUFFIX = / \((?:conflicted copy from .* \d{4}-\d{2}-\d{2} \d{6}|case conflict|moving)\)(?: \(\d+\))?$/u;

/** `YYYY-MM-DD HHMMSS` in UTC: the same instant reads the same on every device. */
export function formatConflictTime(now: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return (
    `${pad(now.getUTCFullYear(), 4)}-${pad(now.getUTCMonth() + 1)}-${pad(now.getUTCDate())} ` +
    `${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`
  );
}

/** Splits "a.b.docx" into "a.b" + ".docx"; folders and dotfiles have no extension. */
export function splitExtension(name: string, kind: ItemKind): { stem: string; ext: string } {
  if (kind === 'folder') return { stem: name, ext: '' };
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || dot === name.length - 1) return { stem: name, ext: '' };
  const ext = name.slice(dot);
  if (utf8Length(ext) > MAX_EXTENSION_BYTES || /\s/u.test(ext)) return { stem: name, ext: '' };
  return { stem: name.slice(0, dot), ext };
}

/** The stem with any conflict suffixes the engine added before removed. */
export function originalStem(stem: string): string {
  let current = stem;
  for (let guard = 0; guard < 100 && SUFFIX.test(current); guard++) current = current.replace(SUFFIX, '');
  return current.length > 0 ? current : stem;
}

/** True when the name is one the engine made for a conflict. */
export function isConflictName(name: string, kind: ItemKind): boolean {
  return SUFFIX.test(splitExtension(name, kind).stem);
}

/** The name before any conflict suffix: "a (conflicted copy from X …).txt" -> "a.txt". */
export function originalName(name: string, kind: ItemKind): string {
  const { stem, ext } = splitExtension(name, kind);
  return originalStem(stem) + ext;
}

export interface ConflictNameOptions {
  kind: ItemKind;
  /** Names already in the folder; the result collides with none of them (ignoring case). */
  siblings: Iterable<string>;
}

export function conflictedCopyName(
  name: string,
  options: ConflictNameOptions & { device: string; now: Date },
): string {
  const device = shorten(cleanDevice(options.device), MAX_DEVICE_BYTES);
  return uniqueVariant(name, options, `conflicted copy from ${device} ${formatConflictTime(options.now)}`);
}

export function caseConflictName(name: string, options: ConflictNameOptions): string {
  return uniqueVariant(name, options, 'case conflict');
}

function uniqueVariant(name: string, options: ConflictNameOptions, label: string): string {
  const { stem, ext } = splitExtension(name, options.kind);
  const base = originalStem(stem);
  const taken = new Set<string>();
  for (const sibling of options.siblings) taken.add(nameKey(sibling));
  for (let counter = 1; ; counter++) {
    const suffix = ` (${label})${counter > 1 ? ` (${counter})` : ''}`;
    const candidate = fit(base, suffix, ext);
    if (!taken.has(nameKey(candidate))) return candidate;
  }
}

/** stem + suffix + ext, with the stem shortened by whole graphemes to stay within 255 bytes. */
function fit(stem: string, suffix: string, ext: string): string {
  const budget = MAX_NAME_BYTES - utf8Length(suffix) - utf8Length(ext);
  return (shorten(stem, Math.max(budget, 1)) + suffix + ext).normalize('NFC');
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

function shorten(text: string, maxBytes: number): string {
  if (utf8Length(text) <= maxBytes) return text;
  let out = '';
  let bytes = 0;
  for (const { segment } of graphemes.segment(text)) {
    const size = utf8Length(segment);
    if (bytes + size > maxBytes) break;
    out += segment;
    bytes += size;
  }
  return out;
}

/** A device name as it may appear inside a file name: no separators, no NUL, NFC, not empty. */
function cleanDevice(device: string): string {
  const cleaned = device.normalize('NFC').replace(/[/\\\0]/gu, '-').trim();
  return cleaned.length > 0 ? cleaned : 'another device';
}

/** A name to park an item under while names are swapped: "a (moving).txt", unique among siblings. */
export function temporaryName(name: string, options: ConflictNameOptions): string {
  return uniqueVariant(name, options, 'moving');
}

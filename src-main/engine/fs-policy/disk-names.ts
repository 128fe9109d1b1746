// Raw names as a disk lists them, before they enter the engine's trees (which hold NFC names):
//  - a name that is not valid UTF-8 is refused and reported, never mangled (SCENARIOS #29);
//  - names with one NFC form are one item (#25: "é" written NFC on Windows and NFD by macOS);
//  - but where one folder holds two distinct names with one NFC form (possible on Linux), neither
//    is squashed into the other: one keeps the item, the others are reported (#26).
// Pure: the scanner hands in what readdir returned (as bytes, so invalid UTF-8 is visible).

export type DecodedName = { ok: true; name: string; diskName: string } | { ok: false; shown: string; reason: string };

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A disk name's bytes as the engine's NFC name, or the reason it cannot sync. */
export function decodeDiskName(bytes: Uint8Array): DecodedName {
  let diskName: string;
  try {
    diskName = strictUtf8.decode(bytes);
  } catch {
    const shown = showBytes(bytes);
    return {
      ok: false,
      shown,
      reason: `the name "${shown}" is not valid UTF-8, so it cannot be synced; rename it on this device (for example with convmv)`,
    };
  }
  return { ok: true, name: diskName.normalize('NFC'), diskName };
}

/** Invalid bytes as \xNN, the rest as text: a faithful one-line rendering for reports. */
export function showBytes(bytes: Uint8Array): string {
  let out = '';
  let start = 0;
  const flushValid = (end: number) => {
    if (end > start) out += new TextDecoder('utf-8').decode(bytes.subarray(start, end));
  };
  let i = 0;
  while (i < bytes.length) {
    const length = validSequenceLength(bytes, i);
    if (length > 0) {
      i += length;
      continue;
    }
    flushValid(i);
    out += `\\x${(bytes[i] as number).toString(16).padStart(2, '0')}`;
    i++;
    start = i;
  }
  flushValid(i);
  return out;
}

/** Length of the well-formed UTF-8 sequence at i, or 0 (RFC 3629: no overlongs, no surrogates). */
function validSequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i] as number;
  if (b0 < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => {
    const b = bytes[i + k];
    return b !== undefined && b >= lo && b <= hi;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((b0 >= 0xe1 && b0 <= 0xec) || b0 === 0xee || b0 === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b0 === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (b0 === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b0 >= 0xf1 && b0 <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b0 === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

export interface EncodingConflict {
  /** The NFC name the disk names share. */
  readonly name: string;
  /** The disk name that stands for the item. */
  readonly kept: string;
  /** The other disk names with the same NFC form: not synced, reported. */
  readonly reported: string[];
  /** A clause with the fix, for the report. */
  readonly reason: string;
}

export interface GroupedNames {
  /** NFC tree name → the disk name it is read from and written to. */
  readonly byName: Map<string, string>;
  readonly conflicts: EncodingConflict[];
}

/**
 * One folder's (valid) disk names grouped by NFC form. A lone name in any form is that item (#25).
 * Where several share one form, the NFC spelling keeps the item if present, else the smallest by
 * code units, so every scan picks the same one (#26).
 */
export function groupDiskNames(diskNames: Iterable<string>): GroupedNames {
  const groups = new Map<string, string[]>();
  for (const diskName of diskNames) {
    const name = diskName.normalize('NFC');
    const group = groups.get(name);
    if (group) group.push(diskName);
    else groups.set(name, [diskName]);
  }
  const byName = new Map<string, string>();
  const conflicts: EncodingConflict[] = [];
  for (const [name, group] of groups) {
    const distinct = [...new Set(group)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const kept = distinct.includes(name) ? name : (distinct[0] as string);
    byName.set(name, kept);
    if (distinct.length > 1) {
      conflicts.push({
        name,
        kept,
        reported: distinct.filter((d) => d !== kept),
        reason: `${distinct.length} names in this folder are "${name}" written in different Unicode forms (composed and decomposed); only one can sync, so rename the others on this device`,
      });
    }
  }
  return { byName, conflicts };
}

// A line diff for the conflict preview: which lines only "mine" has, which only "theirs" has, and
// which both share. Common start and end are trimmed first (edits are usually local), the middle
// is a longest-common-subsequence table, and past a size cap the preview says it was cut short
// rather than freezing the app on a huge file.

export interface DiffLine {
  kind: 'same' | 'mine' | 'theirs';
  text: string;
}

/** Cells of the LCS table at most (about 16 MB of Uint32). */
const MAX_CELLS = 4_000_000;
/** Lines in the preview at most. */
const MAX_LINES = 2_000;

export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/u);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function diffLines(mine: string, theirs: string): { lines: DiffLine[]; truncated: boolean } {
  const a = splitLines(mine);
  const b = splitLines(theirs);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start += 1;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA -= 1;
    endB -= 1;
  }
  const out: DiffLine[] = a.slice(0, start).map((text) => ({ kind: 'same', text }));
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  let truncated = false;
  if ((midA.length + 1) * (midB.length + 1) > MAX_CELLS) {
    // Too big to pair line by line: show one side's lines, then the other's.
    truncated = true;
    for (const text of midA) out.push({ kind: 'mine', text });
    for (const text of midB) out.push({ kind: 'theirs', text });
  } else {
    const width = midB.length + 1;
    const table = new Uint32Array((midA.length + 1) * width);
    for (let i = midA.length - 1; i >= 0; i--) {
      for (let j = midB.length - 1; j >= 0; j--) {
        table[i * width + j] = midA[i] === midB[j] ? table[(i + 1) * width + j + 1]! + 1 : Math.max(table[(i + 1) * width + j]!, table[i * width + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < midA.length || j < midB.length) {
      if (i < midA.length && j < midB.length && midA[i] === midB[j]) {
        out.push({ kind: 'same', text: midA[i]! });
        i += 1;
        j += 1;
      } else if (j < midB.length && (i === midA.length || table[i * width + j + 1]! >= table[(i + 1) * width + j]!)) {
        out.push({ kind: 'theirs', text: midB[j]! });
        j += 1;
      } else {
        out.push({ kind: 'mine', text: midA[i]! });
        i += 1;
      }
    }
  }
  for (const text of a.slice(endA)) out.push({ kind: 'same', text });
  if (out.length > MAX_LINES) {
    out.length = MAX_LINES;
    truncated = true;
  }
  return { lines: out, truncated };
}

/** Text, for the preview: no NUL byte and valid UTF-8 in the part looked at. */
export function looksLikeText(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, 8192);
  if (sample.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample.length < bytes.length ? trimPartialUtf8(sample) : sample);
    return true;
  } catch {
    return false;
  }
}

/** Drops a multi-byte character cut off at the end of a sample. */
function trimPartialUtf8(bytes: Uint8Array): Uint8Array {
  let end = bytes.length;
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const byte = bytes[end - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    if (byte >= 0xc0) end -= back;
    break;
  }
  return bytes.subarray(0, end);
}

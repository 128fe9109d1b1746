// The conflict preview's line diff.
import { describe, expect, it } from 'vitest';
import { diffLines, looksLikeText } from './text-diff.ts';

describe('diffLines', () => {
  it('marks lines only mine has, only theirs has, and shared ones, in order', () => {
    expect(diffLines('a\nb\nc\n', 'a\nB\nc\nd\n').lines).toEqual([
      { kind: 'same', text: 'a' },
      { kind: 'theirs', text: 'B' },
      { kind: 'mine', text: 'b' },
      { kind: 'same', text: 'c' },
      { kind: 'theirs', text: 'd' },
    ]);
  });

  it('reads CRLF like LF, and identical texts as all the same', () => {
    expect(diffLines('x\r\ny', 'x\ny').lines.every((line) => line.kind === 'same')).toBe(true);
  });

  it('cuts a huge difference short and says so instead of freezing', () => {
    const mine = Array.from({ length: 3_000 }, (_, i) => `m${i}`).join('\n');
    const theirs = Array.from({ length: 3_000 }, (_, i) => `t${i}`).join('\n');
    const result = diffLines(mine, theirs);
    expect(result.truncated).toBe(true);
    expect(result.lines.length).toBeLessThanOrEqual(2_000);
  });
});

describe('looksLikeText', () => {
  it('takes UTF-8 without NUL bytes as text, and anything else as not', () => {
    expect(looksLikeText(Buffer.from('héllo wörld\n'))).toBe(true);
    expect(looksLikeText(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]))).toBe(false);
    expect(looksLikeText(Uint8Array.from([0xff, 0xfe, 0x41]))).toBe(false);
  });
});

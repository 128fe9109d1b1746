// Raw disk names: invalid UTF-8 refused and reported (SCENARIOS #29), one NFC form is one item
// (#25), and distinct NFC/NFD names on one Linux disk are not squashed (#26) — including on a
// real disk, since this machine's is Linux.

import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeDiskName, groupDiskNames, showBytes } from './disk-names.ts';

describe('SCENARIOS #29: a name that is not valid UTF-8', () => {
  it('is refused with the bytes shown, not mangled into replacement characters', () => {
    const latin1 = Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x2e, 0x74, 0x78, 0x74]); // "café.txt" in Latin-1
    const decoded = decodeDiskName(latin1);
    expect(decoded.ok).toBe(false);
    if (decoded.ok) return;
    expect(decoded.shown).toBe('caf\\xe9.txt');
    expect(decoded.reason).toBe('the name "caf\\xe9.txt" is not valid UTF-8, so it cannot be synced; rename it on this device (for example with convmv)');
  });

  it.each([
    [[0xc0, 0xaf], '\\xc0\\xaf'], // overlong "/"
    [[0xed, 0xa0, 0x80], '\\xed\\xa0\\x80'], // a UTF-16 surrogate
    [[0x61, 0xf4, 0x90, 0x80, 0x80], 'a\\xf4\\x90\\x80\\x80'], // beyond U+10FFFF
    [[0xe2, 0x82], '\\xe2\\x82'], // cut short
  ])('refuses %j', (bytes, shown) => {
    expect(decodeDiskName(Uint8Array.from(bytes))).toMatchObject({ ok: false, shown });
  });

  it('valid names decode to their NFC form and keep the disk spelling', () => {
    const nfd = new TextEncoder().encode('Cafe\u0301');
    expect(decodeDiskName(nfd)).toEqual({ ok: true, name: 'Caf\u00e9', diskName: 'Cafe\u0301' });
  });

  it('property: valid UTF-8 always decodes, and showBytes renders it unchanged', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1 }), (text) => {
        const bytes = new TextEncoder().encode(text);
        expect(decodeDiskName(bytes)).toMatchObject({ ok: true, diskName: text });
        expect(showBytes(bytes)).toBe(text);
      }),
    );
  });

  it('property: a name is refused exactly when a strict decoder refuses it', () => {
    const strict = new TextDecoder('utf-8', { fatal: true });
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 8 }), (bytes) => {
        let valid = true;
        try {
          strict.decode(bytes);
        } catch {
          valid = false;
        }
        expect(decodeDiskName(bytes).ok).toBe(valid);
        expect(showBytes(bytes).includes('\\x')).toBe(!valid || new TextDecoder().decode(bytes).includes('\\x'));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('SCENARIOS #25 and #26: NFC and NFD spellings', () => {
  it('#25: a lone NFD name is the NFC item, written back under its disk spelling', () => {
    const grouped = groupDiskNames(['Cafe\u0301', 'other']);
    expect([...grouped.byName]).toEqual([
      ['Caf\u00e9', 'Cafe\u0301'],
      ['other', 'other'],
    ]);
    expect(grouped.conflicts).toEqual([]);
  });

  it('#26: two distinct spellings on one Linux disk are not squashed: the NFC one syncs, the other is reported', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-nfd-'));
    try {
      writeFileSync(join(dir, 'Cafe\u0301'), 'decomposed');
      writeFileSync(join(dir, 'Caf\u00e9'), 'composed');
      const listed = readdirSync(dir);
      expect(listed).toHaveLength(2); // the disk really holds both
      for (const order of [listed, [...listed].reverse()]) {
        const grouped = groupDiskNames(order);
        expect(grouped.byName.get('Caf\u00e9')).toBe('Caf\u00e9');
        expect(grouped.conflicts).toEqual([
          {
            name: 'Caf\u00e9',
            kept: 'Caf\u00e9',
            reported: ['Cafe\u0301'],
            reason: '2 names in this folder are "Café" written in different Unicode forms (composed and decomposed); only one can sync, so rename the others on this device',
          },
        ]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with no NFC spelling among them, the same one is kept every time', () => {
    // "ḍ̇" in two non-NFC orders of its combining marks.
    const a = 'd\u0307\u0323';
    const b = 'd\u0323\u0307';
    expect(a.normalize('NFC')).toBe(b.normalize('NFC'));
    expect(a).not.toBe(a.normalize('NFC'));
    const first = groupDiskNames([a, b]);
    const second = groupDiskNames([b, a]);
    expect(first).toEqual(second);
    expect(first.conflicts[0]?.reported).toHaveLength(1);
  });
});

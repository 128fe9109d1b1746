// Tests for the shared name rules: every rule in DESIGN.md, plus properties over random text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkName, nameKey, normalizeName, sameNameKey, utf8Length } from './names.ts';

describe('checkName', () => {
  it('accepts ordinary names, including non-Latin ones and leading dots', () => {
    for (const name of ['report.txt', '.gitignore', 'Ünïcödé', '日本語のファイル', 'a b c', '...', 'x'.repeat(255)]) {
      expect(checkName(name)).toEqual({ ok: true });
    }
  });

  it('refuses empty, "." and ".."', () => {
    expect(checkName('').problem).toBe('empty');
    expect(checkName('.').problem).toBe('dot');
    expect(checkName('..').problem).toBe('dot');
  });

  it('refuses separators and NUL', () => {
    expect(checkName('a/b').problem).toBe('separator');
    expect(checkName('a\\b').problem).toBe('separator');
    expect(checkName('a\0b').problem).toBe('nul');
  });

  it('counts the limit in UTF-8 bytes, not characters', () => {
    expect(checkName('x'.repeat(256)).problem).toBe('too_long');
    // "é" is two bytes in UTF-8: 127 of them fit (254 bytes), 128 do not (256 bytes).
    expect(checkName('é'.repeat(127)).ok).toBe(true);
    expect(checkName('é'.repeat(128)).problem).toBe('too_long');
  });

  it('refuses names that are not NFC, and normalizeName fixes them', () => {
    const decomposed = 'Cafe\u0301';
    expect(checkName(decomposed).problem).toBe('not_nfc');
    expect(checkName(normalizeName(decomposed)).ok).toBe(true);
  });

  it('refuses lone surrogates and non-strings', () => {
    expect(checkName('a\uD800b').ok).toBe(false);
    expect(checkName(42).problem).toBe('not_string');
  });

  it('gives a one-line message for every refusal', () => {
    for (const name of ['', '.', 'a/b', 'a\0', 'x'.repeat(300), 'e\u0301']) {
      const { message } = checkName(name);
      expect(message).toBeTruthy();
      expect(message).not.toContain('\n');
    }
  });
});

describe('nameKey', () => {
  it('ignores case but not other differences', () => {
    expect(sameNameKey('Report.TXT', 'report.txt')).toBe(true);
    expect(sameNameKey('straße', 'STRASSE')).toBe(true);
    expect(sameNameKey('report.txt', 'report.txt ')).toBe(false);
  });

  it('treats NFC and NFD spellings as the same name', () => {
    expect(nameKey('Café')).toBe(nameKey('Cafe\u0301'));
  });

  it('is idempotent and case-insensitive for any text (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        expect(nameKey(nameKey(s))).toBe(nameKey(s));
        expect(nameKey(s.toUpperCase())).toBe(nameKey(s.toLowerCase()));
      }),
    );
  });

  it('measures the UTF-8 length of any text exactly as encoding it would, lone surrogates too (property)', () => {
    const encoded = (text: string) => new TextEncoder().encode(text).length;
    for (const text of ['', 'a', 'é', '€', '😀', 'a😀b', '\ud800', '\udc00x', '\ud800\ud800\udc00', `${'x'.repeat(10)}\udbff`]) {
      expect(utf8Length(text), JSON.stringify(text)).toBe(encoded(text));
    }
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ unit: 'grapheme', maxLength: 60 })), (text) => {
        expect(utf8Length(text)).toBe(encoded(text));
      }),
    );
  });

  it('every accepted name stays accepted after normalizing, and its byte length is measured exactly (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }), (s) => {
        const n = normalizeName(s);
        const result = checkName(n);
        expect(utf8Length(n)).toBe(Buffer.byteLength(n, 'utf8'));
        if (result.ok) {
          expect(n).not.toMatch(/[/\\\0]/);
          expect(Buffer.byteLength(n, 'utf8')).toBeLessThanOrEqual(255);
        }
      }),
    );
  });
});

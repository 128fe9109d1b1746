// Test support: what each real disk treats as ONE file, modelled independently of the policies'
// own keys, so tests can check the policies against the disks rather than against themselves.
// NTFS upper-cases each UTF-16 unit with a one-to-one table and does not normalize; APFS (default,
// case-insensitive) folds case fully and ignores normalization; ext4 compares bytes.

import type { PolicyPlatform } from '../policy.ts';

export function ntfsSame(a: string, b: string): boolean {
  const upper = (s: string) => [...s].map((c) => (c.toUpperCase().length === c.length ? c.toUpperCase() : c)).join('');
  return upper(a) === upper(b);
}

export function apfsSame(a: string, b: string): boolean {
  const fold = (s: string) => {
    let k = s.normalize('NFD');
    for (let i = 0; i < 4; i++) k = k.toUpperCase().toLowerCase().normalize('NFD');
    return k;
  };
  return fold(a) === fold(b);
}

export function ext4Same(a: string, b: string): boolean {
  return a === b;
}

export function sameFileOn(platform: PolicyPlatform): (a: string, b: string) => boolean {
  return platform === 'windows' ? ntfsSame : platform === 'macos' ? apfsSame : ext4Same;
}

// The collision resolver: which remote names materialize on a disk (SCENARIOS #23, #25, #27, #28)
// and the invariant it exists for: two server names never map onto one local path (invariant 8).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nameKey } from '../../../src-shared/names.ts';
import { resolveChildren } from './collisions.ts';
import type { RemoteChild } from './collisions.ts';
import { policyFor, POLICY_PLATFORMS } from './policy.ts';
import { sameFileOn } from './test-support/disk-models.ts';

// UUIDv7-like ids: the smaller one was created first.
const older = '0190a000-0000-7000-8000-000000000001';
const newer = '0190a000-0000-7000-8000-000000000002';

describe('SCENARIOS #23: Readme and README on a case-insensitive disk', () => {
  it.each(['windows', 'macos'] as const)('%s: one materializes, the other is skipped with its reason', (platform) => {
    const children = [
      { id: newer, name: 'README' },
      { id: older, name: 'Readme' },
    ];
    const result = resolveChildren(policyFor(platform), 'docs', children);
    expect(result.materialized).toEqual([{ id: older, name: 'Readme' }]);
    expect(result.skipped).toEqual([
      {
        id: newer,
        name: 'README',
        problem: 'case_collision',
        collidesWith: older,
        reason: 'it would land on the same file as "Readme" on this disk, which does not tell upper and lower case apart; rename one of them on another device',
      },
    ]);
    // Deterministic: the same answer whatever order the server listed them in.
    expect(resolveChildren(policyFor(platform), 'docs', [...children].reverse())).toEqual(result);
  });

  it('the one already on disk keeps its place, even if it is the newer one (never overwritten)', () => {
    const result = resolveChildren(policyFor('windows'), '', [
      { id: older, name: 'Readme' },
      { id: newer, name: 'README' },
    ], { onDisk: new Set([newer]) });
    expect(result.materialized.map((c) => c.name)).toEqual(['README']);
    expect(result.skipped.map((c) => c.name)).toEqual(['Readme']);
  });

  it('Linux and case-sensitive macOS hold both', () => {
    for (const policy of [policyFor('linux'), policyFor('macos', { caseSensitive: true })]) {
      const result = resolveChildren(policy, '', [
        { id: older, name: 'Readme' },
        { id: newer, name: 'README' },
      ]);
      expect(result.materialized).toHaveLength(2);
      expect(result.skipped).toEqual([]);
    }
  });
});

describe('SCENARIOS #25: one name in NFC and NFD', () => {
  it.each(POLICY_PLATFORMS)('%s: the two spellings are one local path, reported as such', (platform) => {
    const result = resolveChildren(policyFor(platform), '', [
      { id: older, name: 'Caf\u00e9' },
      { id: newer, name: 'Cafe\u0301' },
    ]);
    expect(result.materialized).toEqual([{ id: older, name: 'Caf\u00e9' }]);
    expect(result.skipped[0]).toMatchObject({ id: newer, problem: 'normalization_collision', collidesWith: older });
  });
});

describe('SCENARIOS #27: unholdable names among a folder\'s children', () => {
  it('Windows skips each with its own reason and materializes the rest', () => {
    const names = ['CON', 'aux.md', 'nul.txt.jpg', 'dot.', 'space ', 'a:b', 'x<y', 'bell\u0007', 'fine.txt'];
    const children = names.map((name, i) => ({ id: `id-${i}`, name }));
    const result = resolveChildren(policyFor('windows'), '', children);
    expect(result.materialized.map((c) => c.name)).toEqual(['fine.txt']);
    expect(result.skipped.map((c) => c.problem)).toEqual([
      'reserved_name', 'reserved_name', 'reserved_name', 'trailing_dot_or_space', 'trailing_dot_or_space',
      'forbidden_character', 'forbidden_character', 'control_character',
    ]);
  });

  it('an unholdable name does not take the key from a holdable one', () => {
    const result = resolveChildren(policyFor('windows'), '', [
      { id: older, name: 'Report.' },
      { id: newer, name: 'report' },
    ]);
    expect(result.materialized).toEqual([{ id: newer, name: 'report' }]);
  });
});

describe('SCENARIOS #28: names differing only by whitespace', () => {
  it.each(POLICY_PLATFORMS)('%s: all materialize', (platform) => {
    const names = ['notes', ' notes', 'no tes', 'no  tes', 'no\u00a0tes'];
    const result = resolveChildren(policyFor(platform), '', names.map((name, i) => ({ id: `id-${i}`, name })));
    expect(result.materialized.map((c) => c.name).sort()).toEqual([...names].sort());
  });
});

const piece = fc.constantFrom('a', 'A', 'é', 'É', 'ß', 'ẞ', 'ss', 'SS', 'ı', 'i', 'I', 'İ', 'σ', 'ς', 'Σ', 'k', 'K', '\u212a', 'ﬀ', 'ff', ' ', '.', 'x', '1', 'con', 'Ǆ', 'ǅ', 'ǆ');
// Server-side names: NFC, unique in the folder by nameKey (the server's own rule).
const serverChildren = fc
  .uniqueArray(fc.array(piece, { minLength: 1, maxLength: 4 }).map((p) => p.join('').normalize('NFC')), {
    selector: nameKey,
    maxLength: 14,
  })
  .map((names) => names.map((name, i): RemoteChild => ({ id: `id-${String(i).padStart(3, '0')}`, name })));

describe('invariant 8: one name, one path', () => {
  it('no two materialized names share a file on the modelled disk, and every child is accounted for once', () => {
    fc.assert(
      fc.property(fc.constantFrom(...POLICY_PLATFORMS), serverChildren, (platform, children) => {
        const { materialized, skipped } = resolveChildren(policyFor(platform), '', children);
        expect([...materialized, ...skipped].map((c) => c.id).sort()).toEqual(children.map((c) => c.id).sort());
        const same = sameFileOn(platform);
        for (let i = 0; i < materialized.length; i++) {
          for (let j = i + 1; j < materialized.length; j++) {
            const a = (materialized[i] as RemoteChild).name;
            const b = (materialized[j] as RemoteChild).name;
            expect(same(a, b), `${platform}: "${a}" and "${b}"`).toBe(false);
          }
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('the answer does not depend on the order children are listed in', () => {
    const listedTwice = serverChildren.chain((children) =>
      fc.tuple(fc.constant(children), fc.shuffledSubarray(children, { minLength: children.length })),
    );
    fc.assert(
      fc.property(fc.constantFrom(...POLICY_PLATFORMS), listedTwice, (platform, [children, shuffled]) => {
        const policy = policyFor(platform);
        expect(resolveChildren(policy, '', shuffled)).toEqual(resolveChildren(policy, '', children));
      }),
      { numRuns: 500 },
    );
  });

  it('a skipped collision always names a materialized child it lost to', () => {
    fc.assert(
      fc.property(fc.constantFrom(...POLICY_PLATFORMS), serverChildren, (platform, children) => {
        const { materialized, skipped } = resolveChildren(policyFor(platform), '', children);
        const held = new Set(materialized.map((c) => c.id));
        for (const skip of skipped) {
          if (skip.problem === 'case_collision' || skip.problem === 'normalization_collision') {
            expect(held.has(skip.collidesWith as string)).toBe(true);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

// The policies plugged into the real planner (PlanOptions via planOptionsFor): a fresh device on
// each platform syncs a server folder full of names it cannot all hold. What lands on disk is what
// the collision resolver says, every skipped name is reported with the policy's reason, the server
// is never touched (SCENARIOS #23, #27: never renamed or deleted on the server), and no two server
// names end up on one local path (invariant 8), as a property over random folders.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nameKey } from '../../../src-shared/names.ts';
import { file, folder, listing, world } from '../planner/test-support/builders.ts';
import type { Spec } from '../planner/test-support/builders.ts';
import { baseOptions, syncUntilQuiet } from '../planner/test-support/sync-loop.ts';
import type { World } from '../planner/test-support/world.ts';
import { resolveChildren } from './collisions.ts';
import { planOptionsFor, policyFor, POLICY_PLATFORMS } from './policy.ts';
import type { FsPolicy } from './policy.ts';
import { sameFileOn } from './test-support/disk-models.ts';

function freshDevice(policy: FsPolicy, server: Spec[]): { w: World; reports: Map<string, string> } {
  const w = world([], server, []);
  w.localKey = policy.localNameKey;
  const before = listing(w.server);
  const result = syncUntilQuiet(w, baseOptions(planOptionsFor(policy)));
  expect(listing(w.server)).toEqual(before);
  const reports = new Map<string, string>();
  for (const op of result.plans.flat()) {
    expect(['deleteRemote', 'moveRemote', 'upload', 'createRemoteFolder']).not.toContain(op.kind);
    if (op.kind === 'report' && op.code === 'skipped_name') reports.set(op.path, op.message);
  }
  return { w, reports };
}

describe('a fresh Windows device', () => {
  const server = [
    // The server keeps these apart (its nameKey folds "ẞ" to "ß" only); a folding disk cannot.
    file('STRAẞE.md', 'h1', 'id-1'),
    file('strasse.md', 'h2', 'id-2'),
    file('aux.md', 'h3', 'id-3'),
    file('a:b', 'h4', 'id-4'),
    folder('CON', 'id-5'),
    file('CON/inside.txt', 'h5', 'id-6'),
    file('notes', 'h6', 'id-7'),
    file(' notes', 'h7', 'id-8'),
    file('ok.txt', 'h8', 'id-9'),
  ];

  it('creates what it can hold, reports the rest with the policy\'s reason, and leaves the server alone', () => {
    const policy = policyFor('windows');
    const { w, reports } = freshDevice(policy, server);
    expect(Object.keys(listing(w.local)).sort()).toEqual([' notes', 'STRAẞE.md', 'notes', 'ok.txt']);
    expect(reports.get('strasse.md')).toBe(
      'Not created on this device: it would land on the same file as "STRAẞE.md" on this disk. It stays on the server.',
    );
    expect(reports.get('aux.md')).toBe(`Not created on this device: ${policy.whyCannotHold('', 'aux.md')}. It stays on the server.`);
    expect(reports.get('a:b')).toMatch(/Windows does not allow ":"/u);
    expect(reports.get('CON')).toMatch(/Windows reserves "CON"/u);
    // The resolver, asked directly, agrees on the top folder.
    const resolved = resolveChildren(policy, '', [...w.server.values()].filter((i) => i.parentId === 'root'));
    expect(resolved.materialized.map((c) => c.name).sort()).toEqual(Object.keys(listing(w.local)).filter((p) => !p.includes('/')).sort());
  });

  it('the same folder on Linux is created whole', () => {
    const { w, reports } = freshDevice(policyFor('linux'), server);
    expect(Object.keys(listing(w.local))).toHaveLength(server.length);
    expect(reports.size).toBe(0);
  });
});

// Random server folders (unique by the server's nameKey) of names that collide on some disks.
const piece = fc.constantFrom('a', 'A', 'é', 'É', 'ß', 'ẞ', 'ss', 'SS', 'ı', 'I', 'σ', 'ς', ' ', '.', 'x', 'con', 'aux', ':', 'K', '\u212a');
const names = fc.uniqueArray(fc.array(piece, { minLength: 1, maxLength: 3 }).map((p) => p.join('').normalize('NFC')), {
  selector: nameKey,
  minLength: 1,
  maxLength: 10,
});

describe('invariant 8 through the planner', () => {
  it('a fresh device holds exactly the resolver\'s names, no two of them one file on the modelled disk', () => {
    fc.assert(
      fc.property(fc.constantFrom(...POLICY_PLATFORMS), names, names, (platform, top, inner) => {
        const policy = policyFor(platform);
        const specs: Spec[] = [folder('sub', 'id-sub')];
        top.forEach((name, i) => {
          if (nameKey(name) !== nameKey('sub')) specs.push(file(name, `t${i}`, `id-t${String(i).padStart(2, '0')}`));
        });
        inner.forEach((name, i) => specs.push(file(`sub/${name}`, `s${i}`, `id-s${String(i).padStart(2, '0')}`)));
        const { w } = freshDevice(policy, specs);
        for (const parentId of ['root', 'id-sub']) {
          const here = [...w.local.values()].filter((item) => item.parentId === parentId);
          const same = sameFileOn(platform);
          for (const a of here) {
            for (const b of here) if (a !== b) expect(same(a.name, b.name), `"${a.name}" and "${b.name}"`).toBe(false);
          }
          const remote = [...w.server.values()].filter((item) => item.parentId === parentId);
          const expected = resolveChildren(policy, parentId === 'root' ? '' : 'sub', remote).materialized;
          expect(here.map((item) => item.id).sort()).toEqual(expected.map((c) => c.id).sort());
        }
      }),
      { numRuns: 150 },
    );
  });
});

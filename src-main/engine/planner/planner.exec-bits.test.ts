// A disk without executable bits (Windows; PlanOptions.localExecBits false, SCENARIOS #52): every
// file there reads as not executable, which is not the user's edit. The planner keeps the bit it
// knows (base, else server) so one Windows device never clears +x for every other device.
import { describe, expect, it } from 'vitest';
import { planOptionsFor, policyFor } from '../fs-policy/policy.ts';
import type { Operation } from './operations.ts';
import { file, listing, world } from './test-support/builders.ts';
import { baseOptions, planFor, syncUntilQuiet } from './test-support/sync-loop.ts';
import { divergence } from './test-support/world.ts';

const noExecBits = () => baseOptions({ localExecBits: false });
const work = (ops: Operation[]) => ops.filter((op) => !['report', 'ask', 'markSynced'].includes(op.kind));

describe('a local disk without exec bits', () => {
  it('a synced executable file that reads as not executable here is no change', () => {
    const w = world([file('run.sh', 'x', 'f')], [file('run.sh', 'x', 'f', true)], [file('run.sh', 'x', 'f', true)]);
    expect(work(planFor(w, noExecBits()))).toEqual([]);
    // The same input on a disk with exec bits is the user clearing the bit.
    expect(work(planFor(w, baseOptions())).map((op) => op.kind)).toEqual(['upload']);
  });

  it('an edit here keeps the executable bit on the server', () => {
    const w = world([file('run.sh', 'y', 'f')], [file('run.sh', 'x', 'f', true)], [file('run.sh', 'x', 'f', true)]);
    const ops = work(planFor(w, noExecBits()));
    expect(ops).toMatchObject([{ kind: 'upload', id: 'f', hash: 'y', executable: true }]);
    syncUntilQuiet(w, noExecBits());
    expect(listing(w.server)).toEqual({ 'run.sh': 'file:y+x' });
  });

  it('a bit set on the server still arrives (the download records it), and a new file here has none', () => {
    const w = world([file('run.sh', 'x', 'f'), file('new.bat', 'n', 'g')], [file('run.sh', 'x', 'f', true)], [file('run.sh', 'x', 'f')]);
    const ops = work(planFor(w, noExecBits()));
    expect(ops).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'download', id: 'f', executable: true }),
        expect.objectContaining({ kind: 'upload', id: 'g', executable: false }),
      ]),
    );
    syncUntilQuiet(w, noExecBits());
    expect(listing(w.server)).toEqual({ 'run.sh': 'file:x+x', 'new.bat': 'file:n' });
  });

  it('a file created here with the bytes of a new executable server file at the same path is the same item, not a conflict', () => {
    const w = world([file('run.sh', 'x', 'mine')], [file('run.sh', 'x', 'theirs', true)], []);
    const ops = planFor(w, noExecBits());
    expect(ops.map((op) => op.kind)).toContain('rekeyLocal');
    expect(work(ops).filter((op) => op.kind !== 'rekeyLocal')).toEqual([]);
    syncUntilQuiet(w, noExecBits());
    expect(listing(w.server)).toEqual({ 'run.sh': 'file:x+x' });
    // Adopted: here and in the base the item is the server's; this disk just cannot show the bit.
    expect(w.local.get('theirs')).toMatchObject({ name: 'run.sh', hash: 'x' });
    expect(w.synced.get('theirs')).toMatchObject({ name: 'run.sh', hash: 'x', executable: true });
    expect(divergence(w).every((line) => line.startsWith('theirs: '))).toBe(true);
  });

  it('the Windows policy says its disk has no exec bits; Linux and macOS disks have them', () => {
    expect(planOptionsFor(policyFor('windows')).localExecBits).toBe(false);
    expect(planOptionsFor(policyFor('linux')).localExecBits).toBe(true);
    expect(planOptionsFor(policyFor('macos')).localExecBits).toBe(true);
  });
});

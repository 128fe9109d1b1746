// Test support: plan, apply, re-plan until the plan holds no more work, like the engine's loop.
// The server's tree is read fresh before each plan (the changes feed); `beforeExecute` lets a test
// change the server between planning and executing, so some remote operations meet a stale state.

import { isWork } from '../operations.ts';
import type { Operation, PlanOptions } from '../operations.ts';
import { plan } from '../planner.ts';
import { apply, PlannerBug, snapshot, structuralProblems } from './world.ts';
import type { World } from './world.ts';

export interface LoopResult {
  rounds: number;
  /** Every plan, in order. */
  plans: Operation[][];
  refused: Operation[];
}

export interface LoopOptions {
  maxRounds?: number;
  /** Answer yes to mass-delete questions (as `--allow-mass-delete` does). */
  approveMassDeletes?: boolean;
  beforeExecute?: (round: number, world: World) => void;
}

let counter = 0;

/** Deterministic ids for tests: the purpose plus a counter. */
export function testIds(prefix = 'n'): (purpose: string) => string {
  let n = 0;
  const run = ++counter;
  return () => `${prefix}${run}.${++n}`;
}

export function baseOptions(overrides: Partial<PlanOptions> = {}): PlanOptions {
  return {
    device: 'Ada laptop',
    now: new Date(Date.UTC(2026, 10, 22, 3, 15, 0)),
    newId: testIds(),
    ...overrides,
  };
}

export function planFor(world: World, options: PlanOptions): Operation[] {
  return plan({ remote: snapshot(world.server), local: snapshot(world.local), synced: snapshot(world.synced), options });
}

export function syncUntilQuiet(world: World, options: PlanOptions, loop: LoopOptions = {}): LoopResult {
  const maxRounds = loop.maxRounds ?? 12;
  const approved = new Set<string>(options.approvedMassDeletes ?? []);
  const plans: Operation[][] = [];
  const refused: Operation[] = [];
  for (let round = 0; round < maxRounds; round++) {
    const ops = planFor(world, { ...options, approvedMassDeletes: approved });
    plans.push(ops);
    const asks = ops.filter((op) => op.kind === 'ask');
    if (loop.approveMassDeletes) for (const ask of asks) approved.add(ask.batchKey);
    const busy = ops.some((op) => isWork(op) || op.kind === 'markSynced');
    if (!busy && (asks.length === 0 || !loop.approveMassDeletes)) return { rounds: round, plans, refused };
    loop.beforeExecute?.(round, world);
    for (const op of ops) {
      if (apply(world, op) === 'refused') refused.push(op);
      const problems = structuralProblems(world);
      if (problems.length > 0) throw new PlannerBug(`after ${op.kind} ${JSON.stringify(op)}: ${problems.join('; ')}`);
    }
  }
  throw new PlannerBug(`no quiet state after ${maxRounds} rounds; last plan: ${JSON.stringify(plans.at(-1))}`);
}

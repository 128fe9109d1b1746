// The seeded multi-client simulation (issue 4; DESIGN.md "three layers"): per seed, 3–4 real
// engines on real folders against the in-process server, random edits, creates, moves, renames
// and deletes, network failures and crashes, then the invariants after quiescence (run-seed.ts).
//
//   TANDEM_SIM_SEEDS=n        how many seeds (default below, sized for CI)
//   TANDEM_SIM_FIRST_SEED=k   the first of them (default 1): explore other seeds locally
//   TANDEM_SIM_STEPS=n        steps per seed
//   TANDEM_SIM_SEED=s         run only seed s (what a failure prints)
//   TANDEM_SIM_PARALLEL=n     seeds run at once (default 4; each has its own account)
//   TANDEM_SIM_VERBOSE=1      print every seed's step log
//
// Seeds run side by side because a seed mostly waits (disk, SQLite, HTTP); what a seed does is
// decided by its seed alone, so running it alone (TANDEM_SIM_SEED) replays the same actions.
import { afterAll, beforeAll, it } from 'vitest';
import type { SyncWorld } from './sync-harness.ts';
import { startSimulationWorld } from './simulation/sim-world.ts';
import { SeedRun, planSeed } from './simulation/run-seed.ts';

// Issue 4 asks CI for a few hundred seeds. Measured on the 2-core build machine, 4 seeds at a
// time: 200 seeds x 40 steps take about 8.5 minutes with nothing else running (24 minutes at a
// load of 10-12, while other test suites shared the cores). Explore more locally with
// TANDEM_SIM_SEEDS and TANDEM_SIM_FIRST_SEED; a failing seed prints its exact replay command.
const DEFAULT_SEEDS = 200;
const DEFAULT_STEPS = 40;

function whole(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min) throw new Error(`${name} must be a whole number of at least ${min}, not "${raw}".`);
  return Number(raw);
}

const steps = whole('TANDEM_SIM_STEPS', DEFAULT_STEPS, 1);
const single = process.env.TANDEM_SIM_SEED;
const seeds =
  single !== undefined && single !== ''
    ? [whole('TANDEM_SIM_SEED', 0, 0)]
    : Array.from({ length: whole('TANDEM_SIM_SEEDS', DEFAULT_SEEDS, 1) }, (_, i) => whole('TANDEM_SIM_FIRST_SEED', 1, 0) + i);
const parallel = whole('TANDEM_SIM_PARALLEL', 4, 1);

function rerunCommand(seed: number, stepCount: number): string {
  return `TANDEM_SIM_SEED=${seed} TANDEM_SIM_STEPS=${stepCount} npx vitest run integration/engine/simulation.test.ts`;
}

/** At most `parallel` seeds at once (vitest's own limit is a config setting for every file). */
let running = 0;
const waiting: Array<() => void> = [];
async function slot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= parallel) await new Promise<void>((resolve) => waiting.push(resolve));
  running += 1;
  try {
    return await work();
  } finally {
    running -= 1;
    waiting.shift()?.();
  }
}

let world: SyncWorld;
beforeAll(async () => {
  world = await startSimulationWorld();
});
afterAll(async () => {
  await world.close();
});

const perSeedMs = 60_000 + steps * 3_000;
for (const seed of seeds) {
  const plan = planSeed(seed, steps);
  const shape = `${plan.devices} devices, ${plan.sequential ? 'taking turns' : 'concurrent'}, ${steps} steps`;
  it.concurrent(`seed ${seed} (${shape}) converges with nothing lost`, async () => {
    const run = new SeedRun(plan);
    await slot(async () => {
      let watchdog: NodeJS.Timeout | undefined;
      try {
        // A seed that hangs must still say how to rerun it (vitest's own timeout would not).
        const hung = new Promise<never>((_, reject) => {
          watchdog = setTimeout(() => reject(new Error(`it did not finish in ${perSeedMs / 1000} s (a sync that never returns?)`)), perSeedMs);
        });
        const report = await Promise.race([run.run(world), hung]);
        if (process.env.TANDEM_SIM_VERBOSE) console.log(`${report.log.join('\n')}\n${JSON.stringify({ ...report, log: undefined })}`);
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        failure.message = `Seed ${seed} failed: ${failure.message}\n\nRerun it exactly:\n${rerunCommand(seed, steps)}\n\nWhat happened:\n${run.log.join('\n')}`;
        throw failure;
      } finally {
        clearTimeout(watchdog);
      }
    });
    // Waiting for a slot counts against the timeout too: give every queued seed room.
  }, perSeedMs * Math.ceil(seeds.length / parallel) + 10_000);
}

// One seed of the multi-client simulation (issue 4): 3 or 4 devices on one account, each step a
// random action on a random device — a user change, one device's sync, a network failure window,
// or a crash at a seeded executor boundary followed by a restart — then the network heals, every
// device settles, and the invariants are checked: SCENARIOS.md 1, 4, 5, 6 (expectInvariants),
// 2 (no lost write: ledger.ts), 5 again after every sync (no temp file under a visible name), and,
// in sequential seeds (devices take turns, each syncing before the next one acts), 9: no
// conflicted copy at all. Every choice comes from the seed (prng.ts), so a seed replays the same
// actions; only timing differs between runs.
import { expect } from 'vitest';
import { expectInvariants, settle } from '../sync-harness.ts';
import type { Account, SyncWorld } from '../sync-harness.ts';
import type { IdleOutcome } from '../../../src-main/engine/sync/folder-sync.ts';
import type { PolicyPlatform } from '../../../src-main/engine/fs-policy/policy.ts';
import { Prng } from './prng.ts';
import { SimDevice } from './sim-device.ts';
import { WriteLedger, localTrashKeeps, serverKeeps } from './ledger.ts';
import { midSyncAction, twinEdit, userAction } from './user-actions.ts';
import type { ActionContext, UserActionKind } from './user-actions.ts';

export interface SeedPlan {
  seed: number;
  steps: number;
  devices: number;
  /** Devices take turns (each syncs before another acts): no concurrent edits, so no conflict may appear. */
  sequential: boolean;
  /** The executor's concurrency on every device (1 replays most exactly; 256 is the product default). */
  concurrency: number;
  /** Per device, whose filesystem name rules it plays (case-insensitive ones fold `a.txt`/`A.txt`). */
  policies: PolicyPlatform[];
}

export interface SeedReport extends SeedPlan {
  log: string[];
  writes: number;
  crashes: number;
  dropped: number;
  syncs: number;
  conflictedCopies: number;
  unsettledSyncs: number;
}

const DEVICE_NAMES = ['Ada', 'Bob', 'Cy', 'Dee'];

/** What a seed is: decided before anything runs, from the seed alone. */
export function planSeed(seed: number, steps: number): SeedPlan {
  const rng = Prng.fork(seed, 'setup');
  const devices = rng.chance(0.25) ? 4 : 3;
  return {
    seed,
    steps,
    devices,
    // Every fourth seed takes turns: it is what makes invariant 9 checkable.
    sequential: seed % 4 === 0,
    concurrency: rng.pick([1, 4, 256]),
    // Windows rules are left out: they keep no exec bit, and the harness compares exec bits.
    policies: Array.from({ length: devices }, () => rng.pick<PolicyPlatform>(['linux', 'linux', 'macos'])),
  };
}

type StepKind = UserActionKind | 'twinEdit' | 'sync' | 'network' | 'crash' | 'interlude';

const CONCURRENT_WEIGHTS: Record<StepKind, number> = {
  create: 14,
  edit: 16,
  twinEdit: 5,
  mkdir: 7,
  rename: 7,
  move: 8,
  deleteFile: 5,
  deleteFolder: 4,
  chmod: 3,
  sync: 20,
  network: 4,
  crash: 7,
  interlude: 6,
};
const SEQUENTIAL_WEIGHTS: Record<StepKind, number> = { ...CONCURRENT_WEIGHTS, twinEdit: 0 };

/** Thrown for a broken invariant found during the steps (not by an expect at the end). */
class SimulationFailure extends Error {}

export class SeedRun {
  readonly plan: SeedPlan;
  readonly log: string[] = [];
  readonly #started = Date.now();
  readonly ledger = new WriteLedger();
  devices: SimDevice[] = [];
  #time: number;

  constructor(plan: SeedPlan) {
    this.plan = plan;
    // The clock conflicted-copy names read: fixed per seed, a second per step.
    this.#time = Date.UTC(2026, 0, 1, 9, 0, 0) + (plan.seed % 100_000) * 60_000;
  }

  async run(world: SyncWorld): Promise<SeedReport> {
    const { seed, steps } = this.plan;
    const account: Account = await world.account();
    const clock = () => new Date(this.#time);
    for (let i = 0; i < this.plan.devices; i++) this.devices.push(await SimDevice.create(world, account, DEVICE_NAMES[i]!, seed, clock, this.plan.concurrency, this.plan.policies[i]!));
    try {
      this.#note(`seed ${seed}: ${this.plan.devices} devices, ${this.plan.sequential ? 'sequential (taking turns)' : 'concurrent'}, executor concurrency ${this.plan.concurrency}, name rules ${this.plan.policies.join(', ')}`);
      let actor: SimDevice | undefined;
      for (let step = 0; step < steps; step++) {
        this.#time += 1000;
        for (const sim of this.devices) {
          if (sim.net.failure && sim.net.failure.untilStep <= step) {
            sim.net.failure = undefined;
            this.#note(`#${step} ${sim.name}: network back`);
          }
        }
        const rng = Prng.fork(seed, `step:${step}`);
        const kind = rng.weighted(this.plan.sequential ? SEQUENTIAL_WEIGHTS : CONCURRENT_WEIGHTS);
        const sim = rng.pick(this.devices);
        const ctx: ActionContext = { seed, step, rng, ledger: this.ledger };
        if (kind === 'sync') {
          this.#note(`#${step} ${sim.name}: sync -> ${await this.#sync(sim, step)}`);
        } else if (kind === 'network') {
          const offline = rng.chance(0.3);
          const dropRequest = offline ? 1 : rng.int(5, 40) / 100;
          const dropAnswer = offline ? 0 : rng.int(0, 20) / 100;
          const untilStep = step + rng.int(2, 10);
          sim.net.failure = { dropRequest, dropAnswer, untilStep };
          this.#note(`#${step} ${sim.name}: network ${offline ? 'offline' : `flaky (drop ${dropRequest} of requests, ${dropAnswer} of answers)`} until step ${untilStep}`);
        } else if (kind === 'crash') {
          const at = rng.int(0, 24);
          const result = await sim.syncAndCrashAt(at);
          this.#note(`#${step} ${sim.name}: sync armed to crash at boundary ${at} -> ${result.crashed ? `crashed (${result.boundary}), restarted` : `no crash (${result.outcome})`}`);
          await this.#afterSync(sim, step);
        } else if (kind === 'interlude') {
          // The user acts while the engine works: in turn-taking seeds only the device whose turn it is.
          if (this.plan.sequential && actor !== undefined && actor !== sim) await this.#handOff(actor, sim, step);
          if (this.plan.sequential) actor = sim;
          const at = rng.int(0, 8);
          let what = '';
          const result = await sim.syncWithInterlude(at, async (boundary) => {
            try {
              what = `${boundary}: ${await midSyncAction(ctx, sim, boundary)}`;
            } catch (error) {
              // The engine moved something while the user looked (a folder listed, then gone): the
              // user's action simply failed; it must not look like an engine error.
              what = `${boundary}: the user's action failed (${error instanceof Error ? error.message : String(error)})`;
            }
          });
          this.#note(`#${step} ${sim.name}: sync with the user acting at boundary ${at} -> ${result.ran ? `at ${what}` : 'no such boundary'}; ${result.outcome}`);
          await this.#afterSync(sim, step);
        } else {
          if (this.plan.sequential && actor !== undefined && actor !== sim) await this.#handOff(actor, sim, step);
          if (this.plan.sequential) actor = sim;
          const what = kind === 'twinEdit' ? await twinEdit(ctx, sim, rng.pick(this.devices.filter((d) => d !== sim))) : await userAction(ctx, sim, kind);
          this.#note(`#${step} ${sim.name}: ${what}`);
        }
      }
      await this.#finish();
      return this.#report();
    } finally {
      for (const sim of this.devices) await sim.device.close().catch(() => undefined);
    }
  }

  async #sync(sim: SimDevice, step: number): Promise<IdleOutcome> {
    const outcome = await sim.sync();
    await this.#afterSync(sim, step);
    return outcome;
  }

  /** Checks that hold at every moment, not only at the end. */
  async #afterSync(sim: SimDevice, step: number): Promise<void> {
    const disk = await sim.device.contents();
    for (const path of disk.keys()) {
      if (/\.tandem-tmp-/.test(path)) throw new SimulationFailure(`Invariant 5: ${sim.name} shows a temp file under a visible name after step ${step}: ${path}`);
      if (this.plan.sequential && path.includes('(conflicted copy from ')) {
        throw new SimulationFailure(`Invariant 9: ${sim.name} has a conflicted copy after step ${step} although the devices took turns: ${path}`);
      }
    }
    const state = sim.device.engine.status;
    if (state.state === 'error' && !/simulated crash/.test(state.message)) this.#note(`#${step} ${sim.name}: engine error: ${state.message}`);
  }

  /**
   * Sequential seeds: before `next` acts, the device that acted last sends everything and `next`
   * takes everything in, with the network healthy (a failure window only delays this, as a user
   * would wait for "up to date" before walking to the other computer).
   */
  async #handOff(from: SimDevice, next: SimDevice, step: number): Promise<void> {
    for (const sim of [from, next]) {
      let outcome: IdleOutcome = 'unsettled';
      for (let attempt = 0; attempt < 3 && outcome !== 'in_sync'; attempt++) outcome = await sim.healthy(() => sim.sync());
      await this.#afterSync(sim, step);
      if (outcome !== 'in_sync') {
        throw new SimulationFailure(`Hand-off ${from.name} -> ${next.name} before step ${step}: ${sim.name} did not get in sync with a healthy network (${outcome}: ${sim.device.engine.status.message})`);
      }
    }
    this.#note(`#${step} hand-off ${from.name} -> ${next.name}: both in sync`);
  }

  /** Heal everything, settle, and check the invariants. */
  async #finish(): Promise<void> {
    for (const sim of this.devices) {
      sim.net.failure = undefined;
      sim.net.suspended = true;
    }
    this.#note('end: network healed; settling all devices');
    const outcomes = await settle(
      this.devices.map((sim) => sim.device),
      10,
    );
    if (outcomes.some((o) => o !== 'in_sync')) {
      const states = this.devices.map((sim, i) => `${sim.name}: ${outcomes[i]} (${sim.device.engine.status.state}: ${sim.device.engine.status.message})`);
      throw new SimulationFailure(`Invariant 1: the devices did not settle with a healthy network: ${states.join('; ')}`);
    }
    const devices = this.devices.map((sim) => sim.device);
    await expectInvariants(devices);

    const kept = await serverKeeps(devices[0]!.client);
    for (const device of devices) for (const hash of (await device.contents()).values()) kept.add(hash.replace(/\+x$/, ''));
    const lost = this.ledger.required().filter((write) => !kept.has(write.hash));
    if (lost.length > 0) {
      const inLocalTrash = new Set<string>();
      for (const device of devices) for (const hash of await localTrashKeeps(device.dir, device.world.hasher)) inLocalTrash.add(hash);
      const describe = lost.map((w) => `${w.device}'s write of ${w.path} at step ${w.step}${inLocalTrash.has(w.hash) ? ' (only in a local trash: deleted without being on the server, invariant 3)' : ''}`);
      throw new SimulationFailure(`Invariant 2: ${lost.length} write(s) lost: ${describe.join('; ')}`);
    }

    if (this.plan.sequential) {
      for (const sim of this.devices) expect(sim.device.engine.status.conflicts, `${sim.name}: invariant 9, no conflicts reported when devices take turns`).toEqual([]);
    }
  }

  /** A log line, with the milliseconds since the seed started (timing is not part of the replay). */
  #note(line: string): void {
    this.log.push(`${line}  [${Date.now() - this.#started} ms]`);
  }

  #report(): SeedReport {
    const sum = (f: (sim: SimDevice) => number) => this.devices.reduce((n, sim) => n + f(sim), 0);
    return {
      ...this.plan,
      log: this.log,
      writes: this.ledger.count,
      crashes: sum((sim) => sim.crashes),
      dropped: sum((sim) => sim.net.dropped),
      syncs: sum((sim) => sim.syncs),
      unsettledSyncs: sum((sim) => sim.outcomes.unsettled),
      conflictedCopies: this.devices[0]!.device.engine.status.conflicts.length,
    };
  }
}

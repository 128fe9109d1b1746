// One simulated device: a real FolderSync engine (sync-harness Device) plus the faults the
// simulation injects into it — a network that drops requests or answers by a seeded PRNG, and a
// crash switch armed at a seeded step boundary of the executor — and the simulation's clock (for
// conflicted-copy names), so a seed replays the same choices.
import type { Account, Device, SyncWorld } from '../sync-harness.ts';
import type { FetchLike } from '../../../src-main/engine/remote/remote-client.ts';
import type { ExecutorPorts } from '../../../src-main/engine/executor/ports.ts';
import type { IdleOutcome } from '../../../src-main/engine/sync/folder-sync.ts';
import type { PolicyPlatform } from '../../../src-main/engine/fs-policy/policy.ts';
import { CrashSwitch } from '../../../src-main/engine/executor/test-support/crash-switch.ts';

/**
 * The crash switch's boundaries without the crash: at boundary `at` of the disk and server calls,
 * the user does something (runs `interlude`) while the engine waits in the middle of its work —
 * an edit while a file is hashed, uploaded or downloaded (SCENARIOS #36, #37), a move or delete
 * under an operation. Store calls (synchronous) only count.
 */
class Interlude extends CrashSwitch {
  readonly #at: number;
  readonly #interlude: (boundary: string) => Promise<void>;
  #count = 0;
  ran = false;

  constructor(at: number, interlude: (boundary: string) => Promise<void>) {
    super(undefined);
    this.#at = at;
    this.#interlude = interlude;
  }

  async #maybe(name: string): Promise<void> {
    if (this.#count++ !== this.#at) return;
    this.ran = true;
    await this.#interlude(name);
  }

  override async wrap<T>(name: string, call: () => Promise<T>): Promise<T> {
    await this.#maybe(`before ${name}`);
    const result = await call();
    await this.#maybe(`after ${name}`);
    return result;
  }

  override wrapSync<T>(name: string, call: () => T): T {
    this.#count += 2;
    return call();
  }
}
import { Prng } from './prng.ts';

/** How a failing network behaves while a failure window is open. */
export interface NetworkFailure {
  /** Chance that a request never reaches the server. */
  dropRequest: number;
  /** Chance that the server acts but the answer is lost (what idempotency keys are for). */
  dropAnswer: number;
  /** The window closes at the start of this step. */
  untilStep: number;
}

export class SimNetwork {
  failure: NetworkFailure | undefined;
  /** Set while the simulation itself needs the server (restart's login, hand-offs, the end). */
  suspended = false;
  dropped = 0;
  passed = 0;
  readonly #rng: Prng;

  constructor(rng: Prng) {
    this.#rng = rng;
  }

  readonly fetch: FetchLike = async (input, init) => {
    const failure = this.suspended ? undefined : this.failure;
    const roll = this.#rng.float();
    const lost = () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });
    if (failure && roll < failure.dropRequest) {
      this.dropped += 1;
      throw lost();
    }
    const response = await globalThis.fetch(input, init);
    if (failure && roll < failure.dropRequest + failure.dropAnswer) {
      this.dropped += 1;
      await response.arrayBuffer();
      throw lost();
    }
    this.passed += 1;
    return response;
  };
}

interface PortSlot {
  base: ExecutorPorts;
  crash: CrashSwitch | undefined;
  crashing: ExecutorPorts | undefined;
}

export class SimDevice {
  readonly name: string;
  readonly net: SimNetwork;
  device!: Device;
  /**
   * The running engine's ports: healthy, or crashing while a crash is armed. Each engine start
   * gets its own slot, so operations of a crashed engine still in flight stay dead after the
   * restart (a dead process does not come back to finish its work).
   */
  #slot: PortSlot | undefined;
  crashes = 0;
  syncs = 0;
  readonly outcomes: Record<IdleOutcome, number> = { in_sync: 0, question: 0, stopped: 0, unsettled: 0 };

  private constructor(name: string, net: SimNetwork) {
    this.name = name;
    this.net = net;
  }

  /**
   * A device on `account`. `clock` is the simulation's time (conflicted-copy names); the
   * executor's backoff waits are cut to a few milliseconds so failures cost little wall time.
   */
  static async create(world: SyncWorld, account: Account, name: string, seed: number, clock: () => Date, concurrency: number, fsPolicy: PolicyPlatform): Promise<SimDevice> {
    const sim = new SimDevice(name, new SimNetwork(Prng.fork(seed, `network:${name}`)));
    const jitter = Prng.fork(seed, `jitter:${name}`);
    sim.device = await world.device(name, account, {
      client: { fetch: sim.net.fetch, random: () => jitter.float() },
      now: clock,
      concurrency,
      fsPolicy,
      // Small trees: a folder delete can be most of the folder. The guard has its own tests.
      allowMassDelete: true,
      wrapPorts: (ports) => sim.#wrap(ports),
    });
    return sim;
  }

  /**
   * The executor's ports, switchable between healthy and crashing: the engine keeps this one
   * object across passes, and each access picks whichever is current.
   */
  #wrap(ports: ExecutorPorts): ExecutorPorts {
    const clock = ports.clock;
    const base: ExecutorPorts = {
      ...ports,
      clock: { now: () => clock.now(), random: () => clock.random(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 5))) },
    };
    const slot: PortSlot = { base, crash: undefined, crashing: undefined };
    this.#slot = slot;
    return new Proxy(base, { get: (_, key) => Reflect.get(slot.crashing ?? slot.base, key) });
  }

  /** One pass of this device (runUntilIdle). */
  async sync(): Promise<IdleOutcome> {
    this.syncs += 1;
    const outcome = await this.device.sync();
    this.outcomes[outcome] += 1;
    return outcome;
  }

  /**
   * Syncs with the crash switch armed at boundary `at`. Returns whether it crashed; if it did,
   * the engine is restarted (same disk, same state folder: recovery runs at start).
   */
  async syncAndCrashAt(at: number): Promise<{ crashed: boolean; boundary: string | undefined; outcome: IdleOutcome | 'threw' }> {
    const slot = this.#slot!;
    const crash = new CrashSwitch(at);
    slot.crash = crash;
    slot.crashing = crash.ports(slot.base);
    let outcome: IdleOutcome | 'threw' = 'threw';
    try {
      outcome = await this.sync();
    } catch (error) {
      // A crash in recovery, before the loop's first pass, comes out of runUntilIdle itself.
      if (!crash.dead) throw error;
    } finally {
      if (!crash.dead) {
        slot.crash = undefined;
        slot.crashing = undefined;
      }
    }
    if (!crash.dead) return { crashed: false, boundary: undefined, outcome };
    this.crashes += 1;
    await this.restart();
    return { crashed: true, boundary: `right after "${crash.boundaries.at(-1) ?? 'the start'}"`, outcome };
  }

  /**
   * Syncs, and at boundary `at` of the executor's work lets the user act (`interlude`, given the
   * boundary's name). Returns whether the interlude ran (a pass with fewer boundaries has none).
   */
  async syncWithInterlude(at: number, interlude: (boundary: string) => Promise<void>): Promise<{ ran: boolean; outcome: IdleOutcome }> {
    const slot = this.#slot!;
    const switcher = new Interlude(at, interlude);
    slot.crashing = switcher.ports(slot.base);
    try {
      const outcome = await this.sync();
      return { ran: switcher.ran, outcome };
    } finally {
      slot.crashing = undefined;
    }
  }

  async restart(): Promise<void> {
    const suspended = this.net.suspended;
    this.net.suspended = true;
    try {
      await this.device.restart();
    } finally {
      this.net.suspended = suspended;
    }
  }

  /** Runs `work` with the network healthy (the simulation's own hand-offs and final settle). */
  async healthy<T>(work: () => Promise<T>): Promise<T> {
    const suspended = this.net.suspended;
    this.net.suspended = true;
    try {
      return await work();
    } finally {
      this.net.suspended = suspended;
    }
  }
}

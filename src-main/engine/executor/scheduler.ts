// Bounded concurrency with dependencies: runs tasks at most `limit` at a time, each only after
// the tasks it depends on succeeded. A task whose dependency did not succeed is skipped (its
// premise is gone; the next plan decides again), and so is everything that depends on it.
// Started in index order among the ready ones, so the plan's order is kept wherever it matters.
//
// Two limits: a COUNT of tasks at once, and optionally BYTES in flight (each task's weight: the
// bytes a transfer moves and holds). Small operations need many in flight for the remote calls to
// batch (batching-remote-ops.ts); big transfers need few, or they only share the bandwidth and
// the memory. A task heavier than the whole budget counts as the budget: it runs alone among the
// weighted ones. A task that does not fit waits, and holds its place: later tasks start past it
// only while they fit beside what it will need, so it is never starved by a stream of small ones.

export type TaskResult = 'ok' | 'not_ok';

export interface ScheduledTask {
  deps: readonly number[];
  run: () => Promise<TaskResult>;
  /** Bytes this task moves (counts against maxBytes); default 0. */
  weight?: number;
}

export type TaskState = 'ok' | 'not_ok' | 'skipped';

export interface ScheduleLimits {
  /** Sum of the weights of the tasks running at once; default unlimited. */
  maxBytes?: number;
}

/** Tasks looked past per pump while the first waiting one does not fit the byte budget. */
const MAX_HELD = 64;

export async function runScheduled(tasks: readonly ScheduledTask[], limit: number, limits: ScheduleLimits = {}): Promise<TaskState[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`Concurrency must be a whole number of at least 1, not ${String(limit)}.`);
  const maxBytes = limits.maxBytes ?? Number.POSITIVE_INFINITY;
  if (!(maxBytes > 0)) throw new RangeError(`The bytes in flight must be above 0, not ${String(maxBytes)}.`);
  const weightOf = (index: number) => Math.min(Math.max(0, tasks[index]!.weight ?? 0), maxBytes);
  const states: Array<TaskState | undefined> = tasks.map(() => undefined);
  const waiting = tasks.map((task) => task.deps.length);
  const dependents: number[][] = tasks.map(() => []);
  tasks.forEach((task, index) => {
    for (const dep of task.deps) {
      if (dep >= index || dep < 0) throw new RangeError(`Task ${index} cannot depend on task ${dep}: only on earlier ones.`);
      dependents[dep]!.push(index);
    }
  });
  const ready = new MinHeap();
  tasks.forEach((_, index) => {
    if (waiting[index] === 0) ready.push(index);
  });

  return new Promise((resolve, reject) => {
    let running = 0;
    let finished = 0;
    let bytes = 0;
    // A task that throws (rather than answering not_ok) stops the whole run: nothing new starts.
    let broken = false;
    const settle = (index: number, state: TaskState) => {
      states[index] = state;
      finished += 1;
      for (const next of dependents[index]!) {
        if (states[next] !== undefined) continue;
        if (state !== 'ok') settle(next, 'skipped');
        else if (--waiting[next]! === 0) ready.push(next);
      }
    };
    const pump = () => {
      if (broken) return;
      // Ready tasks that do not fit the byte budget yet, in index order; the first one's weight is held back.
      const held: number[] = [];
      let reserved = 0;
      while (running < limit && ready.size > 0) {
        const index = ready.pop();
        if (states[index] !== undefined) continue;
        const weight = weightOf(index);
        if (weight > 0 && bytes + reserved + weight > maxBytes && !(bytes === 0 && held.length === 0)) {
          if (held.length === 0) reserved = weight;
          held.push(index);
          // Looking further is rarely worth it; this keeps each pump short with 10k tasks waiting.
          if (held.length >= MAX_HELD) break;
          continue;
        }
        running += 1;
        bytes += weight;
        tasks[index]!.run().then(
          (result) => {
            running -= 1;
            bytes -= weight;
            settle(index, result);
            pump();
          },
          (error: unknown) => {
            broken = true;
            reject(error);
          },
        );
      }
      for (const index of held) ready.push(index);
      if (running === 0 && (finished === tasks.length || ready.size === 0)) resolve(states.map((s) => s ?? 'skipped'));
    };
    pump();
  });
}

/** The ready tasks, lowest index first: a binary heap, so 100k ready tasks cost n log n. */
class MinHeap {
  readonly #items: number[] = [];

  get size(): number {
    return this.#items.length;
  }

  push(value: number): void {
    const items = this.#items;
    items.push(value);
    let at = items.length - 1;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (items[parent]! <= value) break;
      items[at] = items[parent]!;
      at = parent;
    }
    items[at] = value;
  }

  pop(): number {
    const items = this.#items;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      let at = 0;
      for (;;) {
        const left = 2 * at + 1;
        if (left >= items.length) break;
        const right = left + 1;
        const child = right < items.length && items[right]! < items[left]! ? right : left;
        if (items[child]! >= last) break;
        items[at] = items[child]!;
        at = child;
      }
      items[at] = last;
    }
    return top;
  }
}

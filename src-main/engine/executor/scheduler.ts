// Bounded concurrency with dependencies: runs tasks at most `limit` at a time, each only after
// the tasks it depends on succeeded. A task whose dependency did not succeed is skipped (its
// premise is gone; the next plan decides again), and so is everything that depends on it.
// Started in index order among the ready ones, so the plan's order is kept wherever it matters.

export type TaskResult = 'ok' | 'not_ok';

export interface ScheduledTask {
  deps: readonly number[];
  run: () => Promise<TaskResult>;
}

export type TaskState = 'ok' | 'not_ok' | 'skipped';

export async function runScheduled(tasks: readonly ScheduledTask[], limit: number): Promise<TaskState[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`Concurrency must be a whole number of at least 1, not ${String(limit)}.`);
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
      while (running < limit && ready.size > 0) {
        const index = ready.pop();
        if (states[index] !== undefined) continue;
        running += 1;
        tasks[index]!.run().then(
          (result) => {
            running -= 1;
            settle(index, result);
            pump();
          },
          (error: unknown) => {
            broken = true;
            reject(error);
          },
        );
      }
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

// What the side-by-side benchmark runs, read from the environment: TANDEM_BENCH_SCALE (1 = the
// sizes of issue 6, 0.01 for a quick try, as in bench:sync) and TANDEM_BENCH_ONLY (a subset of the
// workloads). Pure, so its errors are tested.

export const WORKLOADS = ['edit', 'small', 'big', 'insert', 'index', 'idle'] as const;
export type Workload = (typeof WORKLOADS)[number];

export interface Sizes {
  /** Small edits timed (issue: at least 20). */
  edits: number;
  /** 4 KiB files created at once (issue: 10,000). */
  smallFiles: number;
  /** The big file's bytes (issue: 1 GiB). */
  bigBytes: number;
  /** The file one byte is inserted into (issue: 100 MiB). */
  insertBytes: number;
  /** Files in the folder indexed from scratch, then kept synced while idle (issue: 100,000). */
  indexFiles: number;
  /** Seconds of idle measured (issue: 60). */
  idleSeconds: number;
}

const MiB = 1024 * 1024;

export class SettingsError extends Error {}

export function parseScale(raw: string | undefined): number {
  const scale = Number(raw ?? '1');
  if (raw?.trim() === '' || !Number.isFinite(scale) || scale <= 0) {
    throw new SettingsError(`TANDEM_BENCH_SCALE must be a number above 0 (1 = the issue's sizes, 0.01 for a quick try), not "${raw}".`);
  }
  return scale;
}

export function parseOnly(raw: string | undefined): Set<Workload> {
  if (raw === undefined || raw.trim() === '') return new Set(WORKLOADS);
  const names = raw.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const unknown = names.filter((name) => !(WORKLOADS as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) {
    throw new SettingsError(`TANDEM_BENCH_ONLY takes a comma-separated list of ${WORKLOADS.join(', ')}; "${unknown.join(', ') || raw}" is not one.`);
  }
  return new Set(names as Workload[]);
}

/** The sizes times `scale`, with floors that keep each workload meaningful at tiny scales. */
export function sizesFor(scale: number): Sizes {
  return {
    // Same rule as bench:sync: the full 20 from scale 0.5 up, never fewer than 3.
    edits: Math.max(3, Math.round(20 * Math.min(1, scale * 2))),
    smallFiles: Math.max(20, Math.round(10_000 * scale)),
    bigBytes: Math.max(4 * MiB, Math.round(1024 * MiB * scale)),
    insertBytes: Math.max(4 * MiB, Math.round(100 * MiB * scale)),
    indexFiles: Math.max(200, Math.round(100_000 * scale)),
    // The full minute from scale 0.1 up: an idle process's cost only shows over time.
    idleSeconds: Math.max(6, Math.round(60 * Math.min(1, scale * 10))),
  };
}

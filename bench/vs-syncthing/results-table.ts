// The side-by-side results: one row per figure with Tandem's value, Syncthing's, their ratio, the
// target issue 6 sets for Tandem and whether it is met; printed as an aligned table and kept as
// JSON (and Markdown) for the README. Pure, so the ratios, targets and formatting are tested.
import type { Sizes } from './settings.ts';

/** What a tool measured; a figure is missing when its workload did not run. */
export interface ToolFigures {
  editP50Ms?: number;
  editP95Ms?: number;
  smallFilesSeconds?: number;
  bigFileSeconds?: number;
  bigFileMBps?: number;
  insertWireBytes?: number;
  insertSeconds?: number;
  indexSeconds?: number;
  indexFilesPerSecond?: number;
  indexPeakRssMB?: number;
  /** CPU seconds the indexing process spent: steadier than wall time on a shared, busy machine. */
  indexCpuSeconds?: number;
  idleCpuSecondsPerMinute?: number;
  idleRssMB?: number;
}

export type Target =
  | { kind: 'below'; value: number }
  | { kind: 'atLeast'; value: number }
  /** Under this share of Syncthing's figure (issue: 10k files in under a tenth of Syncthing's time). */
  | { kind: 'belowShareOfSyncthing'; share: number }
  /** No more than Syncthing's figure (issue: no more bytes than Syncthing sends). */
  | { kind: 'atMostSyncthing' };

export interface RowSpec {
  figure: keyof ToolFigures;
  workload: string;
  unit: string;
  /** Which way is better, to say what the ratio means. */
  better: 'lower' | 'higher';
  target?: Target;
}

export interface Row extends RowSpec {
  tandem: number | undefined;
  syncthing: number | undefined;
  /** Tandem ÷ Syncthing. */
  ratio: number | undefined;
  met: boolean | undefined;
}

const count = (n: number) => n.toLocaleString('en-US');

/** Human size for the workload names: 1 GiB, 100 MiB, 10.2 MiB. */
export function binarySize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}

/** Issue 6's rows and targets, named with the sizes actually run. */
export function rowSpecs(sizes: Sizes): RowSpec[] {
  return [
    { figure: 'editP50Ms', workload: `small edit A→B, p50 of ${sizes.edits}`, unit: 'ms', better: 'lower', target: { kind: 'below', value: 150 } },
    { figure: 'editP95Ms', workload: `small edit A→B, p95 of ${sizes.edits}`, unit: 'ms', better: 'lower', target: { kind: 'below', value: 400 } },
    { figure: 'smallFilesSeconds', workload: `${count(sizes.smallFiles)} × 4 KiB files A→B`, unit: 's', better: 'lower', target: { kind: 'belowShareOfSyncthing', share: 0.1 } },
    { figure: 'bigFileSeconds', workload: `one ${binarySize(sizes.bigBytes)} file A→B, time`, unit: 's', better: 'lower' },
    { figure: 'bigFileMBps', workload: `one ${binarySize(sizes.bigBytes)} file A→B, speed`, unit: 'MB/s', better: 'higher', target: { kind: 'atLeast', value: 250 } },
    { figure: 'insertWireBytes', workload: `1 byte inserted in ${binarySize(sizes.insertBytes)}, on the wire`, unit: 'KB', better: 'lower', target: { kind: 'atMostSyncthing' } },
    { figure: 'insertSeconds', workload: `1 byte inserted in ${binarySize(sizes.insertBytes)}, time`, unit: 's', better: 'lower', target: { kind: 'below', value: 1 } },
    { figure: 'indexSeconds', workload: `first index of ${count(sizes.indexFiles)} files, time`, unit: 's', better: 'lower' },
    { figure: 'indexFilesPerSecond', workload: `first index of ${count(sizes.indexFiles)} files, speed`, unit: 'files/s', better: 'higher', target: { kind: 'atLeast', value: 50_000 } },
    { figure: 'indexCpuSeconds', workload: `first index of ${count(sizes.indexFiles)} files, CPU`, unit: 'CPU-s', better: 'lower' },
    { figure: 'indexPeakRssMB', workload: `first index of ${count(sizes.indexFiles)} files, peak RSS`, unit: 'MB', better: 'lower', target: { kind: 'below', value: 200 } },
    { figure: 'idleCpuSecondsPerMinute', workload: `idle ${sizes.idleSeconds} s, ${count(sizes.indexFiles)} files synced, CPU per device`, unit: 'CPU-s/min', better: 'lower', target: { kind: 'below', value: 1 } },
    { figure: 'idleRssMB', workload: `idle ${sizes.idleSeconds} s, ${count(sizes.indexFiles)} files synced, RSS per device`, unit: 'MB', better: 'lower' },
  ];
}

export function targetMet(target: Target | undefined, tandem: number | undefined, syncthing: number | undefined): boolean | undefined {
  if (!target || tandem === undefined) return undefined;
  switch (target.kind) {
    case 'below':
      return tandem < target.value;
    case 'atLeast':
      return tandem >= target.value;
    case 'belowShareOfSyncthing':
      return syncthing === undefined ? undefined : tandem < target.share * syncthing;
    case 'atMostSyncthing':
      return syncthing === undefined ? undefined : tandem <= syncthing;
  }
}

export function ratioOf(tandem: number | undefined, syncthing: number | undefined): number | undefined {
  if (tandem === undefined || syncthing === undefined || syncthing === 0) return undefined;
  return tandem / syncthing;
}

/** Rows for the figures either tool measured (a workload left out by TANDEM_BENCH_ONLY has none). */
export function buildRows(specs: readonly RowSpec[], tandem: ToolFigures, syncthing: ToolFigures): Row[] {
  return specs
    .filter((spec) => tandem[spec.figure] !== undefined || syncthing[spec.figure] !== undefined)
    .map((spec) => ({
      ...spec,
      tandem: tandem[spec.figure],
      syncthing: syncthing[spec.figure],
      ratio: ratioOf(tandem[spec.figure], syncthing[spec.figure]),
      met: targetMet(spec.target, tandem[spec.figure], syncthing[spec.figure]),
    }));
}

/** Three significant-ish digits: 12,345 / 123 / 12.3 / 1.23 / 0.123. */
export function formatNumber(value: number): string {
  const size = Math.abs(value);
  if (size >= 1000) return Math.round(value).toLocaleString('en-US');
  if (size >= 100) return value.toFixed(0);
  if (size >= 10) return value.toFixed(1);
  if (size >= 1 || size === 0) return value.toFixed(2);
  return value.toPrecision(2);
}

export function formatValue(value: number | undefined, unit: string): string {
  return value === undefined ? '–' : `${formatNumber(value)} ${unit}`;
}

/** "0.18× (better)": Tandem's figure over Syncthing's, and whether that is good for Tandem. */
export function formatRatio(row: Pick<Row, 'ratio' | 'better'>): string {
  if (row.ratio === undefined) return '–';
  const verdict = row.ratio === 1 ? 'same' : (row.ratio < 1) === (row.better === 'lower') ? 'better' : 'worse';
  return `${formatNumber(row.ratio)}× (${verdict})`;
}

export function describeTarget(target: Target | undefined, unit: string, syncthing: number | undefined): string {
  if (!target) return '';
  switch (target.kind) {
    case 'below':
      return `< ${formatValue(target.value, unit)}`;
    case 'atLeast':
      return `≥ ${formatValue(target.value, unit)}`;
    case 'belowShareOfSyncthing': {
      const share = target.share === 0.1 ? '1/10' : `${target.share}×`;
      return syncthing === undefined ? `< ${share} of Syncthing's` : `< ${share} of Syncthing's (${formatValue(target.share * syncthing, unit)})`;
    }
    case 'atMostSyncthing':
      return "≤ Syncthing's";
  }
}

const metWord = (met: boolean | undefined) => (met === undefined ? '' : met ? 'yes' : 'NO');

const HEADER = ['workload', 'Tandem', 'Syncthing', 'Tandem ÷ Syncthing', "target (Tandem's)", 'met'];

function cells(row: Row): string[] {
  return [row.workload, formatValue(row.tandem, row.unit), formatValue(row.syncthing, row.unit), formatRatio(row), describeTarget(row.target, row.unit, row.syncthing), metWord(row.met)];
}

/** An aligned plain-text table for the terminal. */
export function formatTable(rows: readonly Row[]): string {
  const table = [HEADER, ...rows.map(cells)];
  const widths = HEADER.map((_, column) => Math.max(...table.map((line) => [...line[column]!].length)));
  const render = (line: string[]) => line.map((cell, column) => cell + ' '.repeat(widths[column]! - [...cell].length)).join('  ').trimEnd();
  return [render(table[0]!), widths.map((width) => '-'.repeat(width)).join('  '), ...table.slice(1).map(render)].join('\n');
}

/** The same table in Markdown, for the README. */
export function formatMarkdown(rows: readonly Row[]): string {
  const line = (values: string[]) => `| ${values.map((value) => value.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(HEADER), line(HEADER.map(() => '---')), ...rows.map((row) => line(cells(row)))].join('\n');
}

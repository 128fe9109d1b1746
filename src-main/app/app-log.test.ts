// The app log: lines in order with their time, one line per entry, and rotation past the limit.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppLog } from './app-log.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('AppLog', () => {
  it('appends time-stamped single lines, in order, and keeps one older file past the limit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-log-'));
    dirs.push(dir);
    const log = new AppLog(join(dir, 'logs'), { now: () => Date.UTC(2026, 10, 22, 9, 0, 0), maxBytes: 200 });
    log.write('Tandem 1.0 started');
    log.write('folder 1: error — The folder is missing.\nsecond line');
    await log.flush();
    expect(readFileSync(join(dir, 'logs', 'tandem.log'), 'utf8')).toBe(
      '2026-11-22T09:00:00.000Z Tandem 1.0 started\n2026-11-22T09:00:00.000Z folder 1: error — The folder is missing. second line\n',
    );
    for (let i = 0; i < 5; i++) log.write(`line ${i} ${'x'.repeat(40)}`);
    await log.flush();
    const older = readFileSync(join(dir, 'logs', 'tandem.log.1'), 'utf8');
    const current = readFileSync(join(dir, 'logs', 'tandem.log'), 'utf8');
    expect(current.length).toBeLessThanOrEqual(200);
    expect(`${older}${current}`).toMatch(/line 4 x+\n$/);
  });
});

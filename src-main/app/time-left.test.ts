// Time left from the recent rate; never backwards within a transfer.
import { describe, expect, it } from 'vitest';
import { describeBytes, describeTimeLeft, TimeLeft } from './time-left.ts';

describe('TimeLeft', () => {
  it('has no estimate until a second of progress, then uses the recent rate', () => {
    const eta = new TimeLeft();
    const p = (bytesDone: number) => ({ filesDone: 0, filesTotal: 10, bytesDone, bytesTotal: 10_000_000 });
    expect(eta.update(p(0), 0).secondsLeft).toBeNull();
    expect(eta.update(p(500_000), 500).secondsLeft).toBeNull();
    // 1 MB/s over the last second: 9 MB to go.
    expect(eta.update(p(1_000_000), 1_000).secondsLeft).toBe(9);
  });

  it('never lets done go backwards within a transfer, and starts over on a new one', () => {
    const eta = new TimeLeft();
    eta.update({ filesDone: 1, filesTotal: 2, bytesDone: 600, bytesTotal: 1_000 }, 0);
    expect(eta.update({ filesDone: 1, filesTotal: 2, bytesDone: 400, bytesTotal: 1_000 }, 100).bytesDone).toBe(600);
    expect(eta.update({ filesDone: 0, filesTotal: 5, bytesDone: 10, bytesTotal: 5_000 }, 200).bytesDone).toBe(10);
  });
});

describe('words', () => {
  it('says sizes and times as people read them', () => {
    expect(describeBytes(999)).toBe('999 bytes');
    expect(describeBytes(4_200_000_000)).toBe('4.2 GB');
    expect(describeBytes(34_000_000)).toBe('34 MB');
    expect(describeTimeLeft(null)).toBe('');
    expect(describeTimeLeft(30)).toBe('less than a minute left');
    expect(describeTimeLeft(125)).toBe('about 2 min left');
    expect(describeTimeLeft(3_600 + 20 * 60)).toBe('about 1 h 20 min left');
  });
});

// The notification limiter on a fake clock: the first of a kind shows at once, a burst within
// the minute arrives as one collapsed notification when the minute is up, kinds do not hold each
// other up, and turning notifications off silences what is waiting too.
import { describe, expect, it } from 'vitest';
import type { Notification } from '../../src-shared/ipc/contract.ts';
import { NotificationLimiter, type Schedule } from './notifications.ts';

/** A clock that only moves when told, with the timers it owes. */
function fakeClock() {
  let now = 1_000_000;
  let timers: { at: number; run: () => void }[] = [];
  const schedule: Schedule = (run, ms) => {
    const timer = { at: now + ms, run };
    timers.push(timer);
    return () => {
      timers = timers.filter((t) => t !== timer);
    };
  };
  return {
    now: () => now,
    schedule,
    pendingTimers: () => timers.length,
    advance(ms: number) {
      const until = now + ms;
      for (;;) {
        const due = timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers = timers.filter((t) => t !== due);
        now = due.at;
        due.run();
      }
      now = until;
    },
  };
}

function limiter(options: { enabled?: () => boolean } = {}) {
  const clock = fakeClock();
  const shown: Notification[] = [];
  const gate = new NotificationLimiter({ now: clock.now, schedule: clock.schedule, enabled: options.enabled ?? (() => true), show: (n) => shown.push(n) });
  return { clock, shown, gate };
}

describe('NotificationLimiter', () => {
  it('shows the first conflict at once and collapses the next eleven of that minute into one', () => {
    const { clock, shown, gate } = limiter();
    gate.offer({ kind: 'conflict', count: 1 });
    expect(shown).toEqual([{ kind: 'conflict', title: 'A file was changed on two computers', body: 'Both versions are kept. Open Tandem to choose which to keep.', at: clock.now() }]);
    for (let i = 0; i < 11; i++) {
      clock.advance(2_000);
      gate.offer({ kind: 'conflict', count: 1 });
    }
    expect(shown).toHaveLength(1);
    clock.advance(60_000 - 22_000 - 1);
    expect(shown).toHaveLength(1);
    clock.advance(1);
    expect(shown).toHaveLength(2);
    expect(shown[1]).toMatchObject({ kind: 'conflict', title: '11 files were changed on two computers' });
    expect(shown[1]!.at - shown[0]!.at).toBe(60_000);
    // Quiet again: nothing more is owed.
    clock.advance(10 * 60_000);
    expect(shown).toHaveLength(2);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('never shows two of a kind within a minute, however the events come', () => {
    const { clock, shown, gate } = limiter();
    for (let second = 0; second < 600; second += 7) {
      gate.offer({ kind: 'conflict', count: 1 + (second % 3) });
      clock.advance(7_000);
    }
    clock.advance(60_000);
    const times = shown.map((n) => n.at);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(60_000);
    // Nothing is lost: the counts add up to every conflict offered.
    const total = shown.reduce((sum, n) => sum + (n.title.startsWith('A file') ? 1 : Number(n.title.split(' ')[0])), 0);
    let offered = 0;
    for (let second = 0; second < 600; second += 7) offered += 1 + (second % 3);
    expect(total).toBe(offered);
  });

  it('limits each kind on its own: an error right after a conflict still shows at once', () => {
    const { shown, gate } = limiter();
    gate.offer({ kind: 'conflict', count: 3 });
    gate.offer({ kind: 'error', count: 1, detail: 'The Tandem folder is missing' });
    expect(shown.map((n) => n.title)).toEqual(['3 files were changed on two computers', 'Tandem stopped syncing a folder']);
    expect(shown[1]!.body).toBe('The Tandem folder is missing. Open Tandem to see what to do.');
  });

  it('says nothing while notifications are off, and drops what was waiting when they are turned off', () => {
    let on = false;
    const { clock, shown, gate } = limiter({ enabled: () => on });
    gate.offer({ kind: 'conflict', count: 2 });
    expect(shown).toHaveLength(0);
    on = true;
    gate.offer({ kind: 'question', count: 1, detail: 'Tandem is waiting for your answer before deleting 40 files' });
    gate.offer({ kind: 'question', count: 1 });
    expect(shown).toHaveLength(1);
    on = false;
    clock.advance(120_000);
    expect(shown).toHaveLength(1);
  });

  it('drops what is waiting when closed', () => {
    const { clock, shown, gate } = limiter();
    gate.offer({ kind: 'error', count: 1 });
    gate.offer({ kind: 'error', count: 1 });
    gate.close();
    clock.advance(120_000);
    expect(shown).toHaveLength(1);
    expect(clock.pendingTimers()).toBe(0);
  });
});

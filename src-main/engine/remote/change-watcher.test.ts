// The change watcher's link handling with a fake socket and fake timers: hints from messages (not
// repeated), three silent heartbeats close the link, lost links reopen after growing jittered
// waits, polling runs only while the socket is down, and a revoked device stops trying.
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type NotifySocket, type RemoteHint, RemoteChangeWatcher, type WatcherClient, type WatcherState } from './change-watcher.ts';
import type { ChangesOutcome } from './remote-client.ts';

class FakeSocket extends EventEmitter {
  terminated = false;
  terminate(): void {
    if (this.terminated) return;
    this.terminated = true;
    this.emit('close', 1006);
  }
  open(): void {
    this.emit('open');
  }
  say(cursor: string): void {
    this.emit('message', Buffer.from(JSON.stringify({ type: 'cursor', cursor })));
  }
}

interface Rig {
  watcher: RemoteChangeWatcher;
  sockets: FakeSocket[];
  hints: RemoteHint[];
  states: WatcherState[];
  polls: (string | undefined)[];
  feed: { changes: ChangesOutcome };
}

function rig(options: { cursor?: string; random?: () => number } = {}): Rig {
  const sockets: FakeSocket[] = [];
  const hints: RemoteHint[] = [];
  const states: WatcherState[] = [];
  const polls: (string | undefined)[] = [];
  const feed: Rig['feed'] = { changes: { ok: true, page: { changes: [], cursor: 'c0', has_more: false } } };
  const client: WatcherClient = {
    token: 'tok',
    notifyUrl: 'ws://sync.test/v1/notify',
    account: async () => ({ account_id: 'a', user: 'u', device_id: 'd', root_id: 'r', used_bytes: 0, quota_bytes: null, cursor: 'c-account' }),
    changes: async (cursor) => {
      polls.push(cursor);
      return feed.changes;
    },
  };
  const watcher = new RemoteChangeWatcher({
    client,
    onHint: (hint) => hints.push(hint),
    onState: (state) => states.push(state),
    heartbeatMs: 1000,
    pollIntervalMs: 10_000,
    reconnectBaseMs: 100,
    reconnectMaxMs: 10_000,
    random: options.random ?? (() => 0.999),
    ...(options.cursor ? { cursor: options.cursor } : {}),
    openSocket: () => {
      const socket = new FakeSocket();
      sockets.push(socket);
      return socket as unknown as NotifySocket;
    },
  });
  return { watcher, sockets, hints, states, polls, feed };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('socket', () => {
  it('hints each new cursor once, and not the one the engine already has', async () => {
    const { watcher, sockets, hints } = rig({ cursor: 'c1' });
    watcher.start();
    sockets[0]!.open();
    sockets[0]!.say('c1');
    sockets[0]!.say('c2');
    sockets[0]!.say('c2');
    watcher.acknowledge('c3');
    sockets[0]!.say('c3');
    sockets[0]!.emit('message', Buffer.from('not json'));
    expect(hints).toEqual([{ cursor: 'c2', via: 'socket' }]);
    watcher.stop();
  });

  it('pings keep the link; three heartbeats of silence close it and a new one opens', async () => {
    const { watcher, sockets, states } = rig();
    watcher.start();
    sockets[0]!.open();
    for (let i = 0; i < 10; i += 1) {
      await vi.advanceTimersByTimeAsync(2_500);
      sockets[0]!.emit('ping');
    }
    expect(sockets[0]!.terminated).toBe(false);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(sockets[0]!.terminated).toBe(true);
    expect(states).toContain('disconnected');
    await vi.advanceTimersByTimeAsync(100);
    expect(sockets).toHaveLength(2);
    watcher.stop();
  });

  it('waits longer after each failed attempt (jittered, capped), and starts over once a link delivers', async () => {
    const { watcher, sockets } = rig();
    watcher.start();
    const opened: number[] = [];
    let last = Date.now();
    for (let i = 0; i < 9; i += 1) {
      sockets.at(-1)!.terminate();
      const before = sockets.length;
      while (sockets.length === before) await vi.advanceTimersByTimeAsync(10);
      opened.push(Date.now() - last);
      last = Date.now();
    }
    expect(opened).toEqual([100, 200, 400, 800, 1600, 3200, 6400, 9990, 9990]);
    sockets.at(-1)!.open();
    sockets.at(-1)!.say('c9');
    sockets.at(-1)!.terminate();
    await vi.advanceTimersByTimeAsync(100);
    expect(sockets).toHaveLength(11);
    watcher.stop();
  });

  it('a revoked device (close 4001) stops for good', async () => {
    const { watcher, sockets, states } = rig();
    watcher.start();
    sockets[0]!.open();
    sockets[0]!.emit('close', 4001);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(sockets).toHaveLength(1);
    expect(watcher.state).toBe('signed_out');
    expect(states.at(-1)).toBe('signed_out');
  });
});

describe('polling', () => {
  it('polls the feed only while the socket is down, and hints what it finds', async () => {
    const { watcher, sockets, hints, polls, feed } = rig({ cursor: 'c1' });
    watcher.start();
    sockets[0]!.open();
    for (let i = 0; i < 24; i += 1) {
      await vi.advanceTimersByTimeAsync(2_500);
      sockets[0]!.emit('ping');
    }
    expect(polls).toEqual([]);

    feed.changes = { ok: true, page: { changes: [{} as never], cursor: 'c5', has_more: true } };
    sockets.at(-1)!.terminate();
    await vi.advanceTimersByTimeAsync(1);
    expect(polls).toEqual(['c1']);
    expect(hints).toEqual([{ cursor: 'c5', via: 'poll' }]);
    // The socket keeps failing to open: polling goes on at its interval.
    for (let i = 0; i < 3; i += 1) {
      sockets.at(-1)!.terminate();
      await vi.advanceTimersByTimeAsync(10_000);
    }
    expect(polls.length).toBeGreaterThanOrEqual(3);
    watcher.stop();
  });

  it('an expired cursor while polling hints the current cursor, for the engine to re-list', async () => {
    const { watcher, sockets, hints, feed } = rig({ cursor: 'old' });
    feed.changes = { ok: false, reason: 'cursor_expired', message: 'list again' };
    watcher.start();
    sockets[0]!.open();
    sockets[0]!.terminate();
    await vi.advanceTimersByTimeAsync(1);
    expect(hints).toEqual([{ cursor: 'c-account', via: 'poll' }]);
    watcher.stop();
  });
});

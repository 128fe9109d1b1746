// The renderer's store against a scripted connection: it asks for the state whenever the line
// opens, follows app.state events, and reports a failed pause in one sentence.
import { describe, expect, it } from 'vitest';
import { createIpcClient, type IpcTransport } from '../../src-shared/ipc/client.ts';
import type { AppState } from '../../src-shared/ipc/contract.ts';
import type { IpcEventEnvelope } from '../../src-shared/ipc/envelope.ts';
import type { Connection, ConnectionStatus } from '../ipc/websocket-transport.ts';
import { createTandemStore } from './tandem-store.ts';

function appState(paused: boolean): AppState {
  return {
    phase: paused ? 'paused' : 'setup',
    summary: paused ? 'Paused — no folder set up yet' : 'No folder set up yet',
    paused,
    pausedUntil: null,
    version: '1.2.3',
    setUp: false,
    progress: null,
    conflictCount: 0,
    attentionCount: 0,
    folders: [],
  };
}

/** A connection whose status the test sets and whose app answers from a little script. */
function scriptedConnection(initial: ConnectionStatus['kind']) {
  let status: ConnectionStatus = initial === 'unreachable' ? { kind: 'unreachable', reason: 'gone' } : { kind: initial };
  const statusListeners = new Set<(s: ConnectionStatus) => void>();
  const eventListeners = new Set<(e: IpcEventEnvelope) => void>();
  const calls: string[] = [];
  let paused = false;
  let failNext: Error | undefined;
  const transport: IpcTransport = {
    async request(name, args) {
      calls.push(name);
      if (failNext) {
        const error = failNext;
        failNext = undefined;
        throw error;
      }
      if (name === 'activity.list') return { entries: [] };
      if (name === 'app.setPaused') paused = (args as { paused: boolean }).paused;
      return appState(paused);
    },
    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
  };
  const connection: Connection = {
    transport,
    status: () => status,
    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    close: () => undefined,
  };
  return {
    connection,
    calls,
    setStatus(next: ConnectionStatus) {
      status = next;
      for (const listener of statusListeners) listener(next);
    },
    emit(payload: unknown, name: 'app.state' | 'app.activity' = 'app.state') {
      for (const listener of eventListeners) listener({ type: 'event', name, payload });
    },
    failNextWith(error: Error) {
      failNext = error;
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('the Tandem store', () => {
  it('asks for the state once the line opens, and again after every reconnect', async () => {
    const line = scriptedConnection('connecting');
    const store = createTandemStore(createIpcClient(line.connection.transport), line.connection);
    expect(store.getState().app).toBeUndefined();
    line.setStatus({ kind: 'open' });
    await settle();
    expect(store.getState().app?.summary).toBe('No folder set up yet');
    line.setStatus({ kind: 'unreachable', reason: 'gone' });
    expect(store.getState().connection).toEqual({ kind: 'unreachable', reason: 'gone' });
    line.setStatus({ kind: 'open' });
    await settle();
    // The state and the recent activity, afresh after every (re)connection.
    expect(line.calls).toEqual(['app.getState', 'activity.list', 'app.getState', 'activity.list']);
  });

  it('asks at once when the line is already open (the Electron bridge)', async () => {
    const line = scriptedConnection('open');
    const store = createTandemStore(createIpcClient(line.connection.transport), line.connection);
    await settle();
    expect(store.getState().app?.version).toBe('1.2.3');
  });

  it('follows app.state events and ignores ones that break the contract', async () => {
    const line = scriptedConnection('open');
    const store = createTandemStore(createIpcClient(line.connection.transport), line.connection);
    await settle();
    line.emit(appState(true));
    expect(store.getState().app?.summary).toBe('Paused — no folder set up yet');
    line.emit({ paused: 'very' });
    expect(store.getState().app?.paused).toBe(true);
  });

  it('puts new activity first, once per entry, keeping the last 20', async () => {
    const line = scriptedConnection('open');
    const store = createTandemStore(createIpcClient(line.connection.transport), line.connection);
    await settle();
    const entry = (n: number) => ({ id: `a${n}`, folderId: 'f', path: `file ${n}.txt`, fromPath: null, action: 'added', device: 'This computer', thisComputer: true, at: n, kind: 'file' });
    for (let n = 1; n <= 25; n += 1) line.emit(entry(n), 'app.activity');
    line.emit(entry(25), 'app.activity');
    const paths = store.getState().activity.map((e) => e.path);
    expect(paths).toHaveLength(20);
    expect(paths[0]).toBe('file 25.txt');
    expect(paths[19]).toBe('file 6.txt');
  });

  it('pauses through the app and shows what it answered', async () => {
    const line = scriptedConnection('open');
    const store = createTandemStore(createIpcClient(line.connection.transport), line.connection);
    await store.getState().setPaused(true);
    expect(store.getState().app?.paused).toBe(true);
    expect(store.getState().busy).toBe(false);
    expect(line.calls).toContain('app.setPaused');
  });

  it('says in one sentence when pausing failed, and clears it on the next try', async () => {
    const line = scriptedConnection('open');
    const store = createTandemStore(createIpcClient(line.connection.transport), line.connection);
    await settle();
    line.failNextWith(new Error("Tandem didn't answer in time. Try again in a moment."));
    await store.getState().setPaused(true);
    expect(store.getState().actionError).toBe("Couldn't pause syncing. Tandem didn't answer in time. Try again in a moment.");
    expect(store.getState().app?.paused).toBe(false);
    await store.getState().setPaused(true);
    expect(store.getState().actionError).toBeUndefined();
    expect(store.getState().app?.paused).toBe(true);
  });

  it('ignores a second press while the first is on its way', async () => {
    const line = scriptedConnection('open');
    const store = createTandemStore(createIpcClient(line.connection.transport), line.connection);
    await settle();
    const first = store.getState().setPaused(true);
    const second = store.getState().setPaused(false);
    await Promise.all([first, second]);
    expect(line.calls.filter((c) => c === 'app.setPaused')).toHaveLength(1);
    expect(store.getState().app?.paused).toBe(true);
  });
});

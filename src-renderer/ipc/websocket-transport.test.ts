// The renderer's WebSocket transport against a scripted socket: pairing answers with requests,
// timeouts, what a dropped line does to requests, reconnecting with backoff, and ignoring junk.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TandemError } from '../../src-shared/errors.ts';
import type { IpcEventEnvelope } from '../../src-shared/ipc/envelope.ts';
import { type Connection, ConnectionError, type ConnectionStatus, createWebSocketTransport, type SocketLike } from './websocket-transport.ts';

class FakeSocket implements SocketLike {
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  readonly sent: Array<{ id: number; name: string; args: unknown }> = [];
  readonly url: string;
  readonly protocols: string[];

  constructor(url: string, protocols: string[]) {
    this.url = url;
    this.protocols = protocols;
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data) as { id: number; name: string; args: unknown });
  }
  close(): void {
    this.drop();
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop(): void {
    this.readyState = 3;
    this.onerror?.({});
    this.onclose?.({});
  }
  receive(message: unknown): void {
    this.onmessage?.({ data: typeof message === 'string' ? message : JSON.stringify(message) });
  }
}

let sockets: FakeSocket[];
let connection: Connection;
let statuses: ConnectionStatus['kind'][];

function latest(): FakeSocket {
  const socket = sockets.at(-1);
  if (!socket) throw new Error('no socket was created');
  return socket;
}

beforeEach(() => {
  vi.useFakeTimers();
  sockets = [];
  statuses = [];
  connection = createWebSocketTransport({
    url: 'ws://127.0.0.1:5000/ipc',
    protocols: ['tandem.ipc.v1', 'tandem.token.abc'],
    createSocket: (url, protocols) => {
      const socket = new FakeSocket(url, protocols);
      sockets.push(socket);
      return socket;
    },
    requestTimeoutMs: 5_000,
    initialBackoffMs: 1_000,
    maxBackoffMs: 4_000,
    random: () => 1, // the longest delay of each backoff step, so timings are exact
  });
  connection.onStatus((status) => statuses.push(status.kind));
});

afterEach(() => {
  connection.close();
  vi.useRealTimers();
});

describe('the WebSocket transport', () => {
  it('connects to the given address with the given subprotocols', () => {
    expect(latest().url).toBe('ws://127.0.0.1:5000/ipc');
    expect(latest().protocols).toEqual(['tandem.ipc.v1', 'tandem.token.abc']);
    expect(connection.status().kind).toBe('connecting');
  });

  it('holds requests until the socket opens, then pairs answers by id in any order', async () => {
    const first = connection.transport.request('app.getState', {});
    const second = connection.transport.request('app.setPaused', { paused: true });
    expect(latest().sent).toEqual([]);
    latest().open();
    expect(latest().sent.map((r) => r.name)).toEqual(['app.getState', 'app.setPaused']);
    const [a, b] = latest().sent;
    latest().receive({ type: 'response', id: b!.id, ok: true, result: 'second' });
    latest().receive({ type: 'response', id: a!.id, ok: true, result: 'first' });
    await expect(first).resolves.toBe('first');
    await expect(second).resolves.toBe('second');
    expect(statuses).toEqual(['open']);
  });

  it("turns the app's error answer into a TandemError with its code and sentence", async () => {
    latest().open();
    const request = connection.transport.request('app.nope', {});
    latest().receive({ type: 'response', id: latest().sent[0]!.id, ok: false, error: { code: 'bad_request', message: 'Unknown request "app.nope".' } });
    const error: unknown = await request.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TandemError);
    expect(error).toMatchObject({ code: 'bad_request', message: 'Unknown request "app.nope".' });
  });

  it('gives up on a request that gets no answer in time', async () => {
    latest().open();
    const request = connection.transport.request('app.getState', {});
    const settled = expect(request).rejects.toThrow("Tandem didn't answer in time.");
    await vi.advanceTimersByTimeAsync(5_000);
    await settled;
  });

  it('delivers events to listeners and ignores anything that is not a contract message', () => {
    const events: IpcEventEnvelope[] = [];
    connection.transport.onEvent((event) => events.push(event));
    latest().open();
    latest().receive('{not json');
    latest().receive({ type: 'surprise' });
    latest().receive({ type: 'response', id: 999, ok: true, result: 1 }); // nobody asked
    latest().receive({ type: 'event', name: 'app.state', payload: { paused: true } });
    expect(events).toEqual([{ type: 'event', name: 'app.state', payload: { paused: true } }]);
  });

  it('fails requests in flight when the line drops, says so, and reconnects with growing delays', async () => {
    latest().open();
    const inFlight = connection.transport.request('app.getState', {});
    latest().drop();
    await expect(inFlight).rejects.toBeInstanceOf(ConnectionError);
    expect(connection.status()).toMatchObject({ kind: 'unreachable', reason: expect.stringContaining('not answering') });

    // Backoff: 1 s, then 2 s, then 4 s, then capped at 4 s.
    const delays = [1_000, 2_000, 4_000, 4_000];
    for (const delay of delays) {
      const before = sockets.length;
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(sockets.length).toBe(before);
      await vi.advanceTimersByTimeAsync(1);
      expect(sockets.length).toBe(before + 1);
      latest().drop();
    }
    await vi.advanceTimersByTimeAsync(4_000);
    latest().open();
    expect(statuses).toEqual(['open', 'unreachable', 'open']);

    // After reconnecting, the delays start small again.
    latest().drop();
    const before = sockets.length;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sockets.length).toBe(before + 1);
  });

  it('sends a request made while disconnected once the line is back', async () => {
    latest().drop();
    const request = connection.transport.request('app.getState', {});
    await vi.advanceTimersByTimeAsync(1_000);
    latest().open();
    expect(latest().sent.map((r) => r.name)).toEqual(['app.getState']);
    latest().receive({ type: 'response', id: latest().sent[0]!.id, ok: true, result: 'state' });
    await expect(request).resolves.toBe('state');
  });

  it('stops reconnecting once closed', async () => {
    latest().open();
    connection.close();
    const count = sockets.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets.length).toBe(count);
    await expect(connection.transport.request('app.getState', {})).rejects.toBeInstanceOf(ConnectionError);
  });
});

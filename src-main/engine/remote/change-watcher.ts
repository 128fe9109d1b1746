// Knowing when the server changed, without asking all the time (DESIGN.md: the server pushes
// "your cursor is now N" over a WebSocket; polling the changes feed is the fallback).
//
// The watcher keeps one WebSocket to /v1/notify. Every message, and every ping the server sends
// (each NOTIFY_HEARTBEAT_MS), proves the link alive; three heartbeats of silence mean it is dead
// (a laptop woke up on another network, a proxy dropped it) and it is torn down. A lost link is
// reopened after a backoff with full jitter, so a restarted server is not hit by every device at
// once. While the socket is down — never connected, blocked by a proxy, or between attempts — the
// changes feed is polled instead, so hints keep coming, only later. On every (re)connect the server
// sends its current cursor, so what changed while the link was down is caught up at once.
//
// The watcher only HINTS ("remote may have changed, cursor N"); the engine then pulls the feed from
// its own cursor. A hint is not repeated for a cursor already hinted or acknowledged.
import WebSocket from 'ws';
import { NOTIFY_HEARTBEAT_MS, notifyMessageSchema } from '../../../src-shared/protocol/changes.ts';
import type { RemoteClient } from './remote-client.ts';
import { backoffDelay } from './retry.ts';

export interface RemoteHint {
  cursor: string;
  via: 'socket' | 'poll';
}

/**
 * connecting: opening the socket (polling meanwhile); connected: the socket is up;
 * disconnected: waiting to reconnect (polling); signed_out: the server revoked this device (no
 * more attempts: sign in again); stopped: stop() was called.
 */
export type WatcherState = 'connecting' | 'connected' | 'disconnected' | 'signed_out' | 'stopped';

/** The parts of a `ws` WebSocket the watcher uses (tests pass a fake). */
export interface NotifySocket {
  on(event: 'open', listener: () => void): unknown;
  on(event: 'ping', listener: () => void): unknown;
  on(event: 'message', listener: (data: unknown) => void): unknown;
  on(event: 'close', listener: (code: number) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'unexpected-response', listener: (request: { destroy(): void }, response: { statusCode?: number }) => void): unknown;
  terminate(): void;
}

export type WatcherClient = Pick<RemoteClient, 'changes' | 'account' | 'notifyUrl' | 'token'>;

export interface ChangeWatcherOptions {
  client: WatcherClient;
  onHint: (hint: RemoteHint) => void;
  onState?: (state: WatcherState) => void;
  /** The cursor the engine already has (no hint for it). */
  cursor?: string;
  /** The server's ping interval; silence for three of them closes the socket. */
  heartbeatMs?: number;
  /** How often the feed is polled while the socket is down. Default 30 s. */
  pollIntervalMs?: number;
  /** Reconnect backoff: full jitter between 0 and min(max, base·2^attempt). */
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  random?: () => number;
  /** Opening a socket in a way the network allows is a seam for tests (a blocked socket). */
  openSocket?: (url: string, headers: Record<string, string>) => NotifySocket;
  /** Give up on a handshake after this long (default 10 s). */
  handshakeTimeoutMs?: number;
}

const SILENT_HEARTBEATS = 3;

export class RemoteChangeWatcher {
  readonly #client: WatcherClient;
  readonly #onHint: (hint: RemoteHint) => void;
  readonly #onState: ((state: WatcherState) => void) | undefined;
  readonly #heartbeatMs: number;
  readonly #pollIntervalMs: number;
  readonly #reconnectBaseMs: number;
  readonly #reconnectMaxMs: number;
  readonly #random: () => number;
  readonly #openSocket: (url: string, headers: Record<string, string>) => NotifySocket;

  #cursor: string | undefined;
  #state: WatcherState = 'stopped';
  #socket: NotifySocket | undefined;
  #failures = 0;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #silenceTimer: ReturnType<typeof setTimeout> | undefined;
  #pollTimer: ReturnType<typeof setTimeout> | undefined;
  #polling = false;

  constructor(options: ChangeWatcherOptions) {
    this.#client = options.client;
    this.#onHint = options.onHint;
    this.#onState = options.onState;
    this.#cursor = options.cursor;
    this.#heartbeatMs = options.heartbeatMs ?? NOTIFY_HEARTBEAT_MS;
    this.#pollIntervalMs = options.pollIntervalMs ?? 30_000;
    this.#reconnectBaseMs = options.reconnectBaseMs ?? 500;
    this.#reconnectMaxMs = options.reconnectMaxMs ?? 60_000;
    this.#random = options.random ?? Math.random;
    const handshakeTimeout = options.handshakeTimeoutMs ?? 10_000;
    this.#openSocket = options.openSocket ?? ((url, headers) => new WebSocket(url, { headers, handshakeTimeout }));
  }

  get state(): WatcherState {
    return this.#state;
  }

  /** The newest cursor hinted or acknowledged. */
  get cursor(): string | undefined {
    return this.#cursor;
  }

  start(): void {
    if (this.#state !== 'stopped') return;
    this.#connect();
    this.#schedulePoll(this.#pollIntervalMs);
  }

  stop(): void {
    this.#clearTimers();
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.terminate();
    this.#setState('stopped');
  }

  /** The engine has pulled the feed up to `cursor`: no hint for it from now on. */
  acknowledge(cursor: string): void {
    this.#cursor = cursor;
  }

  #setState(state: WatcherState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#onState?.(state);
  }

  #hint(cursor: string, via: RemoteHint['via']): void {
    if (cursor === this.#cursor) return;
    this.#cursor = cursor;
    this.#onHint({ cursor, via });
  }

  #connect(): void {
    this.#reconnectTimer = undefined;
    const token = this.#client.token;
    if (!token) {
      this.#setState('signed_out');
      return;
    }
    this.#setState('connecting');
    let socket: NotifySocket;
    try {
      socket = this.#openSocket(this.#client.notifyUrl, { authorization: `Bearer ${token}` });
    } catch {
      this.#lost(undefined, 1006);
      return;
    }
    this.#socket = socket;
    socket.on('open', () => {
      if (this.#socket !== socket) return;
      this.#setState('connected');
      this.#stopPolling();
      this.#armSilenceTimer(socket);
    });
    socket.on('ping', () => this.#armSilenceTimer(socket));
    socket.on('message', (data) => {
      if (this.#socket !== socket) return;
      this.#armSilenceTimer(socket);
      // A link that delivers is healthy: the next loss starts the backoff from the beginning.
      this.#failures = 0;
      const parsed = notifyMessageSchema.safeParse(parseJson(data));
      if (parsed.success) this.#hint(parsed.data.cursor, 'socket');
    });
    socket.on('unexpected-response', (request, response) => {
      request.destroy();
      this.#lost(socket, response.statusCode === 401 ? 4001 : 1006);
    });
    // 'close' always follows 'error' in ws; the error itself needs no handling beyond that.
    socket.on('error', () => {});
    socket.on('close', (code) => this.#lost(socket, code));
  }

  #lost(socket: NotifySocket | undefined, code: number): void {
    if (socket !== this.#socket || this.#state === 'stopped' || this.#state === 'signed_out') return;
    const wasConnected = this.#state === 'connected';
    this.#socket = undefined;
    clearTimeout(this.#silenceTimer);
    socket?.terminate();
    if (code === 4001) {
      // Revoked (4001 from the server, or 401 on the handshake): retrying cannot help.
      this.#clearTimers();
      this.#setState('signed_out');
      return;
    }
    this.#setState('disconnected');
    // A link that was up has just gone: look at the feed now (what changed while it was dying is
    // otherwise unseen until the reconnect). Links that never came up leave polling at its pace.
    if (!this.#polling && (wasConnected || !this.#pollTimer)) this.#schedulePoll(wasConnected ? 0 : this.#pollIntervalMs);
    const delay = backoffDelay({ baseDelayMs: this.#reconnectBaseMs, maxDelayMs: this.#reconnectMaxMs, maxAttempts: Infinity, maxRetryAfterMs: 0 }, this.#failures, this.#random);
    this.#failures += 1;
    this.#reconnectTimer = setTimeout(() => this.#connect(), delay);
  }

  #armSilenceTimer(socket: NotifySocket): void {
    if (this.#socket !== socket) return;
    clearTimeout(this.#silenceTimer);
    this.#silenceTimer = setTimeout(() => this.#lost(socket, 1006), SILENT_HEARTBEATS * this.#heartbeatMs);
  }

  #schedulePoll(delay: number): void {
    clearTimeout(this.#pollTimer);
    this.#pollTimer = setTimeout(() => void this.#poll(), delay);
  }

  #stopPolling(): void {
    clearTimeout(this.#pollTimer);
    this.#pollTimer = undefined;
  }

  async #poll(): Promise<void> {
    this.#pollTimer = undefined;
    if (this.#state === 'connected' || this.#state === 'stopped' || this.#state === 'signed_out') return;
    this.#polling = true;
    try {
      await this.#pollOnce();
    } catch {
      // The server is unreachable too: nothing to hint; try again at the next interval.
    } finally {
      this.#polling = false;
    }
    if (this.#state === 'connecting' || this.#state === 'disconnected') this.#schedulePoll(this.#pollIntervalMs);
  }

  /** One look at the feed: anything after our cursor is a hint. */
  async #pollOnce(): Promise<void> {
    if (this.#cursor === undefined) {
      this.#hint((await this.#client.account()).cursor, 'poll');
      return;
    }
    const outcome = await this.#client.changes(this.#cursor, { limit: 1 });
    if (!outcome.ok) {
      // The cursor is too old: hint the current one; the engine's own pull meets the 410 and re-lists.
      this.#hint((await this.#client.account()).cursor, 'poll');
    } else if (outcome.page.changes.length > 0) {
      this.#hint(outcome.page.cursor, 'poll');
    }
  }

  #clearTimers(): void {
    clearTimeout(this.#reconnectTimer);
    clearTimeout(this.#silenceTimer);
    clearTimeout(this.#pollTimer);
    this.#reconnectTimer = undefined;
    this.#silenceTimer = undefined;
    this.#pollTimer = undefined;
  }
}

function parseJson(data: unknown): unknown {
  try {
    const text = typeof data === 'string' ? data : Buffer.isBuffer(data) ? data.toString('utf8') : data instanceof ArrayBuffer ? Buffer.from(data).toString('utf8') : '';
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

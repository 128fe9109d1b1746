// The renderer's transport when it is not inside Electron: the headless host's loopback WebSocket.
// It pairs responses with requests by id, times out requests that get no answer, reconnects with
// backoff when the host goes away, and reports one connection status the UI can show.
import { type ErrorCode, TandemError } from '../../src-shared/errors.ts';
import type { IpcTransport } from '../../src-shared/ipc/client.ts';
import { type IpcEventEnvelope, IpcServerMessage } from '../../src-shared/ipc/envelope.ts';

export type ConnectionStatus =
  | { kind: 'connecting' }
  | { kind: 'open' }
  | { kind: 'unreachable'; reason: string };

/** A transport plus what the UI needs to know about the line itself. */
export interface Connection {
  transport: IpcTransport;
  status(): ConnectionStatus;
  onStatus(listener: (status: ConnectionStatus) => void): () => void;
  close(): void;
}

/** The parts of the browser's WebSocket we use, so tests can hand in a fake. */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface WebSocketTransportOptions {
  url: string;
  protocols: string[];
  createSocket?: (url: string, protocols: string[]) => SocketLike;
  /** How long a request may wait for its answer, including waiting for a connection. */
  requestTimeoutMs?: number;
  /** First reconnect delay; it doubles per failed attempt up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  random?: () => number;
}

const OPEN = 1;

export const UNREACHABLE_REASON =
  'Tandem is not answering at this address. Make sure Tandem is still running and open the address it printed; this page keeps trying.';

/** A request failed because of the line, not because the app said no. */
export class ConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionError';
  }
}

const KNOWN_CODES = new Set<ErrorCode>([
  'bad_request', 'unauthorized', 'not_found', 'conflict', 'precondition_failed', 'too_large', 'quota_exceeded', 'rate_limited', 'not_built', 'internal',
]);

interface Pending {
  name: string;
  args: unknown;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
  /** Set once the request has gone out on the current socket. */
  sent: boolean;
}

export function createWebSocketTransport(options: WebSocketTransportOptions): Connection {
  const createSocket = options.createSocket ?? ((url, protocols) => new WebSocket(url, protocols) as unknown as SocketLike);
  const requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
  const initialBackoffMs = options.initialBackoffMs ?? 500;
  const maxBackoffMs = options.maxBackoffMs ?? 10_000;
  const random = options.random ?? Math.random;

  let status: ConnectionStatus = { kind: 'connecting' };
  const statusListeners = new Set<(status: ConnectionStatus) => void>();
  const eventListeners = new Set<(event: IpcEventEnvelope) => void>();
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let socket: SocketLike | undefined;
  let failedAttempts = 0;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  function setStatus(next: ConnectionStatus): void {
    if (next.kind === status.kind) return;
    status = next;
    for (const listener of [...statusListeners]) listener(status);
  }

  function sendPending(id: number, request: Pending): void {
    if (!socket || socket.readyState !== OPEN || request.sent) return;
    request.sent = true;
    socket.send(JSON.stringify({ type: 'request', id, name: request.name, args: request.args }));
  }

  function settle(id: number): Pending | undefined {
    const request = pending.get(id);
    if (request) {
      pending.delete(id);
      clearTimeout(request.timer);
    }
    return request;
  }

  function onMessage(data: unknown): void {
    let message: IpcServerMessage;
    try {
      const parsed = IpcServerMessage.safeParse(JSON.parse(String(data)));
      if (!parsed.success) return; // Not something the contract knows: ignore, never crash.
      message = parsed.data;
    } catch {
      return;
    }
    if (message.type === 'event') {
      for (const listener of [...eventListeners]) listener(message);
      return;
    }
    const request = settle(message.id);
    if (!request) return;
    if (message.ok) request.resolve(message.result);
    else {
      const code = KNOWN_CODES.has(message.error.code as ErrorCode) ? (message.error.code as ErrorCode) : 'internal';
      request.reject(new TandemError(code, message.error.message));
    }
  }

  function connect(): void {
    if (closed) return;
    // While retrying, the status stays "unreachable" until a socket actually opens.
    let current: SocketLike;
    try {
      current = createSocket(options.url, options.protocols);
    } catch {
      // The browser refuses some URLs outright; treat it like a failed attempt.
      scheduleReconnect();
      return;
    }
    socket = current;
    current.onopen = () => {
      failedAttempts = 0;
      setStatus({ kind: 'open' });
      for (const [id, request] of pending) sendPending(id, request);
    };
    current.onmessage = (event) => onMessage(event.data);
    current.onerror = () => undefined; // Always followed by close, which does the work.
    current.onclose = () => {
      if (socket !== current) return;
      socket = undefined;
      // Requests already sent on this socket will never be answered; the rest wait for the next one.
      for (const [id, request] of pending) {
        if (request.sent) {
          settle(id);
          request.reject(new ConnectionError("Can't reach Tandem: the connection closed before it answered."));
        }
      }
      if (!closed) scheduleReconnect();
    };
  }

  function scheduleReconnect(): void {
    socket = undefined;
    setStatus({ kind: 'unreachable', reason: UNREACHABLE_REASON });
    const base = Math.min(maxBackoffMs, initialBackoffMs * 2 ** failedAttempts);
    failedAttempts += 1;
    // Jitter, so many tabs do not knock on a restarted host at the same instant.
    const delay = base / 2 + (random() * base) / 2;
    reconnectTimer = setTimeout(connect, delay);
  }

  connect();

  return {
    transport: {
      request(name, args) {
        if (closed) return Promise.reject(new ConnectionError("Can't reach Tandem: this page has disconnected."));
        const id = nextId++;
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            if (settle(id)) reject(new ConnectionError("Tandem didn't answer in time. Try again in a moment."));
          }, requestTimeoutMs);
          const request: Pending = { name, args, resolve, reject, timer, sent: false };
          pending.set(id, request);
          sendPending(id, request);
        });
      },
      onEvent(listener) {
        eventListeners.add(listener);
        return () => eventListeners.delete(listener);
      },
    },
    status: () => status,
    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    close() {
      closed = true;
      clearTimeout(reconnectTimer);
      socket?.close(1000, 'The page closed.');
      socket = undefined;
      for (const [id, request] of pending) {
        settle(id);
        request.reject(new ConnectionError("Can't reach Tandem: this page has disconnected."));
      }
    },
  };
}

/** A connection that can never be made, with the reason the UI shows. */
export function unreachableConnection(reason: string): Connection {
  const status: ConnectionStatus = { kind: 'unreachable', reason };
  return {
    transport: {
      request: () => Promise.reject(new ConnectionError(reason)),
      onEvent: () => () => undefined,
    },
    status: () => status,
    onStatus: () => () => undefined,
    close: () => undefined,
  };
}

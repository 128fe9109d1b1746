// The headless host: serves the built renderer and the app's IPC contract over a WebSocket, on a
// loopback port, protected by a random per-launch token. This is how tests and people without
// Electron (headless Linux, over an SSH tunnel) reach the same UI the tray app shows.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { TandemError } from '../../src-shared/errors.ts';
import { createIpcDispatcher } from '../../src-shared/ipc/dispatch.ts';
import { IPC_MAX_MESSAGE_BYTES } from '../../src-shared/ipc/envelope.ts';
import { IPC_WEBSOCKET_PATH, IPC_WEBSOCKET_PROTOCOL } from '../../src-shared/ipc/websocket.ts';
import type { App } from '../app/app.ts';
import { checkHttpRequest, checkIpcUpgrade, newLaunchToken, type Refusal } from './access-guard.ts';
import { sendMessage, serveIpcConnection } from './ipc-connection.ts';
import { sendText, serveStatic } from './static-files.ts';

export interface HostOptions {
  app: App;
  /** 0 (the default) picks any free port. */
  port?: number;
  /** A loopback address; the host never listens anywhere else. */
  host?: string;
  /** The built renderer; defaults to dist-renderer at the root of the checkout. */
  rendererDir?: string;
}

export interface RunningHost {
  /** What to open in a browser: the token is in the hash, which browsers never send to servers. */
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

export const DEFAULT_RENDERER_DIR = fileURLToPath(new URL('../../dist-renderer', import.meta.url));

/** How long close() lets renderers receive the goodbye frame before cutting them off. */
const CLOSE_GRACE_MS = 1000;

/** Answers a refused upgrade in plain HTTP and hangs up: no WebSocket is ever opened. */
function refuseUpgrade(socket: Duplex, refusal: Refusal): void {
  const reason = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[refusal.status];
  const body = `${refusal.message}\n`;
  socket.end(
    `HTTP/1.1 ${refusal.status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export async function startHost(options: HostOptions): Promise<RunningHost> {
  const { app } = options;
  // "localhost" is accepted but bound as 127.0.0.1: it may resolve to ::1, where the printed URL
  // would not reach it.
  const requested = options.host ?? '127.0.0.1';
  if (requested !== '127.0.0.1' && requested !== 'localhost') {
    throw new TandemError('bad_request', `The UI host listens only on this computer (127.0.0.1), not on "${requested}".`);
  }
  const bindAddress = '127.0.0.1';
  const rendererDir = options.rendererDir ?? DEFAULT_RENDERER_DIR;
  const token = newLaunchToken();
  const dispatch = createIpcDispatcher(app.handlers);
  let port = 0;

  const server = createServer((request, response) => {
    const refusal = checkHttpRequest(request.headers, port);
    if (refusal) {
      sendText(response, refusal.status, refusal.message, port);
      return;
    }
    serveStatic(request, response, rendererDir, port).catch(() => {
      if (!response.headersSent) sendText(response, 500, 'Tandem could not read that file.', port);
      else response.destroy();
    });
  });

  const sockets = new WebSocketServer({
    noServer: true,
    maxPayload: IPC_MAX_MESSAGE_BYTES,
    // Select our protocol, never the token one: the token is not echoed in the response.
    handleProtocols: (protocols) => (protocols.has(IPC_WEBSOCKET_PROTOCOL) ? IPC_WEBSOCKET_PROTOCOL : false),
  });

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = (request.url ?? '').split('?')[0];
    const refusal: Refusal | undefined =
      path === IPC_WEBSOCKET_PATH
        ? checkIpcUpgrade(request.headers, port, token)
        : { status: 404, message: 'There is no WebSocket here.' };
    if (refusal) {
      refuseUpgrade(socket, refusal);
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => sockets.emit('connection', ws, request));
  });

  sockets.on('connection', (ws: WebSocket) => serveIpcConnection(ws, dispatch));

  // Every app event goes to every connected renderer.
  const unsubscribe = app.onEvent((name, payload) => {
    for (const client of sockets.clients) sendMessage(client, { type: 'event', name, payload });
  });

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      unsubscribe();
      const message =
        error.code === 'EADDRINUSE'
          ? `Port ${options.port} is already in use; choose another with --port, or 0 for any free port.`
          : `Could not listen on ${bindAddress}: ${error.message}`;
      rejectListen(new TandemError('internal', message));
    });
    server.listen(options.port ?? 0, bindAddress, () => resolveListen());
  });
  port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/#token=${token}`,
    token,
    port,
    close() {
      closing ??= (async () => {
        unsubscribe();
        const clients = [...sockets.clients];
        const goodbyes = clients.map((client) => new Promise<void>((done) => client.once('close', () => done())));
        for (const client of clients) client.close(1001, 'Tandem is stopping.');
        let grace: NodeJS.Timeout | undefined;
        await Promise.race([Promise.all(goodbyes), new Promise<void>((done) => (grace = setTimeout(done, CLOSE_GRACE_MS)))]);
        clearTimeout(grace);
        for (const client of sockets.clients) client.terminate();
        sockets.close();
        const closed = new Promise<void>((done) => server.close(() => done()));
        // Browsers keep idle HTTP connections open; without this, close() would wait for them.
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}

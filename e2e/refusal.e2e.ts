// Who the running `tandem ui` refuses, asked from Node with explicit headers: no token, a wrong
// token, another origin. The same client with the right token and origin gets in, so a refusal
// here is the guard at work, not a broken connection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { IPC_WEBSOCKET_PATH, ipcWebSocketProtocols } from '../src-shared/ipc/websocket.ts';
import { startTandemUi, type TandemUi } from './helpers/tandem-ui.ts';

let ui: TandemUi;

beforeAll(async () => {
  ui = await startTandemUi();
});

afterAll(async () => {
  await ui.stop();
});

/** Resolves with 'open' and the socket, or the HTTP status the upgrade was refused with. */
function attempt(protocols: string[], origin: string): Promise<{ outcome: 'open'; socket: WebSocket } | { outcome: number }> {
  const socket = new WebSocket(`ws://127.0.0.1:${ui.port}${IPC_WEBSOCKET_PATH}`, protocols, { headers: { Origin: origin } });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ outcome: 'open', socket }));
    socket.once('unexpected-response', (_request, response) => {
      resolve({ outcome: response.statusCode ?? 0 });
      socket.on('error', () => undefined);
      socket.terminate();
    });
    socket.once('error', reject);
  });
}

describe('the WebSocket of a running tandem ui', () => {
  it('lets in the right token from its own origin, and answers', async () => {
    const result = await attempt(ipcWebSocketProtocols(ui.token), ui.origin);
    if (result.outcome !== 'open') throw new Error(`refused with HTTP ${result.outcome}`);
    const answer = new Promise<string>((resolve) => result.socket.once('message', (data) => resolve(String(data))));
    result.socket.send(JSON.stringify({ type: 'request', id: 1, name: 'app.getState', args: {} }));
    expect(JSON.parse(await answer)).toMatchObject({ id: 1, ok: true, result: { summary: 'No folder set up yet' } });
    result.socket.close();
  });

  it('refuses a request without the token', async () => {
    expect(await attempt(['tandem.ipc.v1'], ui.origin)).toEqual({ outcome: 401 });
  });

  it('refuses a wrong token', async () => {
    expect(await attempt(ipcWebSocketProtocols('A'.repeat(43)), ui.origin)).toEqual({ outcome: 401 });
  });

  it('refuses another origin, even with the right token', async () => {
    expect(await attempt(ipcWebSocketProtocols(ui.token), 'http://evil.example')).toEqual({ outcome: 403 });
  });

  it('never prints the token anywhere but the address line', async () => {
    const mentions = ui.output().split(ui.token).length - 1;
    expect(mentions).toBe(1);
  });
});

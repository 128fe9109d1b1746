// One renderer's WebSocket: reads each message as an IPC request, dispatches it to the app, and
// answers. A message that is not a valid request gets an error response; nothing a client sends
// can crash the host.
import type { RawData, WebSocket } from 'ws';
import type { IpcDispatcher } from '../../src-shared/ipc/dispatch.ts';
import { IpcRequestEnvelope, type IpcServerMessage } from '../../src-shared/ipc/envelope.ts';
import { IPC_UNREADABLE_REQUEST_ID } from '../../src-shared/ipc/websocket.ts';

export function sendMessage(socket: WebSocket, message: IpcServerMessage): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
}

function badRequest(socket: WebSocket, id: number, message: string): void {
  sendMessage(socket, { type: 'response', id, ok: false, error: { code: 'bad_request', message } });
}

/** The request id in a message that failed validation, when it has a usable one. */
function idOf(value: unknown): number {
  if (typeof value === 'object' && value !== null && 'id' in value) {
    const id = (value as { id: unknown }).id;
    if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) return id;
  }
  return IPC_UNREADABLE_REQUEST_ID;
}

function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return Buffer.from(data).toString('utf8');
}

export function serveIpcConnection(socket: WebSocket, dispatch: IpcDispatcher): void {
  // ws reports protocol violations and oversized messages (maxPayload) here before closing the
  // socket; without a listener they would be thrown and take the host down.
  socket.on('error', () => socket.terminate());
  socket.on('message', (data, isBinary) => {
    if (isBinary) {
      badRequest(socket, IPC_UNREADABLE_REQUEST_ID, 'IPC messages are JSON text, not binary.');
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(textOf(data));
    } catch {
      badRequest(socket, IPC_UNREADABLE_REQUEST_ID, 'The message is not valid JSON.');
      return;
    }
    const request = IpcRequestEnvelope.safeParse(parsed);
    if (!request.success) {
      badRequest(socket, idOf(parsed), 'The message is not an IPC request (type, id, name, args).');
      return;
    }
    // The dispatcher turns every failure into an error body, so this promise never rejects.
    void dispatch(request.data).then((response) => sendMessage(socket, response));
  });
}

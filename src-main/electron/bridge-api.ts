// What the preload exposes as `window.tandem`: the TandemBridge shape, built over an injected
// ipcRenderer so it is testable under plain Node. It only wraps requests in envelopes, unwraps
// the answers and forwards event envelopes; validation against the contract happens in the main
// process (every request) and in the renderer's IPC client (every result and event).
import type { TandemBridge } from '../../src-shared/ipc/bridge.ts';
import type { IpcEventEnvelope, IpcRequestEnvelope } from '../../src-shared/ipc/envelope.ts';
import { EVENT_CHANNEL, REQUEST_CHANNEL } from './ipc-channels.ts';

/** The part of Electron's ipcRenderer the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, message: IpcRequestEnvelope): Promise<unknown>;
  on(channel: string, listener: (event: unknown, message: unknown) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, message: unknown) => void): unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isEventEnvelope(value: unknown): value is IpcEventEnvelope {
  return isRecord(value) && value['type'] === 'event' && typeof value['name'] === 'string';
}

/**
 * Turns a response envelope into the raw result, or a rejection carrying the app's one-sentence
 * message. Only an Error's message survives contextBridge, so that sentence is all we pass on.
 */
export function unwrapResponse(response: unknown, id: number): unknown {
  if (!isRecord(response) || response['type'] !== 'response' || response['id'] !== id) {
    throw new Error('Tandem sent an answer this window could not read. Try again, or restart Tandem.');
  }
  if (response['ok'] === true) return response['result'];
  const error = response['error'];
  const message = isRecord(error) && typeof error['message'] === 'string' ? error['message'] : 'The request failed.';
  throw new Error(message);
}

export function createBridgeApi(ipc: IpcRendererLike): TandemBridge {
  let nextId = 1;
  return {
    async request(name: string, args: unknown): Promise<unknown> {
      if (typeof name !== 'string') throw new Error('A request needs a name.');
      const id = nextId++;
      const response = await ipc.invoke(REQUEST_CHANNEL, { type: 'request', id, name, args: args ?? {} });
      return unwrapResponse(response, id);
    },
    onEvent(listener: (event: IpcEventEnvelope) => void): () => void {
      // The IpcRendererEvent itself never reaches the page: it carries `sender`, i.e. ipcRenderer.
      const forward = (_event: unknown, message: unknown) => {
        if (isEventEnvelope(message)) listener({ type: 'event', name: message.name, payload: message.payload });
      };
      ipc.on(EVENT_CHANNEL, forward);
      return () => {
        ipc.removeListener(EVENT_CHANNEL, forward);
      };
    },
  };
}

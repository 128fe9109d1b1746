// The calling end, used by the renderer over either transport: sends requests, validates every
// response and event against the contract before anyone sees it.
import { TandemError, type ErrorCode } from '../errors.ts';
import {
  type IpcArgs,
  type IpcEventName,
  type IpcEventPayload,
  type IpcRequestName,
  type IpcResult,
  ipcEvents,
  ipcRequests,
  isIpcEventName,
} from './contract.ts';
import type { IpcEventEnvelope } from './envelope.ts';

/** What a transport must offer: send a request and get the raw result, and raw events. */
export interface IpcTransport {
  request(name: string, args: unknown): Promise<unknown>;
  onEvent(listener: (event: IpcEventEnvelope) => void): () => void;
}

export class IpcRequestError extends TandemError {
  constructor(code: ErrorCode, message: string) {
    super(code, message);
    this.name = 'IpcRequestError';
  }
}

export interface IpcClient {
  request<N extends IpcRequestName>(name: N, args: IpcArgs<N>): Promise<IpcResult<N>>;
  on<N extends IpcEventName>(name: N, listener: (payload: IpcEventPayload<N>) => void): () => void;
}

export function createIpcClient(transport: IpcTransport): IpcClient {
  return {
    async request(name, args) {
      const raw = await transport.request(name, args);
      return ipcRequests[name].result.parse(raw) as IpcResult<typeof name>;
    },
    on(name, listener) {
      return transport.onEvent((event) => {
        if (event.name !== name || !isIpcEventName(event.name)) return;
        const payload = ipcEvents[name].safeParse(event.payload);
        if (payload.success) listener(payload.data as IpcEventPayload<typeof name>);
      });
    },
  };
}

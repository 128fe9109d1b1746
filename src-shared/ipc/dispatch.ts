// The receiving end of requests, shared by both transports: validates the request's name and
// arguments, calls the app's handler, validates what it returns, and turns any failure into an
// error body (never a stack trace).
import { toErrorBody, TandemError } from '../errors.ts';
import { type IpcHandlers, ipcRequests, isIpcRequestName } from './contract.ts';
import type { IpcRequestEnvelope, IpcResponseEnvelope } from './envelope.ts';

export type IpcDispatcher = (request: IpcRequestEnvelope) => Promise<IpcResponseEnvelope>;

export function createIpcDispatcher(handlers: IpcHandlers): IpcDispatcher {
  return async (request) => {
    try {
      const { name } = request;
      if (!isIpcRequestName(name)) throw new TandemError('bad_request', `Unknown request "${name}".`);
      const schema = ipcRequests[name];
      const args = schema.args.safeParse(request.args ?? {});
      if (!args.success) throw new TandemError('bad_request', `Bad arguments for "${name}": ${args.error.issues[0]?.message ?? 'invalid'}.`);
      const handler = handlers[name] as (args: unknown) => Promise<unknown>;
      const result = schema.result.parse(await handler(args.data));
      return { type: 'response', id: request.id, ok: true, result };
    } catch (error) {
      return { type: 'response', id: request.id, ok: false, error: toErrorBody(error) };
    }
  };
}

// The envelopes every IPC message travels in, whatever the transport. Requests are answered by a
// response with the same id; events flow from the app to the renderer unasked.
import { z } from 'zod';

export const IpcRequestEnvelope = z.object({
  type: z.literal('request'),
  id: z.number().int().nonnegative(),
  name: z.string().max(100),
  args: z.unknown(),
});
export type IpcRequestEnvelope = z.infer<typeof IpcRequestEnvelope>;

export const IpcErrorBody = z.object({ code: z.string(), message: z.string() });

export const IpcResponseEnvelope = z.discriminatedUnion('ok', [
  z.object({ type: z.literal('response'), id: z.number().int(), ok: z.literal(true), result: z.unknown() }),
  z.object({ type: z.literal('response'), id: z.number().int(), ok: z.literal(false), error: IpcErrorBody }),
]);
export type IpcResponseEnvelope = z.infer<typeof IpcResponseEnvelope>;

export const IpcEventEnvelope = z.object({
  type: z.literal('event'),
  name: z.string().max(100),
  payload: z.unknown(),
});
export type IpcEventEnvelope = z.infer<typeof IpcEventEnvelope>;

/** Anything the app may send to the renderer. */
export const IpcServerMessage = z.union([IpcResponseEnvelope, IpcEventEnvelope]);
export type IpcServerMessage = z.infer<typeof IpcServerMessage>;

/** Largest message either side accepts; anything bigger is refused unread. */
export const IPC_MAX_MESSAGE_BYTES = 1024 * 1024;

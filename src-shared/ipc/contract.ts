// The typed IPC contract between the app (src-main/app) and the renderer: every request name maps
// to a schema for its arguments and one for its result, every event name to a payload schema.
// Both transports (Electron IPC and the loopback WebSocket) carry exactly these messages, and the
// receiving side validates each one against this file.
import { z } from 'zod';

export const AppPhase = z.enum(['setup', 'up-to-date', 'syncing', 'paused', 'offline', 'attention', 'error']);
export type AppPhase = z.infer<typeof AppPhase>;

export const AppState = z.object({
  phase: AppPhase,
  /** One sentence for the status line: "No folder set up yet", "Up to date", … */
  summary: z.string(),
  paused: z.boolean(),
  version: z.string(),
  folders: z.array(
    z.object({
      path: z.string(),
      phase: AppPhase,
    }),
  ),
});
export type AppState = z.infer<typeof AppState>;

const NoArgs = z.object({}).strict();

export const ipcRequests = {
  'app.getState': { args: NoArgs, result: AppState },
  'app.setPaused': { args: z.object({ paused: z.boolean() }).strict(), result: AppState },
} as const;

export const ipcEvents = {
  'app.state': AppState,
} as const;

export type IpcRequestName = keyof typeof ipcRequests;
export type IpcArgs<N extends IpcRequestName> = z.infer<(typeof ipcRequests)[N]['args']>;
export type IpcResult<N extends IpcRequestName> = z.infer<(typeof ipcRequests)[N]['result']>;
export type IpcEventName = keyof typeof ipcEvents;
export type IpcEventPayload<N extends IpcEventName> = z.infer<(typeof ipcEvents)[N]>;

/** What the app implements: one async handler per request. */
export type IpcHandlers = { [N in IpcRequestName]: (args: IpcArgs<N>) => Promise<IpcResult<N>> };

export function isIpcRequestName(name: string): name is IpcRequestName {
  return Object.hasOwn(ipcRequests, name);
}

export function isIpcEventName(name: string): name is IpcEventName {
  return Object.hasOwn(ipcEvents, name);
}

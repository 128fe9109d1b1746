// What Electron's preload exposes to the renderer as `window.tandem` (through contextBridge).
// It is deliberately the same shape as the WebSocket transport, so the renderer uses either one.
import type { IpcTransport } from './client.ts';

export type TandemBridge = IpcTransport;

/** The global name the preload uses; the renderer looks for it to pick its transport. */
export const BRIDGE_GLOBAL = 'tandem';

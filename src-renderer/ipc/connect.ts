// Picks the renderer's transport: Electron's preload bridge when the page runs inside the tray
// app, otherwise the headless host's WebSocket on the same host:port the page came from.
import { BRIDGE_GLOBAL, type TandemBridge } from '../../src-shared/ipc/bridge.ts';
import { IPC_WEBSOCKET_PATH, ipcWebSocketProtocols, tokenFromHash } from '../../src-shared/ipc/websocket.ts';
import { type Connection, type ConnectionStatus, createWebSocketTransport, unreachableConnection } from './websocket-transport.ts';

export const NO_TOKEN_REASON =
  "This page's address is incomplete. Open the full address Tandem printed when it started, including the part after #token=.";

/** The Electron bridge is always connected: it lives and dies with the window. */
function bridgeConnection(bridge: TandemBridge): Connection {
  const open: ConnectionStatus = { kind: 'open' };
  return { transport: bridge, status: () => open, onStatus: () => () => undefined, close: () => undefined };
}

export function connectToTandem(win: Window = window): Connection {
  const bridge = (win as unknown as Record<string, TandemBridge | undefined>)[BRIDGE_GLOBAL];
  if (bridge) return bridgeConnection(bridge);
  const token = tokenFromHash(win.location.hash);
  if (token === undefined) return unreachableConnection(NO_TOKEN_REASON);
  const scheme = win.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return createWebSocketTransport({ url: `${scheme}//${win.location.host}${IPC_WEBSOCKET_PATH}`, protocols: ipcWebSocketProtocols(token) });
}

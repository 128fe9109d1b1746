// How the IPC contract travels over the headless host's loopback WebSocket: the endpoint, the
// subprotocols, and where the per-launch token is found. Shared so src-main/host and the
// renderer's WebSocket transport cannot drift apart.

/** The WebSocket endpoint on the host. */
export const IPC_WEBSOCKET_PATH = '/ipc';

/** The subprotocol both ends speak; the host selects it, so the token is never echoed back. */
export const IPC_WEBSOCKET_PROTOCOL = 'tandem.ipc.v1';

/**
 * The token rides as a second offered subprotocol, `tandem.token.<TOKEN>`. Why not the URL: a
 * query string lands in logs, history and proxies; and a browser's WebSocket cannot set any
 * other header (Authorization, cookies would need a login flow). The token is base64url, whose
 * characters are all valid in a subprotocol name.
 */
export const IPC_TOKEN_PROTOCOL_PREFIX = 'tandem.token.';

/** The printed URL carries the token in its hash (`#token=…`), which browsers never send. */
export function tokenFromHash(hash: string): string | undefined {
  const params = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash);
  const token = params.get('token');
  return token !== null && /^[A-Za-z0-9_-]{16,128}$/.test(token) ? token : undefined;
}

/** The subprotocols a client offers to authenticate with `token`. */
export function ipcWebSocketProtocols(token: string): string[] {
  return [IPC_WEBSOCKET_PROTOCOL, `${IPC_TOKEN_PROTOCOL_PREFIX}${token}`];
}

/**
 * The id of the error response sent for a message that could not be read as a request at all
 * (not JSON, no id). Request ids are never negative, so no pending request is mistaken for it.
 */
export const IPC_UNREADABLE_REQUEST_ID = -1;

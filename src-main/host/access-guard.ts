// Who may talk to the headless host. Anything on this computer can reach a loopback port — other
// users, and web pages in any browser tab (directly, or through DNS rebinding). So every request
// must name a loopback Host, and a WebSocket must also come from our own page (Origin) and carry
// the per-launch token. Pure functions over headers, so each rule is tested on its own.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { IPC_TOKEN_PROTOCOL_PREFIX, IPC_WEBSOCKET_PROTOCOL } from '../../src-shared/ipc/websocket.ts';

/** A fresh random token for one launch: 32 bytes, base64url (43 characters). */
export function newLaunchToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The names this host answers to; a rebinding attacker's domain is not among them. */
const LOOPBACK_HOSTNAMES = ['127.0.0.1', 'localhost'];

/** True when the Host header names this host's loopback address and port exactly. */
export function isLoopbackHostHeader(host: string | undefined, port: number): boolean {
  if (host === undefined) return false;
  return LOOPBACK_HOSTNAMES.some((name) => host.toLowerCase() === `${name}:${port}`);
}

/** The origins our own page has when loaded from this host. */
export function allowedOrigins(port: number): string[] {
  return LOOPBACK_HOSTNAMES.map((name) => `http://${name}:${port}`);
}

/** The token offered in Sec-WebSocket-Protocol, if any (see src-shared/ipc/websocket.ts for why there). */
export function offeredToken(protocolHeader: string | undefined): string | undefined {
  if (!protocolHeader) return undefined;
  const offered = protocolHeader.split(',').map((p) => p.trim());
  const tokenProtocol = offered.find((p) => p.startsWith(IPC_TOKEN_PROTOCOL_PREFIX));
  return tokenProtocol?.slice(IPC_TOKEN_PROTOCOL_PREFIX.length);
}

/** Compares tokens in constant time (hashing first makes the lengths equal). */
export function tokensMatch(offered: string, expected: string): boolean {
  const a = createHash('sha256').update(offered).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export interface Refusal {
  status: 400 | 401 | 403 | 404;
  /** One sentence for whoever made the request. */
  message: string;
}

/** Why an ordinary HTTP request is refused, or undefined when it may proceed. */
export function checkHttpRequest(headers: IncomingHttpHeaders, port: number): Refusal | undefined {
  if (!isLoopbackHostHeader(headers.host, port)) {
    return { status: 403, message: `Tandem only answers to http://127.0.0.1:${port} on this computer.` };
  }
  return undefined;
}

/** Why a WebSocket upgrade is refused, or undefined when it may proceed. */
export function checkIpcUpgrade(headers: IncomingHttpHeaders, port: number, token: string): Refusal | undefined {
  const hostRefusal = checkHttpRequest(headers, port);
  if (hostRefusal) return hostRefusal;
  // Browsers always send Origin on a WebSocket; a Node client may not, and it still needs the token.
  const origin = headers.origin;
  if (origin !== undefined && !allowedOrigins(port).includes(origin)) {
    return { status: 403, message: 'Only Tandem\'s own page may connect here.' };
  }
  const protocols = headers['sec-websocket-protocol'];
  const offered = offeredToken(protocols);
  if (offered === undefined) return { status: 401, message: 'This connection needs the token from the address tandem ui printed.' };
  if (!tokensMatch(offered, token)) return { status: 401, message: 'The token does not match this launch of tandem ui.' };
  const speaksIpc = protocols?.split(',').some((p) => p.trim() === IPC_WEBSOCKET_PROTOCOL) ?? false;
  if (!speaksIpc) return { status: 400, message: `The client must offer the "${IPC_WEBSOCKET_PROTOCOL}" subprotocol.` };
  return undefined;
}

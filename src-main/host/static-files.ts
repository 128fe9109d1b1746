// Serves the built renderer (dist-renderer) to the browser: only files under that folder, with a
// strict Content-Security-Policy, and a plain explanation when the renderer has not been built.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The page may load only its own files and talk only to this host's WebSocket. No inline
 * script or style, no plugins, no framing, no forms: a bug in the UI cannot be turned into
 * script injection that reaches the IPC.
 */
export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ws://127.0.0.1:${port} ws://localhost:${port}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Headers every answer carries, files and errors alike. */
export function securityHeaders(port: number): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(port),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}

export function sendText(response: ServerResponse, status: number, text: string, port: number): void {
  response.writeHead(status, {
    ...securityHeaders(port),
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-store',
  });
  response.end(`${text}\n`);
}

export const RENDERER_NOT_BUILT =
  "Tandem's UI has not been built yet. Run `npm run build:renderer` in the Tandem checkout, then reload this page.";

/**
 * The file under `root` that a URL path names, or undefined when it names nothing we serve
 * (encoded nonsense, a NUL, or anything that would leave the folder).
 */
export function resolveUnder(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  if (decoded.split('/').some((segment) => segment === '..')) return undefined;
  const relative = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const full = resolve(root, relative);
  return full.startsWith(root + sep) ? full : undefined;
}

export async function serveStatic(request: IncomingMessage, response: ServerResponse, rendererDir: string, port: number): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    sendText(response, 405, 'Only GET and HEAD are answered here.', port);
    return;
  }
  let root: string;
  try {
    root = await realpath(rendererDir);
  } catch {
    sendText(response, 503, RENDERER_NOT_BUILT, port);
    return;
  }
  // The request line is only ever a path here (the hash, with the token, never reaches us).
  const urlPath = (request.url ?? '/').split('?')[0] ?? '/';
  const wanted = resolveUnder(root, urlPath);
  if (wanted === undefined) {
    sendText(response, 404, 'Not found.', port);
    return;
  }
  let file: string;
  let size: number;
  try {
    // realpath again so a symlink inside the folder cannot point out of it.
    file = await realpath(wanted);
    const info = await stat(file);
    if (!file.startsWith(root + sep) || !info.isFile()) throw new Error('not a file under the renderer');
    size = info.size;
  } catch {
    if (urlPath === '/' || urlPath === '/index.html') sendText(response, 503, RENDERER_NOT_BUILT, port);
    else sendText(response, 404, 'Not found.', port);
    return;
  }
  const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  response.writeHead(200, {
    ...securityHeaders(port),
    'Content-Type': type,
    'Content-Length': String(size),
    // Vite names what it puts in assets/ by content hash, so those never change; the rest may.
    'Cache-Control': urlPath.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  const stream = createReadStream(file);
  stream.on('error', () => response.destroy());
  stream.pipe(response);
}

// Serves the built renderer (dist-renderer/) to the popover on our own scheme,
// tandem-app://renderer/…, instead of file://.
//
// Why a custom scheme: the Content-Security-Policy then arrives as a real response header that we
// set ourselves on every document. Electron's docs say header-delivered CSP does not work for
// file:// (session.webRequest is unreliable there), and a <meta> tag would live in the renderer's
// HTML, outside this shell. A custom scheme also gives the page a real origin, so it cannot read
// arbitrary file:// URLs (Electron's security checklist: "avoid file://, use a custom protocol").
// The request handler is plain web-standard Request → Response, so it is tested under Node.
import type { CustomScheme } from 'electron';
import { extname, resolve, sep } from 'node:path';

export const RENDERER_SCHEME = 'tandem-app';
export const RENDERER_HOST = 'renderer';
export const RENDERER_ENTRY_URL = `${RENDERER_SCHEME}://${RENDERER_HOST}/index.html`;

/**
 * Only our own files: no inline or eval'd script, no remote anything, no plugins, no framing.
 * React sets inline styles through the CSSOM, which style-src does not restrict.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/**
 * Must be registered before the app is ready: standard (a real origin; relative URLs work), secure,
 * fetchable by the page itself (module scripts). corsEnabled stays off on purpose: despite its
 * name it would let any other origin read our files.
 */
export const RENDERER_SCHEME_PRIVILEGES: CustomScheme = {
  scheme: RENDERER_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
};

const MIME_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

/** The file a renderer URL names, or undefined when it names anything outside rendererDir. */
export function rendererFileFor(rendererDir: string, requestUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== `${RENDERER_SCHEME}:` || url.host !== RENDERER_HOST) return undefined;
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return undefined;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return undefined;
  const root = resolve(rendererDir);
  const file = resolve(root, `.${pathname === '/' ? '/index.html' : pathname}`);
  // Decoding can reintroduce "..": check the resolved path, not the URL.
  return file.startsWith(root + sep) ? file : undefined;
}

export function mimeTypeFor(file: string): string {
  return MIME_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Answers one request on our scheme from rendererDir; anything else is a 404, never a throw. */
export async function serveRendererRequest(
  request: Request,
  rendererDir: string,
  readFile: (file: string) => Promise<Uint8Array>,
): Promise<Response> {
  const notFound = () => new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  if (request.method !== 'GET' && request.method !== 'HEAD') return new Response('Method not allowed', { status: 405 });
  const file = rendererFileFor(rendererDir, request.url);
  if (file === undefined) return notFound();
  let body: Uint8Array;
  try {
    body = await readFile(file);
  } catch {
    return notFound();
  }
  return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
    status: 200,
    headers: {
      'content-type': mimeTypeFor(file),
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
    },
  });
}

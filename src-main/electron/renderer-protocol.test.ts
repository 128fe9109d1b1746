// The popover's pages come from dist-renderer/ through our own scheme: each response must carry
// the strict CSP, and no URL may reach a file outside the renderer's folder.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CONTENT_SECURITY_POLICY,
  RENDERER_ENTRY_URL,
  RENDERER_SCHEME_PRIVILEGES,
  rendererFileFor,
  serveRendererRequest,
} from './renderer-protocol.ts';

const root = mkdtempSync(join(tmpdir(), 'tandem-renderer-'));
const rendererDir = join(root, 'dist-renderer');
mkdirSync(join(rendererDir, 'assets'), { recursive: true });
writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Tandem</title>');
writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
writeFileSync(join(root, 'secret.txt'), 'not for the page');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const get = (url: string, method = 'GET') => serveRendererRequest(new Request(url, { method }), rendererDir, readFile);

describe('the renderer scheme', () => {
  it('serves the entry page with the strict CSP as a response header', async () => {
    const response = await get(RENDERER_ENTRY_URL);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<title>Tandem</title>');
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves the bundle as JavaScript, so module scripts load', async () => {
    const response = await get('tandem-app://renderer/assets/app.js');
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await response.text()).toBe('console.log(1)');
  });

  it.each([
    ['a ../ escape', 'tandem-app://renderer/../secret.txt'],
    ['an encoded ../ escape', 'tandem-app://renderer/%2e%2e/secret.txt'],
    ['an escape hidden behind an encoded slash', 'tandem-app://renderer/..%2Fsecret.txt'],
    ['a backslash', 'tandem-app://renderer/..%5Csecret.txt'],
    ['another host', 'tandem-app://elsewhere/index.html'],
    ['a missing file', 'tandem-app://renderer/nope.js'],
    ['a broken escape', 'tandem-app://renderer/%E0%A4%A.js'],
  ])('answers 404 to %s', async (_what, url) => {
    const response = await get(url);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('not for the page');
  });

  it('refuses anything but GET and HEAD', async () => {
    expect((await get(RENDERER_ENTRY_URL, 'POST')).status).toBe(405);
    const head = await get(RENDERER_ENTRY_URL, 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('maps / to the entry page and never names a file outside the folder', () => {
    expect(rendererFileFor(rendererDir, 'tandem-app://renderer/')).toBe(join(rendererDir, 'index.html'));
    expect(rendererFileFor(rendererDir, 'file:///etc/passwd')).toBeUndefined();
    expect(rendererFileFor(rendererDir, 'tandem-app://renderer/..%2F..%2Fetc%2Fpasswd')).toBeUndefined();
  });

  it('gives the scheme a real origin, and does not open it to other origins', () => {
    expect(RENDERER_SCHEME_PRIVILEGES.privileges).toMatchObject({ standard: true, secure: true });
    expect(RENDERER_SCHEME_PRIVILEGES.privileges?.corsEnabled).not.toBe(true);
    expect(RENDERER_SCHEME_PRIVILEGES.privileges?.bypassCSP).not.toBe(true);
  });

  it('allows no inline script, eval, remote source or framing', () => {
    const directives = new Map(CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-|\*|https?:|ws:/);
  });
});

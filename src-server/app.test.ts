// The server as a whole: OpenAPI document, JSON errors without stacks, body limits, unknown routes.
import { afterEach, expect, it } from 'vitest';
import { apiPath } from '../src-shared/protocol/api.ts';
import { TestServer } from './testing/test-server.ts';

let server: TestServer;
afterEach(async () => server?.close());

it('serves an OpenAPI document listing every route, without a token', async () => {
  server = await TestServer.start();
  const response = await server.request('GET', '/v1/openapi.json');
  expect(response.statusCode).toBe(200);
  const doc = response.json();
  expect(doc.openapi).toMatch(/^3\./);
  for (const path of ['/v1/login', '/v1/items', '/v1/items/{id}', '/v1/items/{id}/content', '/v1/changes', '/v1/batch', '/v1/trash', '/v1/blocks/missing']) {
    expect(Object.keys(doc.paths)).toContain(path);
  }
  expect(doc.paths['/v1/items'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('parent_id');
});

it("every path in the clients' path table is a route the server serves", async () => {
  server = await TestServer.start();
  const doc = (await server.request('GET', '/v1/openapi.json')).json();
  const served = new Set(Object.keys(doc.paths as object).map((p) => p.replace(/\{[^}]+\}/g, 'X')));
  for (const [name, build] of Object.entries(apiPath)) {
    if (name === 'notify' || name === 'openapi') continue; // not listed in the document itself
    const path = (build as (a: string, b: number) => string)('X', 1).replace(/\/1(\/|$)/, '/X$1');
    expect(served, name).toContain(path);
  }
});

it('answers unknown routes with a JSON 404', async () => {
  server = await TestServer.start();
  const response = await server.request('GET', '/v1/nope');
  expect(response.statusCode).toBe(404);
  expect(response.json()).toEqual({ code: 'not_found', message: 'There is no GET /v1/nope on this server.' });
});

it('refuses an oversized JSON body with 413 too_large and changes nothing', async () => {
  server = await TestServer.start();
  const alice = await server.user();
  const response = await server.request('POST', '/v1/items', {
    token: alice.token,
    body: { parent_id: alice.rootId, name: 'x', kind: 'folder', padding: 'x'.repeat(3 * 1024 * 1024) },
  });
  expect(response.statusCode).toBe(413);
  expect(response.json().code).toBe('too_large');
  const children = await server.request('GET', `/v1/items/${alice.rootId}/children`, { token: alice.token });
  expect(children.json().items).toEqual([]);
});

it('answers invalid JSON and wrong types with one-line 400s and never a stack trace', async () => {
  server = await TestServer.start();
  const alice = await server.user();
  const broken = await server.app.inject({
    method: 'POST',
    url: '/v1/items',
    headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
    payload: '{"parent_id": ',
  });
  expect(broken.statusCode).toBe(400);
  expect(broken.json().code).toBe('bad_request');
  const wrongType = await server.request('POST', '/v1/items', { token: alice.token, body: { parent_id: alice.rootId, name: 'x', kind: 'symlink' } });
  expect(wrongType.statusCode).toBe(400);
  expect(wrongType.json().message).toMatch(/^Invalid body field "kind"/);
  for (const r of [broken, wrongType]) {
    expect(r.body).not.toMatch(/\n\s+at /);
    expect(r.json().message).not.toContain('\n');
  }
});

// Bad input, generated: whatever JSON arrives at a mutating route, the answer is a 4xx with a
// one-line { code, message } (never a 500, never a stack) and the account's tree is unchanged.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestServer, type TestUser } from '../testing/test-server.ts';

let server: TestServer;
let alice: TestUser;
let fileId: string;
beforeAll(async () => {
  server = await TestServer.start({ loginLimits: { perAddressPerMinute: 100_000, failuresPerAccount: 100_000 } });
  alice = await server.user();
  fileId = (await server.file(alice, alice.rootId, 'keep.txt', 'keep')).id;
});
afterAll(async () => server.close());

const junk = fc.oneof(
  fc.anything(),
  fc.record({ parent_id: fc.oneof(fc.string(), fc.constant('ROOT')), name: fc.string(), kind: fc.oneof(fc.constantFrom('file', 'folder'), fc.string()) }, { requiredKeys: [] }),
  fc.record({ hash: fc.string(), blocks: fc.array(fc.record({ hash: fc.string(), size: fc.integer() })) }, { requiredKeys: [] }),
  fc.record({ operations: fc.array(fc.record({ op: fc.constantFrom('create', 'commit', 'update', 'delete', 'x'), id: fc.string(), if_match: fc.string() }, { requiredKeys: [] })) }),
);

it('answers every malformed mutation with a one-line 4xx and changes nothing (property)', { timeout: 120_000 }, async () => {
  const before = (await server.request('GET', '/v1/changes', { token: alice.token })).json().cursor;
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(
        ['POST', '/v1/items'],
        ['PATCH', '/v1/items/FILE'],
        ['PUT', '/v1/items/FILE/content'],
        ['DELETE', '/v1/items/FILE'],
        ['POST', '/v1/batch'],
        ['POST', '/v1/login'],
        ['POST', '/v1/trash/FILE/restore'],
      ),
      junk,
      fc.oneof(fc.constant(undefined), fc.string({ maxLength: 30 })),
      async ([method, url], body, ifMatch) => {
        const payload = JSON.stringify(body === undefined ? null : body)
          .replaceAll('"ROOT"', JSON.stringify(alice.rootId));
        const response = await server.app.inject({
          method: method as 'POST',
          url: url.replace('FILE', fileId),
          headers: {
            authorization: `Bearer ${alice.token}`,
            'content-type': 'application/json',
            ...(ifMatch !== undefined && /^[\x20-\x7e]*$/.test(ifMatch) ? { 'if-match': ifMatch } : {}),
          },
          payload,
        });
        if (response.statusCode < 300) return; // the generator can stumble on a valid request
        expect(response.statusCode, response.body).toBeGreaterThanOrEqual(400);
        expect(response.statusCode, response.body).toBeLessThan(500);
        const error = response.json();
        expect(Object.keys(error).filter((k) => k !== 'item').sort()).toEqual(['code', 'message']);
        expect(error.message).not.toContain('\n');
      },
    ),
    { numRuns: 300 },
  );
  // Some generated creates are valid and make new items; the existing file, which only a valid
  // If-Match could change, is untouched.
  const after = await server.request('GET', `/v1/changes?cursor=${before}`, { token: alice.token });
  expect(after.json().changes.filter((c: { id: string }) => c.id === fileId)).toEqual([]);
});

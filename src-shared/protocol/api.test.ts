// The client-side path table (src-server/app.test.ts checks every path against the server's routes).
import { expect, it } from 'vitest';
import { apiPath } from './api.ts';

it('escapes ids so they cannot change the path', () => {
  expect(apiPath.item('../login')).toBe('/v1/items/..%2Flogin');
  expect(apiPath.restoreVersion('a b', 3)).toBe('/v1/items/a%20b/versions/3/restore');
});

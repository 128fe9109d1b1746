// Only changed blocks travel, on the real stack (real folders, SQLite index, real client and
// server): a 20 MiB file synced from Ada to Bob, then one byte inserted in its middle on Ada — Bob
// fetches well under 1 MiB of blocks for the new version and ends byte-identical, the rest read
// from the copy he already has; then a byte changed on Bob costs Ada under 1 MiB too (her block
// list came from her upload).
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { getHasher } from '../../src-main/engine/hasher.ts';
import { TestServer } from './remote-harness.ts';
import { Devices } from './transfer-harness.ts';

const MiB = 1024 * 1024;
let server: TestServer;
let devices: Devices;

beforeAll(async () => {
  server = await TestServer.start();
  devices = new Devices(server, await getHasher());
});

afterAll(async () => {
  await devices.close();
  await server.close();
});

it('one byte inserted in the middle of a 20 MiB file: the other device downloads under 1 MiB and ends byte-identical', async () => {
  const [ada, bob] = await devices.account('Ada', 'Bob');
  const v1 = randomBytes(20 * MiB);
  await writeFile(join(ada!.dir, 'video.raw'), v1);
  await devices.syncUntilQuiet(ada!);
  bob!.wire.reset();
  await devices.syncUntilQuiet(bob!);
  const first = bob!.wire.total('/v1/blocks/fetch');
  expect(first).toBeGreaterThanOrEqual(v1.length);
  expect((await readFile(join(bob!.dir, 'video.raw'))).equals(v1)).toBe(true);

  const middle = 10 * MiB + 12_345;
  const v2 = Buffer.concat([v1.subarray(0, middle), Buffer.from([0x5a]), v1.subarray(middle)]);
  await writeFile(join(ada!.dir, 'video.raw'), v2);
  await devices.syncUntilQuiet(ada!);
  bob!.wire.reset();
  await devices.syncUntilQuiet(bob!);
  const blocks = bob!.wire.total('/v1/blocks/fetch');
  const everything = bob!.wire.total();
  console.info(`transfer: first sync fetched ${first} block bytes; after a 1-byte insert, ${blocks} block bytes (${everything} bytes of answers in all)`);
  expect((await readFile(join(bob!.dir, 'video.raw'))).equals(v2)).toBe(true);
  expect(blocks).toBeGreaterThan(0);
  expect(blocks).toBeLessThan(MiB);
  expect(everything).toBeLessThan(MiB);
  // Both folders hold the same thing.
  expect(await devices.contents(bob!.dir)).toEqual(await devices.contents(ada!.dir));

  // The other way: Ada's block list came from her upload, and her download reuses it.
  const v3 = Buffer.from(v2);
  v3[1000] = v3[1000]! ^ 0xff;
  await writeFile(join(bob!.dir, 'video.raw'), v3);
  await devices.syncUntilQuiet(bob!);
  ada!.wire.reset();
  await devices.syncUntilQuiet(ada!);
  const back = ada!.wire.total('/v1/blocks/fetch');
  console.info(`transfer: after a 1-byte overwrite on the other device, ${back} block bytes back`);
  expect((await readFile(join(ada!.dir, 'video.raw'))).equals(v3)).toBe(true);
  expect(back).toBeGreaterThan(0);
  expect(back).toBeLessThan(MiB);
}, 120_000);

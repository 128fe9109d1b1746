// The simulation's world: sync-harness's SyncWorld over a server whose login limit per address
// allows many devices signing in (and again after every simulated crash) from one test machine.
// SyncWorld.start() takes no server options, so this builds one the same way with them.
import { getHasher } from '../../../src-main/engine/hasher.ts';
import type { Hasher } from '../../../src-main/engine/hasher.ts';
import { TestServer } from '../remote-harness.ts';
import { SyncWorld } from '../sync-harness.ts';

export async function startSimulationWorld(): Promise<SyncWorld> {
  const server = await TestServer.start({ loginLimits: { perAddressPerMinute: 100_000, failuresPerAccount: 10 } });
  // The constructor is private to keep tests on start(); it only stores these two.
  const World = SyncWorld as unknown as new (server: TestServer, hasher: Hasher) => SyncWorld;
  return new World(server, await getHasher());
}

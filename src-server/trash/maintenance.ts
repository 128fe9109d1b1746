// The server's periodic clean-up: expired trash and old versions are purged (releasing block
// references), then the block store frees blocks unreferenced past its grace period. Runs once
// shortly after start and then every `everyMs`; one run at a time; failures are logged, never fatal.
import type { FastifyBaseLogger } from 'fastify';
import type { BlockStore } from '../blocks/block-store.ts';
import type { Db } from '../db/database.ts';
import { purgeExpired } from './trash.ts';

export interface MaintenanceOptions {
  db: Db;
  blockStore: BlockStore;
  now: () => number;
  retentionMs: number;
  everyMs: number;
  log: FastifyBaseLogger;
}

export async function runMaintenance(options: Omit<MaintenanceOptions, 'everyMs' | 'log'>) {
  const purged = await purgeExpired(options.db, options.now(), options.retentionMs);
  const garbage = await options.blockStore.collectGarbage({ now: options.now() });
  return { purged, garbage };
}

export function startMaintenance(options: MaintenanceOptions): { stop: () => Promise<void> } {
  let running: Promise<void> | undefined;
  const tick = () => {
    if (running) return;
    running = runMaintenance(options)
      .then(({ purged, garbage }) => options.log.info({ purged, garbage }, 'maintenance done'))
      .catch((error: unknown) => options.log.error({ err: error }, 'maintenance failed'))
      .finally(() => {
        running = undefined;
      });
  };
  const first = setTimeout(tick, Math.min(60_000, options.everyMs));
  const timer = setInterval(tick, options.everyMs);
  first.unref();
  timer.unref();
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}

// Syncthing's side of the benchmark: workloads 1–4 on a fresh pair, then a second fresh pair for
// the 100k-file folder (5: device A's first scan of it, timed through /rest/db/status, peak RSS
// from /proc; then device B, holding an identical copy, joins, and 6: both devices idle).
import { processCpuSeconds, processMemory } from '../sync/tandem-pair.ts';
import type { ChildCleanup } from './child-cleanup.ts';
import { checkManyFiles, measureIdle, runSyncWorkloads, writeIndexFolders } from './measure.ts';
import type { Part, RunContext } from './measure.ts';
import type { ToolFigures } from './results-table.ts';
import { SyncthingPair } from './syncthing-pair.ts';

const MB = 1e6;

async function withPair<T>(cleanup: ChildCleanup, share: boolean, body: (pair: SyncthingPair) => Promise<T>): Promise<T> {
  const tracked: number[] = [];
  const onPid = (pid: number) => {
    tracked.push(pid);
    cleanup.trackPid(pid);
  };
  const pair = await SyncthingPair.start({ onPid, share });
  const forget = cleanup.add(() => pair.stop());
  try {
    return await body(pair);
  } finally {
    forget();
    await pair.stop();
    for (const pid of tracked) cleanup.forgetPid(pid);
  }
}

/** One part ('sync': workloads 1–4; 'folder': 5 and 6); fills `figures` as each workload finishes, so a later failure keeps what was measured. */
export async function runSyncthing(part: Part, context: RunContext, cleanup: ChildCleanup, figures: ToolFigures, problems: string[]): Promise<void> {
  const { sizes, only, log } = context;
  if (part === 'sync' && ['edit', 'small', 'big', 'insert'].some((name) => only.has(name as never))) {
    await withPair(cleanup, true, async (pair) => {
      log('syncthing: two instances connected, folder shared');
      await runSyncWorkloads('syncthing', pair, context, () => pair.waitInSync(10 * 60_000), figures, problems);
    });
  }
  if (part === 'folder' && (only.has('index') || only.has('idle'))) {
    await withPair(cleanup, false, async (pair) => {
      const files = sizes.indexFiles;
      await writeIndexFolders(pair.folderA, pair.folderB, files);
      log(`syncthing: ${files} files written into each device's folder; device A scans its folder`);
      const cpuAtStart = await processCpuSeconds(pair.a.pid);
      const started = performance.now();
      await pair.shareFolder(pair.a);
      await pair.waitScanned(pair.a, files, 60 * 60_000);
      const seconds = (performance.now() - started) / 1000;
      const memory = await processMemory(pair.a.pid);
      figures.indexSeconds = seconds;
      figures.indexFilesPerSecond = files / seconds;
      figures.indexPeakRssMB = memory.peakRssBytes / MB;
      figures.indexCpuSeconds = (await processCpuSeconds(pair.a.pid)) - cpuAtStart;
      log(`syncthing: A indexed ${files} files in ${seconds.toFixed(1)} s (${figures.indexFilesPerSecond.toFixed(0)} files/s), peak RSS ${figures.indexPeakRssMB.toFixed(0)} MB, ${figures.indexCpuSeconds.toFixed(1)} CPU-s`);
      if (only.has('idle')) {
        const joined = performance.now();
        await pair.shareFolder(pair.b);
        await pair.waitInSync(60 * 60_000);
        const onB = await checkManyFiles(pair.folderB, files);
        if (onB) problems.push(`syncthing: B's folder holds ${onB} after syncing`);
        log(`syncthing: B (same files already on disk) in sync after ${((performance.now() - joined) / 1000).toFixed(1)} s; idle for ${sizes.idleSeconds} s`);
        const idle = await measureIdle(pair.pids, sizes.idleSeconds);
        figures.idleCpuSecondsPerMinute = Math.max(...idle.cpuPerMinute);
        figures.idleRssMB = Math.max(...idle.rssMB);
        log(`syncthing: idle CPU-s/min A ${idle.cpuPerMinute[0]!.toFixed(2)}, B ${idle.cpuPerMinute[1]!.toFixed(2)}; RSS A ${idle.rssMB[0]!.toFixed(0)} MB, B ${idle.rssMB[1]!.toFixed(0)} MB`);
      }
    });
  }
}

// The environment the engine's worker threads start with. When the host process turned on Node's
// module compile cache (module.enableCompileCache(), which also caches TypeScript's type-stripped
// output), workers only get it through NODE_COMPILE_CACHE; without it every scan's walk worker and
// every hashing worker strips and compiles its modules again (measured: 0.3-0.5 s of CPU per
// worker start at 100k files, a tenth of a first index).

import { getCompileCacheDir } from 'node:module';

export function workerEnv(): NodeJS.ProcessEnv {
  const dir = getCompileCacheDir();
  if (dir === undefined || process.env.NODE_COMPILE_CACHE === dir) return process.env;
  return { ...process.env, NODE_COMPILE_CACHE: dir };
}

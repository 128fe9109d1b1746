// Where Tandem keeps its own state when no --state is given: the platform's usual place for
// per-user application state, never inside a synced folder.
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultStateDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
  if (env['TANDEM_STATE_DIR']) return env['TANDEM_STATE_DIR'];
  if (platform === 'win32') return join(env['LOCALAPPDATA'] ?? join(homedir(), 'AppData', 'Local'), 'Tandem');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Tandem');
  return join(env['XDG_STATE_HOME'] ?? join(homedir(), '.local', 'state'), 'tandem');
}

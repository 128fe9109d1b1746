// "Pause on metered networks": whether the network this computer uses now is metered (a phone's
// hotspot, a capped plan), as the operating system says -- there is no portable way under Node or
// Electron. Linux: NetworkManager's global Metered property over D-Bus (busctl, part of systemd).
// Windows: the connection cost of the internet profile (PowerShell asks WinRT). macOS offers it
// only to native code (NWPath.isExpensive), so there Tandem says it cannot tell.
//
// MeteredPause asks every minute while the preference is on, and holds the folders (without
// touching the person's own pause) while the answer is "metered"; a failed reading counts as not
// metered, so Tandem never stops syncing on a guess.
import { execFile } from 'node:child_process';
import type { AppContext } from './app-context.ts';
import type { FoldersService } from './folders.ts';

export interface MeteredSource {
  /** Undefined when this computer can tell; otherwise why not (a sentence for Preferences). */
  readonly unavailable: string | undefined;
  /** True: metered; false: not; undefined: the system does not know. Rejects when it cannot be asked. */
  read(): Promise<boolean | undefined>;
}

export type RunCommand = (file: string, args: string[]) => Promise<string>;

const runCommand: RunCommand = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 10_000, windowsHide: true }, (error, stdout) => (error ? reject(error) : resolve(String(stdout))));
  });

/** busctl's `u N`: NetworkManager's NMMetered (1 yes, 3 guessed yes; 2 no, 4 guessed no; 0 unknown). */
export function parseNetworkManagerMetered(output: string): boolean | undefined {
  const match = /^u\s+(\d+)\s*$/u.exec(output.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  if (value === 1 || value === 3) return true;
  if (value === 2 || value === 4) return false;
  return undefined;
}

/** NetworkCostType from WinRT: Fixed and Variable are metered, Unrestricted is not. */
export function parseWindowsCost(output: string): boolean | undefined {
  const value = output.trim();
  if (value === 'Fixed' || value === 'Variable') return true;
  if (value === 'Unrestricted') return false;
  return undefined;
}

const WINDOWS_COST_SCRIPT =
  '[void][Windows.Networking.Connectivity.NetworkInformation,Windows.Networking.Connectivity,ContentType=WindowsRuntime];' +
  '$p=[Windows.Networking.Connectivity.NetworkInformation]::GetInternetConnectionProfile();' +
  'if($p){$p.GetConnectionCost().NetworkCostType}';

/** The source for this platform; `run` is the test seam for the commands. */
export function meteredSourceFor(platform: NodeJS.Platform, run: RunCommand = runCommand): MeteredSource {
  if (platform === 'linux') {
    return {
      unavailable: undefined,
      read: async () => {
        const output = await run('busctl', ['get-property', 'org.freedesktop.NetworkManager', '/org/freedesktop/NetworkManager', 'org.freedesktop.NetworkManager', 'Metered']).catch(() => {
          throw new Error('NetworkManager did not answer');
        });
        return parseNetworkManagerMetered(output);
      },
    };
  }
  if (platform === 'win32') {
    return {
      unavailable: undefined,
      read: async () => {
        const output = await run('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', WINDOWS_COST_SCRIPT]).catch(() => {
          throw new Error('Windows did not say');
        });
        return parseWindowsCost(output);
      },
    };
  }
  return {
    unavailable: 'This computer does not tell Tandem whether a network is metered, so this setting does nothing here yet.',
    read: async () => undefined,
  };
}

export const METERED_CHECK_INTERVAL_MS = 60_000;

export class MeteredPause {
  readonly #ctx: AppContext;
  readonly #folders: FoldersService;
  readonly #source: MeteredSource;
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<void> | undefined;
  /** Why the last reading failed (the system could not be asked), or undefined. */
  #problem: string | undefined;

  constructor(ctx: AppContext, folders: FoldersService, source: MeteredSource) {
    this.#ctx = ctx;
    this.#folders = folders;
    this.#source = source;
  }

  get unavailable(): string | undefined {
    return this.#source.unavailable;
  }

  /** Why the last reading failed, for Preferences' sentence. */
  get problem(): string | undefined {
    return this.#problem;
  }

  /** Checks now and then every minute (only while the preference is on; cheap otherwise). */
  start(): Promise<void> {
    this.#timer = setInterval(() => void this.check(), this.#ctx.options.meteredCheckIntervalMs ?? METERED_CHECK_INTERVAL_MS);
    this.#timer.unref();
    return this.check();
  }

  /** Reads the network (when the preference is on) and holds or releases the folders. */
  check(): Promise<void> {
    this.#checking ??= this.#check().finally(() => (this.#checking = undefined));
    return this.#checking;
  }

  async #check(): Promise<void> {
    const wanted = this.#ctx.settings.current.pauseOnMeteredNetworks && this.#source.unavailable === undefined;
    let metered: boolean | undefined;
    this.#problem = undefined;
    if (wanted) {
      try {
        metered = await this.#source.read();
      } catch (error) {
        this.#problem = error instanceof Error ? error.message : String(error);
      }
    }
    // Read again: the preference may have changed while the command ran.
    const hold = metered === true && this.#ctx.settings.current.pauseOnMeteredNetworks;
    await this.#folders.setHeld(hold ? 'metered' : null);
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
  }
}

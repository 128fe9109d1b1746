// "Start Tandem when I log in". macOS and Windows have Electron's app.setLoginItemSettings; on
// Linux, where Electron has none, it is the freedesktop autostart entry every desktop reads:
// ~/.config/autostart/tandem.desktop, written when turned on and removed when turned off.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The part of Electron's app this uses. */
export interface LoginItemsApp {
  setLoginItemSettings(settings: { openAtLogin: boolean }): void;
}

export interface LoginItems {
  set(enabled: boolean): Promise<void>;
}

export function autostartFile(env: NodeJS.ProcessEnv): string {
  const config = env['XDG_CONFIG_HOME'] || join(env['HOME'] || homedir(), '.config');
  return join(config, 'autostart', 'tandem.desktop');
}

/** An Exec= value (Desktop Entry spec): quoted, with ", `, $ and \ escaped and % doubled. */
export function desktopExec(path: string): string {
  return `"${path.replace(/["`$\\]/gu, (c) => `\\${c}`).replace(/%/gu, '%%')}"`;
}

export function autostartEntry(executable: string): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Tandem',
    'Comment=Keeps your files the same on all your computers',
    `Exec=${desktopExec(executable)}`,
    'Icon=tandem',
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/**
 * The switch for this platform, or undefined where there is none (then Preferences says so).
 * On Linux the AppImage's own path ($APPIMAGE) is what must start, not the copy it unpacks to.
 */
export function loginItemsFor(platform: NodeJS.Platform, app: LoginItemsApp, env: NodeJS.ProcessEnv, execPath: string): LoginItems | undefined {
  if (platform === 'darwin' || platform === 'win32') {
    return { set: async (enabled) => app.setLoginItemSettings({ openAtLogin: enabled }) };
  }
  if (platform === 'linux') {
    const file = autostartFile(env);
    return {
      set: async (enabled) => {
        if (!enabled) return rm(file, { force: true });
        await mkdir(join(file, '..'), { recursive: true });
        await writeFile(file, autostartEntry(env['APPIMAGE'] || execPath));
      },
    };
  }
  return undefined;
}

// "Start Tandem when I log in" per platform: Electron's login item on macOS and Windows, and the
// freedesktop autostart entry on Linux, written and removed through the real App's preference.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../app/app.ts';
import { autostartFile, desktopExec, loginItemsFor } from './login-items.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-login-items-'));
  dirs.push(dir);
  return dir;
}

describe('start at login', () => {
  it('uses Electron’s login item on macOS and Windows', async () => {
    const calls: boolean[] = [];
    const app = { setLoginItemSettings: (settings: { openAtLogin: boolean }) => void calls.push(settings.openAtLogin) };
    await loginItemsFor('darwin', app, {}, '/Applications/Tandem.app/Contents/MacOS/Tandem')!.set(true);
    await loginItemsFor('win32', app, {}, 'C:\\Tandem\\Tandem.exe')!.set(false);
    expect(calls).toEqual([true, false]);
    expect(loginItemsFor('freebsd', app, {}, '/usr/bin/tandem')).toBeUndefined();
  });

  it('on Linux, the preference writes and removes the autostart entry that starts the AppImage', async () => {
    const config = tempDir();
    const env = { XDG_CONFIG_HOME: config, APPIMAGE: '/home/ada/Apps/Tandem 1.0.AppImage' };
    const stateDir = tempDir();
    const tandem = new App({
      version: '1.0.0',
      stateDir,
      keyring: 'tests never use the system keychain',
      loginItems: loginItemsFor('linux', { setLoginItemSettings: () => undefined }, env, '/tmp/.mount_Tandem/tandem'),
    });
    expect((await tandem.handlers['settings.get']({})).startAtLoginSupported).toBe(true);
    await tandem.handlers['settings.update']({ startAtLogin: true });
    const file = autostartFile(env);
    expect(file).toBe(join(config, 'autostart', 'tandem.desktop'));
    const entry = readFileSync(file, 'utf8');
    expect(entry).toContain('[Desktop Entry]\nType=Application\nName=Tandem\n');
    expect(entry).toContain('Exec="/home/ada/Apps/Tandem 1.0.AppImage"\n');
    await tandem.handlers['settings.update']({ startAtLogin: false });
    expect(existsSync(file)).toBe(false);
    await tandem.close();
  });

  it('quotes the program path as the Desktop Entry spec asks', () => {
    expect(desktopExec('/opt/Tandem/tandem')).toBe('"/opt/Tandem/tandem"');
    expect(desktopExec('/home/a"b/$x`y\\z 100%')).toBe('"/home/a\\"b/\\$x\\`y\\\\z 100%%"');
  });
});

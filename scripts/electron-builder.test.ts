// electron-builder.yml cannot be exercised here (no Electron binary, no network), so check what
// can be: electron-builder itself accepts it (its own loader and schema), the security fuses are
// set, and the files it names are where the app looks for them.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoDir = fileURLToPath(new URL('..', import.meta.url));
// app-builder-lib is electron-builder's engine (installed with it); it has no ES exports map.
const require = createRequire(import.meta.url);
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
  getConfig(projectDir: string, configPath: string | null, fromOptions: null): Promise<Record<string, unknown>>;
  validateConfiguration(config: unknown, logger: unknown): Promise<void>;
};
const { DebugLogger } = require('builder-util/out/DebugLogger.js') as { DebugLogger: new (enabled: boolean) => unknown };

type BuilderConfig = {
  /** electron-builder normalises the list to file sets. */
  files: { filter: string[] }[];
  electronFuses: Record<string, boolean>;
  mac: { entitlements: string; hardenedRuntime: boolean; target: string; icon: string };
  win: { target: string };
  linux: { target: string[] };
  publish: { provider: string; url: string };
  asar: boolean;
};

describe('electron-builder.yml', () => {
  it('is accepted by electron-builder, and a misspelt option would not be', async () => {
    const config = await getConfig(repoDir, null, null);
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    const misspelt = { ...config, electronFuses: { runAsNod: false } };
    await expect(validateConfiguration(misspelt, new DebugLogger(false))).rejects.toThrow(/electronFuses/);
  });

  it('flips the fuses that keep the packaged app from running anything but its own asar', async () => {
    const config = (await getConfig(repoDir, null, null)) as unknown as BuilderConfig;
    expect(config.asar).toBe(true);
    expect(config.electronFuses).toMatchObject({ runAsNode: false, enableEmbeddedAsarIntegrityValidation: true, onlyLoadAppFromAsar: true });
  });

  it('builds the installers the issue asks for, with a hardened runtime and a generic update feed', async () => {
    const config = (await getConfig(repoDir, null, null)) as unknown as BuilderConfig;
    expect(config.mac).toMatchObject({ target: 'dmg', hardenedRuntime: true });
    expect(config.win.target).toBe('nsis');
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.publish.provider).toBe('generic');
  });

  it('names files that exist, and ships what main.js loads at run time', async () => {
    const config = (await getConfig(repoDir, null, null)) as unknown as BuilderConfig;
    expect(existsSync(`${repoDir}${config.mac.entitlements}`)).toBe(true);
    expect(existsSync(`${repoDir}${config.mac.icon}`)).toBe(true);
    const main = (JSON.parse(readFileSync(`${repoDir}package.json`, 'utf8')) as { main: string }).main;
    expect(main).toBe('dist-electron/main.js');
    // main.js loads the preload from dist-electron/, the renderer from dist-renderer/, icons from assets/tray/.
    expect(config.files.flatMap((set) => set.filter)).toEqual(expect.arrayContaining(['package.json', 'dist-electron/**', 'dist-renderer/**', 'assets/tray/**']));
  });
});

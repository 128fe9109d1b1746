// What the tray shows and does for each app state, with Electron's Tray, Menu and nativeImage
// replaced by fakes; and that every icon it can ask for really is in assets/.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { App } from '../app/app.ts';
import { AppPhase, type AppState } from '../../src-shared/ipc/contract.ts';
import {
  iconStateFor,
  iconStyleFor,
  TRAY_ICON_STYLES,
  trayIconFile,
  type TrayActions,
  type TrayMenuItem,
  TrayService,
  trayView,
} from './tray.ts';

const assetsDir = fileURLToPath(new URL('../../assets/', import.meta.url));

function state(overrides: Partial<AppState> = {}): AppState {
  return {
    phase: 'up-to-date',
    summary: 'Up to date',
    paused: false,
    pausedUntil: null,
    version: '1.0.0',
    setUp: true,
    progress: null,
    conflictCount: 0,
    attentionCount: 0,
    folders: [],
    ...overrides,
  };
}

function recordingActions() {
  const calls: string[] = [];
  const actions: TrayActions = {
    showWindow: () => calls.push('show'),
    openFolder: (path) => calls.push(`open ${path}`),
    setPaused: (paused) => calls.push(`paused=${paused}`),
    quit: () => calls.push('quit'),
  };
  return { calls, actions };
}

const item = (menu: TrayMenuItem[], id: string) => {
  const found = menu.find((entry) => entry.id === id);
  if (!found) throw new Error(`no menu item ${id}`);
  return found;
};

describe('trayView', () => {
  it('has an icon file in assets/ for every phase and style, at 16 px and @2x', () => {
    for (const phase of AppPhase.options) {
      for (const style of TRAY_ICON_STYLES) {
        const file = trayIconFile(iconStateFor(phase), style);
        expect(existsSync(assetsDir + file), file).toBe(true);
        expect(existsSync(assetsDir + file.replace(/\.png$/, '@2x.png')), `${file} @2x`).toBe(true);
      }
    }
  });

  it('picks a different picture for each of the six states', () => {
    const phases = ['up-to-date', 'syncing', 'paused', 'offline', 'attention', 'error'] as const;
    const icons = phases.map((phase) => trayView(state({ phase }), 'onlight', recordingActions().actions).icon);
    expect(new Set(icons).size).toBe(6);
    expect(icons[1]).toBe('tray/tray-syncing-onlight.png');
  });

  it('shows "needs you" while no folder is set up', () => {
    expect(iconStateFor('setup')).toBe('attention');
  });

  it('uses template images on macOS and light or dark ink elsewhere', () => {
    expect(iconStyleFor('darwin', true)).toBe('template');
    expect(iconStyleFor('win32', true)).toBe('ondark');
    expect(iconStyleFor('linux', false)).toBe('onlight');
    expect(trayView(state(), 'template', recordingActions().actions)).toMatchObject({ icon: 'tray/tray-up-to-dateTemplate.png', template: true });
  });

  it('puts the status sentence first, disabled, and in the tooltip', () => {
    const view = trayView(state({ summary: 'Syncing 12 files' }), 'onlight', recordingActions().actions);
    expect(view.menu[0]).toMatchObject({ label: 'Syncing 12 files', enabled: false });
    expect(view.tooltip).toBe('Tandem — Syncing 12 files');
  });

  it('offers Show, Pause, Quit; Open folder only once there is one; Preferences says it is not there yet', () => {
    const { calls, actions } = recordingActions();
    const empty = trayView(state(), 'onlight', actions).menu;
    expect(item(empty, 'open-folder')).toMatchObject({ label: 'Open Tandem folder (none set up yet)', enabled: false });
    expect(item(empty, 'preferences')).toMatchObject({ label: 'Preferences… (not available yet)', enabled: false });
    item(empty, 'show').click?.();
    item(empty, 'pause').click?.();
    item(empty, 'quit').click?.();
    expect(item(empty, 'pause').label).toBe('Pause syncing');

    const withFolder = trayView(state({
        folders: [
          {
            id: 'f1',
            path: '/home/ada/Tandem',
            phase: 'up-to-date',
            summary: 'Up to date',
            server: 'http://nas.local:8750',
            user: 'ada',
            progress: null,
            pending: { uploads: 0, downloads: 0, other: 0 },
            lastSyncedAt: null,
            conflictCount: 0,
            attentionCount: 0,
          },
        ],
      }), 'onlight', actions).menu;
    item(withFolder, 'open-folder').click?.();
    expect(item(withFolder, 'open-folder').enabled).not.toBe(false);
    expect(calls).toEqual(['show', 'paused=true', 'quit', 'open /home/ada/Tandem']);
  });

  it('offers Resume while paused', () => {
    const { calls, actions } = recordingActions();
    const menu = trayView(state({ phase: 'paused', paused: true }), 'onlight', actions).menu;
    expect(item(menu, 'pause').label).toBe('Resume syncing');
    item(menu, 'pause').click?.();
    expect(calls).toEqual(['paused=false']);
  });
});

/** A fake Tray, nativeImage and Menu that record what the service did. */
function fakeElectron(platform: NodeJS.Platform = 'linux') {
  const images: { file: string; template: boolean }[] = [];
  const tooltips: string[] = [];
  const menus: TrayMenuItem[][] = [];
  let dark = false;
  const tray = {
    setImage: (image: { file: string; template: boolean }) => images.push(image),
    setToolTip: (tooltip: string) => tooltips.push(tooltip),
    setContextMenu: (menu: TrayMenuItem[] | null) => menu && menus.push(menu),
  };
  return {
    images,
    tooltips,
    menus,
    setDark: (value: boolean) => (dark = value),
    options: {
      tray,
      loadImage: (file: string, template: boolean) => ({ file, template }),
      buildMenu: (items: TrayMenuItem[]) => items,
      assetsDir: '/app/assets',
      platform,
      darkMenu: () => dark,
    },
  };
}

describe('TrayService', () => {
  it('follows the app: Pause from the menu pauses sync, and the tray then shows paused and Resume', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'tandem-tray-test-'));
    const app = new App({ version: '1.0.0', stateDir });
    const fake = fakeElectron();
    const service = new TrayService({
      ...fake.options,
      actions: { ...recordingActions().actions, setPaused: (paused) => void app.handlers['app.setPaused']({ paused }) },
    });
    app.onEvent((name, payload) => name === 'app.state' && service.render(payload));
    service.render(app.state());
    expect(fake.images.at(-1)).toEqual({ file: '/app/assets/tray/tray-attention-onlight.png', template: false });

    item(fake.menus.at(-1)!, 'pause').click?.();
    // The app saves the pause to its settings before it answers.
    await vi.waitFor(() => expect(app.state().paused).toBe(true));
    expect(app.state().paused).toBe(true);
    expect(fake.images.at(-1)?.file).toBe('/app/assets/tray/tray-paused-onlight.png');
    expect(item(fake.menus.at(-1)!, 'pause').label).toBe('Resume syncing');
    expect(fake.tooltips.at(-1)).toBe('Tandem — Paused — no folder set up yet');
    await app.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('swaps the image only when the picture changes, but always rebuilds the menu', () => {
    const fake = fakeElectron();
    const service = new TrayService({ ...fake.options, actions: recordingActions().actions });
    service.render(state({ summary: 'Up to date' }));
    service.render(state({ summary: 'Up to date, 3 files changed' }));
    expect(fake.images).toHaveLength(1);
    expect(fake.menus).toHaveLength(2);
    expect(fake.menus[1]![0]!.label).toBe('Up to date, 3 files changed');
  });

  it('switches to light ink when the menu bar turns dark', () => {
    const fake = fakeElectron('win32');
    const service = new TrayService({ ...fake.options, actions: recordingActions().actions });
    service.render(state());
    fake.setDark(true);
    service.refresh();
    expect(fake.images.map((image) => image.file)).toEqual(['/app/assets/tray/tray-up-to-date-onlight.png', '/app/assets/tray/tray-up-to-date-ondark.png']);
  });

  it('loads macOS icons as template images', () => {
    const fake = fakeElectron('darwin');
    new TrayService({ ...fake.options, actions: recordingActions().actions }).render(state({ phase: 'error', summary: 'Cannot reach the server' }));
    expect(fake.images).toEqual([{ file: '/app/assets/tray/tray-errorTemplate.png', template: true }]);
  });
});

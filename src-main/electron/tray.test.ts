// What the tray shows and does for each app state, with Electron's Tray, Menu and nativeImage
// replaced by fakes; and that every icon it can ask for really is in assets/.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { App } from '../app/app.ts';
import { AppPhase, type AppState, type FolderView } from '../../src-shared/ipc/contract.ts';
import {
  attentionIconFile,
  iconStateFor,
  iconStyleFor,
  TRAY_ICON_STYLES,
  trayIconFile,
  TOOLTIP_MAX,
  tooltipFor,
  SYNC_FRAME_MS,
  SYNC_FRAMES,
  syncingFrameFiles,
  type TrayActions,
  type TrayMenuItem,
  TrayService,
  type TrayTimers,
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
    showWindow: (screen) => calls.push(`show ${screen}`),
    openFolder: (path) => calls.push(`open ${path}`),
    pause: (duration) => calls.push(`pause ${duration}`),
    resume: () => calls.push('resume'),
    quit: () => calls.push('quit'),
  };
  return { calls, actions };
}

const folderView: FolderView = {
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
};

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
    // And every syncing frame and counted badge the service can switch to.
    for (const style of TRAY_ICON_STYLES) {
      const extra = [...syncingFrameFiles(style), ...Array.from({ length: 12 }, (_, count) => attentionIconFile(count, style))];
      for (const file of extra) {
        expect(existsSync(assetsDir + file), file).toBe(true);
        expect(existsSync(assetsDir + file.replace(/\.png$/, '@2x.png')), `${file} @2x`).toBe(true);
      }
    }
  });

  it('has distinct syncing frames, the plain syncing icon first', () => {
    const frames = syncingFrameFiles('ondark');
    expect(frames).toHaveLength(SYNC_FRAMES);
    expect(new Set(frames).size).toBe(SYNC_FRAMES);
    expect(frames[0]).toBe('tray/tray-syncing-ondark.png');
    expect(trayView(state({ phase: 'syncing' }), 'ondark', recordingActions().actions).frames).toEqual(frames);
    expect(trayView(state(), 'ondark', recordingActions().actions).frames).toEqual([]);
  });

  it('puts the count in the badge on Windows and Linux: 3 → "3", 12 → "9+", none → the plain bell', () => {
    const icon = (attentionCount: number, style: 'onlight' | 'ondark' | 'template') =>
      trayView(state({ phase: 'attention', conflictCount: attentionCount, attentionCount }), style, recordingActions().actions).icon;
    expect(icon(3, 'onlight')).toBe('tray/tray-attention-3-onlight.png');
    expect(icon(9, 'ondark')).toBe('tray/tray-attention-9-ondark.png');
    expect(icon(12, 'onlight')).toBe('tray/tray-attention-9plus-onlight.png');
    expect(icon(0, 'onlight')).toBe('tray/tray-attention-onlight.png');
    // macOS keeps the plain bell: the count is the title beside it.
    expect(icon(3, 'template')).toBe('tray/tray-attentionTemplate.png');
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

  it('has exactly the menu UI.md lists, in its order', () => {
    const labels = (menu: TrayMenuItem[]) => menu.filter((entry) => entry.type !== 'separator').map((entry) => entry.label);
    const upToDate = trayView(state({ folders: [folderView] }), 'onlight', recordingActions().actions).menu;
    expect(labels(upToDate)).toEqual(['Up to date', 'Open Tandem folder', 'Pause', 'Version history…', 'Preferences…', 'Quit Tandem']);
    expect(item(upToDate, 'pause').submenu?.map((entry) => entry.label)).toEqual(['For 30 minutes', 'For 1 hour', 'Until I resume']);

    const conflicts = trayView(state({ phase: 'attention', summary: '3 conflicts to resolve', conflictCount: 3, attentionCount: 3, folders: [folderView] }), 'onlight', recordingActions().actions).menu;
    expect(labels(conflicts)).toEqual(['3 conflicts to resolve', 'Open Tandem folder', 'Pause', 'Resolve conflicts… (3)', 'Version history…', 'Preferences…', 'Quit Tandem']);

    const paused = trayView(state({ phase: 'paused', summary: 'Paused until you resume', paused: true, folders: [folderView] }), 'onlight', recordingActions().actions).menu;
    expect(labels(paused)).toEqual(['Paused until you resume', 'Open Tandem folder', 'Resume', 'Version history…', 'Preferences…', 'Quit Tandem']);
  });

  it('each item does what it says', () => {
    const { calls, actions } = recordingActions();
    const menu = trayView(state({ phase: 'attention', conflictCount: 2, attentionCount: 2, folders: [folderView] }), 'onlight', actions).menu;
    item(menu, 'status').click?.();
    item(menu, 'open-folder').click?.();
    for (const entry of item(menu, 'pause').submenu ?? []) entry.click?.();
    item(menu, 'conflicts').click?.();
    item(menu, 'history').click?.();
    item(menu, 'preferences').click?.();
    item(menu, 'quit').click?.();
    item(trayView(state({ phase: 'paused', paused: true }), 'onlight', actions).menu, 'resume').click?.();
    expect(calls).toEqual([
      'show popover',
      'open /home/ada/Tandem',
      'pause 30m',
      'pause 1h',
      'pause untilResumed',
      'show conflicts',
      'show history',
      'show preferences',
      'quit',
      'resume',
    ]);
  });

  it('offers no folder and no history before a folder is set up', () => {
    const menu = trayView(state({ phase: 'setup', summary: 'No folder set up yet' }), 'onlight', recordingActions().actions).menu;
    expect(item(menu, 'open-folder').enabled).toBe(false);
    expect(item(menu, 'history').enabled).toBe(false);
    expect(item(menu, 'preferences').enabled).not.toBe(false);
    expect(menu.some((entry) => entry.id === 'conflicts')).toBe(false);
  });

  it('words the tooltip as UI.md does', () => {
    expect(tooltipFor(state())).toBe('Tandem — up to date');
    expect(tooltipFor(state({ phase: 'paused', paused: true, summary: 'Paused until 14:30' }))).toBe('Tandem — paused until 14:30');
    expect(tooltipFor(state({ phase: 'attention', summary: '2 conflicts to resolve' }))).toBe('Tandem — 2 conflicts to resolve');
    expect(tooltipFor(state({ phase: 'attention', summary: 'Tandem is waiting for your answer before deleting files' }))).toBe('Tandem is waiting for your answer before deleting files');
    const syncing = 'Syncing 12 files, 34 MB of 120 MB, about 2 min left';
    const progress = { filesDone: 3, filesTotal: 15, bytesDone: 34e6, bytesTotal: 120e6, secondsLeft: 120 };
    expect(tooltipFor(state({ phase: 'syncing', summary: syncing, progress }))).toBe(syncing);
    // Before there are numbers it is a state like the others.
    expect(tooltipFor(state({ phase: 'syncing', summary: 'Looking for changes' }))).toBe('Tandem — looking for changes');
    const long = tooltipFor(state({ phase: 'error', summary: `Cannot write ${'x'.repeat(300)}` }));
    expect(long).toHaveLength(TOOLTIP_MAX);
    expect(long.endsWith('…')).toBe(true);
  });

  it('puts the number that needs the person beside the icon only while it needs them', () => {
    const actions = recordingActions().actions;
    expect(trayView(state({ phase: 'attention', conflictCount: 2, attentionCount: 3 }), 'template', actions).title).toBe('3');
    expect(trayView(state({ phase: 'syncing', attentionCount: 1 }), 'template', actions).title).toBe('');
  });
});

/** A fake clock for the syncing animation: tick() runs what a real interval would after ms. */
function fakeTimers() {
  const running = new Map<number, { tick: () => void; ms: number }>();
  let next = 1;
  const timers: TrayTimers = {
    setInterval: (tick, ms) => {
      running.set(next, { tick, ms });
      return next++;
    },
    clearInterval: (handle) => running.delete(handle as number),
  };
  return {
    timers,
    running,
    advance: (ms: number) => {
      for (const timer of [...running.values()]) for (let t = timer.ms; t <= ms; t += timer.ms) timer.tick();
    },
  };
}

/** A fake Tray, nativeImage and Menu that record what the service did. */
function fakeElectron(platform: NodeJS.Platform = 'linux') {
  const images: { file: string; template: boolean }[] = [];
  const tooltips: string[] = [];
  const menus: TrayMenuItem[][] = [];
  const titles: string[] = [];
  let dark = false;
  const tray = {
    setTitle: (title: string) => titles.push(title),
    setImage: (image: { file: string; template: boolean }) => images.push(image),
    setToolTip: (tooltip: string) => tooltips.push(tooltip),
    setContextMenu: (menu: TrayMenuItem[] | null) => menu && menus.push(menu),
  };
  return {
    images,
    tooltips,
    menus,
    titles,
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
  it('follows the app: Pause from the menu pauses sync, the tray then shows paused, and Resume resumes', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'tandem-tray-test-'));
    const app = new App({ version: '1.0.0', stateDir });
    const fake = fakeElectron();
    const shown: string[] = [];
    app.onEvent((name, payload) => name === 'app.show' && shown.push(payload.screen));
    const service = new TrayService({
      ...fake.options,
      actions: {
        ...recordingActions().actions,
        showWindow: (screen) => app.show(screen),
        pause: (duration) => void app.handlers['app.pause']({ duration }),
        resume: () => void app.handlers['app.resume']({}),
      },
    });
    app.onEvent((name, payload) => name === 'app.state' && service.render(payload));
    service.render(app.state());
    expect(fake.images.at(-1)).toEqual({ file: '/app/assets/tray/tray-attention-onlight.png', template: false });

    item(item(fake.menus.at(-1)!, 'pause').submenu!, 'pause-untilResumed').click?.();
    // The app saves the pause to its settings before it answers.
    await vi.waitFor(() => expect(app.state().paused).toBe(true));
    expect(fake.images.at(-1)?.file).toBe('/app/assets/tray/tray-paused-onlight.png');
    expect(fake.tooltips.at(-1)).toBe('Tandem — paused — no folder set up yet');
    item(fake.menus.at(-1)!, 'resume').click?.();
    await vi.waitFor(() => expect(app.state().paused).toBe(false));
    expect(fake.images.at(-1)?.file).toBe('/app/assets/tray/tray-attention-onlight.png');
    expect(item(fake.menus.at(-1)!, 'pause').submenu).toHaveLength(3);

    // Preferences… asks the window to open that screen.
    item(fake.menus.at(-1)!, 'preferences').click?.();
    expect(shown).toEqual(['preferences']);
    await app.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('sets the count beside the icon when it changes, and clears it', () => {
    const fake = fakeElectron('darwin');
    const service = new TrayService({ ...fake.options, actions: recordingActions().actions });
    service.render(state({ phase: 'attention', conflictCount: 2, attentionCount: 2 }));
    service.render(state({ phase: 'attention', conflictCount: 2, attentionCount: 2 }));
    service.render(state());
    expect(fake.titles).toEqual(['2', '']);
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

  it('turns the syncing arrows gently while syncing, and stops when up to date', () => {
    const fake = fakeElectron();
    const clock = fakeTimers();
    const service = new TrayService({ ...fake.options, actions: recordingActions().actions, timers: clock.timers });
    const files = () => fake.images.map((image) => image.file.replace('/app/assets/tray/', ''));
    service.render(state({ phase: 'syncing', summary: 'Syncing 3 files' }));
    expect(files()).toEqual(['tray-syncing-onlight.png']);
    expect([...clock.running.values()].map((timer) => timer.ms)).toEqual([SYNC_FRAME_MS]);
    clock.advance(SYNC_FRAME_MS * 2);
    // Progress keeps arriving: the arrows carry on from where they are, on the same one timer.
    service.render(state({ phase: 'syncing', summary: 'Syncing 2 files' }));
    clock.advance(SYNC_FRAME_MS);
    expect(files()).toEqual(['tray-syncing-onlight.png', 'tray-syncing-f1-onlight.png', 'tray-syncing-f2-onlight.png', 'tray-syncing-f3-onlight.png']);
    expect(clock.running.size).toBe(1);
    // Round the turn and back to the first picture.
    clock.advance(SYNC_FRAME_MS * (SYNC_FRAMES - 3));
    expect(files().at(-1)).toBe('tray-syncing-onlight.png');

    service.render(state());
    expect(files().at(-1)).toBe('tray-up-to-date-onlight.png');
    expect(clock.running.size).toBe(0);
    const shown = fake.images.length;
    clock.advance(SYNC_FRAME_MS * 10);
    expect(fake.images).toHaveLength(shown);
  });

  it('leaves no timer behind once disposed while syncing', () => {
    const fake = fakeElectron('darwin');
    const clock = fakeTimers();
    const service = new TrayService({ ...fake.options, actions: recordingActions().actions, timers: clock.timers });
    service.render(state({ phase: 'syncing' }));
    clock.advance(SYNC_FRAME_MS);
    expect(fake.images.map((image) => image.file)).toEqual(['/app/assets/tray/tray-syncingTemplate.png', '/app/assets/tray/tray-syncing-f1Template.png']);
    service.dispose();
    expect(clock.running.size).toBe(0);
  });

  it('shows the count in the badge icon on Linux as it changes', () => {
    const fake = fakeElectron('linux');
    const service = new TrayService({ ...fake.options, actions: recordingActions().actions });
    service.render(state({ phase: 'attention', conflictCount: 3, attentionCount: 3 }));
    service.render(state({ phase: 'attention', conflictCount: 12, attentionCount: 12 }));
    expect(fake.images.map((image) => image.file)).toEqual(['/app/assets/tray/tray-attention-3-onlight.png', '/app/assets/tray/tray-attention-9plus-onlight.png']);
  });

  it('loads macOS icons as template images', () => {
    const fake = fakeElectron('darwin');
    new TrayService({ ...fake.options, actions: recordingActions().actions }).render(state({ phase: 'error', summary: 'Cannot reach the server' }));
    expect(fake.images).toEqual([{ file: '/app/assets/tray/tray-errorTemplate.png', template: true }]);
  });
});

// The main process's wiring, run under plain Node against a fake 'electron' module (vi.mock, so
// the real package, which would try to download its binary, is never loaded). Checks that one
// launch sets up the locked-down popover, the renderer scheme, the tray and the IPC bridge, that
// they work together, and that a second launch only hands over to the first.
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const repoDir = fileURLToPath(new URL('../../', import.meta.url));

/** Everything the fake Electron recorded; rebuilt before each test. */
function makeFakeElectron(gotLock: boolean) {
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const windows: FakeWindow[] = [];
  const trays: FakeTray[] = [];
  const ipcHandlers = new Map<string, (event: unknown, message: unknown) => Promise<unknown>>();
  const protocolHandlers = new Map<string, (request: Request) => Promise<Response>>();
  const privilegedSchemes: unknown[] = [];
  const permissionAnswers: boolean[] = [];

  class FakeWindow extends EventEmitter {
    readonly options: Record<string, unknown>;
    readonly loaded: string[] = [];
    readonly webContents = { id: 41, isDevToolsOpened: () => false, isDestroyed: () => false, send: vi.fn() };
    visible = false;
    constructor(options: Record<string, unknown>) {
      super();
      this.options = options;
      windows.push(this);
    }
    loadURL(url: string) {
      this.loaded.push(url);
      return Promise.resolve();
    }
    show() {
      this.visible = true;
    }
    hide() {
      this.visible = false;
    }
    focus() {}
    setPosition() {}
    isVisible() {
      return this.visible;
    }
    isDestroyed() {
      return false;
    }
  }
  class FakeTray extends EventEmitter {
    images: string[] = [];
    tooltip = '';
    menu: { id?: string; label?: string; click?: () => void }[] = [];
    destroyed = false;
    constructor(image: { path: string }) {
      super();
      this.images.push(image.path);
      trays.push(this);
    }
    setImage(image: { path: string }) {
      this.images.push(image.path);
    }
    setToolTip(tooltip: string) {
      this.tooltip = tooltip;
    }
    setContextMenu(menu: FakeTray['menu']) {
      this.menu = menu;
    }
    getBounds() {
      return { x: 0, y: 0, width: 0, height: 0 };
    }
    destroy() {
      this.destroyed = true;
    }
  }
  const app = Object.assign(new EventEmitter(), {
    requestSingleInstanceLock: vi.fn(() => gotLock),
    quit: vi.fn(),
    exit: vi.fn(),
    getVersion: () => '0.1.0-test',
    setLoginItemSettings: vi.fn(),
    getAppPath: () => repoDir,
    whenReady: () => ready,
    dock: { hide: vi.fn() },
    commandLine: { appendSwitch: vi.fn() },
  });
  const electron = {
    app,
    BrowserWindow: FakeWindow,
    Tray: FakeTray,
    Menu: { buildFromTemplate: (items: unknown[]) => items },
    nativeImage: { createFromPath: (path: string) => ({ path, setTemplateImage: () => undefined }) },
    nativeTheme: Object.assign(new EventEmitter(), { shouldUseDarkColors: false }),
    ipcMain: {
      handle: (channel: string, handler: (event: unknown, message: unknown) => Promise<unknown>) => ipcHandlers.set(channel, handler),
      removeHandler: (channel: string) => ipcHandlers.delete(channel),
    },
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => privilegedSchemes.push(...schemes),
      handle: (scheme: string, handler: (request: Request) => Promise<Response>) => protocolHandlers.set(scheme, handler),
    },
    screen: {
      getPrimaryDisplay: () => ({ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }),
      getDisplayNearestPoint: () => ({ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (handler: (c: unknown, p: string, cb: (granted: boolean) => void) => void) =>
          handler({}, 'media', (granted) => permissionAnswers.push(granted)),
        setPermissionCheckHandler: (handler: () => boolean) => permissionAnswers.push(handler()),
      },
    },
    shell: { openPath: vi.fn(async () => '') },
    Notification: Object.assign(
      class {
        readonly options: { title: string; body: string };
        constructor(options: { title: string; body: string }) {
          this.options = options;
        }
        on() {}
        show() {}
      },
      { isSupported: () => true },
    ),
    // No OS keychain here: the App falls back as it would on a desktop without one.
    safeStorage: {
      isEncryptionAvailable: () => false,
      encryptString: (plain: string) => Buffer.from(plain),
      decryptString: (sealed: Buffer) => sealed.toString(),
    },
  };
  return { electron, markReady, windows, trays, ipcHandlers, protocolHandlers, privilegedSchemes, permissionAnswers };
}

let fake: ReturnType<typeof makeFakeElectron>;

// electron-updater would load the real 'electron' and read app-update.yml: a fake autoUpdater instead.
vi.mock('electron-updater', () => ({
  default: {
    autoUpdater: {
      autoDownload: false,
      autoInstallOnAppQuit: false,
      setFeedURL: () => undefined,
      checkForUpdatesAndNotify: async () => null,
      on: () => undefined,
    },
  },
}));

// The factory runs once, so every export reads from whichever fake the current test made.
vi.mock('electron', () =>
  Object.fromEntries(
    ['app', 'BrowserWindow', 'Tray', 'Menu', 'nativeImage', 'nativeTheme', 'Notification', 'ipcMain', 'protocol', 'safeStorage', 'screen', 'session', 'shell'].map((name) => [
      name,
      new Proxy(function () {}, {
        get: (_target, key) => Reflect.get(fake.electron[name as keyof typeof fake.electron], key),
        construct: (_target, args) => Reflect.construct(fake.electron[name as keyof typeof fake.electron] as new (...a: unknown[]) => object, args),
      }),
    ]),
  ),
);

/** Loads main.ts afresh against the current fake, and lets 'ready' run. */
async function launch(gotLock: boolean) {
  fake = makeFakeElectron(gotLock);
  vi.resetModules();
  await import('./main.ts');
  fake.markReady();
  await new Promise((resolve) => setImmediate(resolve));
  return fake;
}

const listenersBefore = { uncaught: 0, rejection: 0 };
// main.ts opens the App in the default state folder: point it at a fresh one, never the user's.
let stateDir = '';
const stateDirBefore = process.env['TANDEM_STATE_DIR'];
beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'tandem-main-test-'));
  process.env['TANDEM_STATE_DIR'] = stateDir;
  listenersBefore.uncaught = process.listenerCount('uncaughtException');
  listenersBefore.rejection = process.listenerCount('unhandledRejection');
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => {
  // main.ts installs process-wide handlers; take them off again so they do not pile up.
  for (const listener of process.listeners('uncaughtException').slice(listenersBefore.uncaught)) process.off('uncaughtException', listener);
  for (const listener of process.listeners('unhandledRejection').slice(listenersBefore.rejection)) process.off('unhandledRejection', listener);
  vi.restoreAllMocks();
  if (stateDirBefore === undefined) delete process.env['TANDEM_STATE_DIR'];
  else process.env['TANDEM_STATE_DIR'] = stateDirBefore;
  rmSync(stateDir, { recursive: true, force: true });
});

describe('Electron main process', () => {
  it('a second launch hands over to the running one and sets nothing up', async () => {
    const { electron, windows, trays } = await launch(false);
    expect(electron.app.quit).toHaveBeenCalled();
    expect(windows).toHaveLength(0);
    expect(trays).toHaveLength(0);
  });

  it('sets up a locked-down popover on our scheme, with the preload that exists after a build', async () => {
    const { windows, privilegedSchemes, permissionAnswers, protocolHandlers } = await launch(true);
    expect(privilegedSchemes).toEqual([expect.objectContaining({ scheme: 'tandem-app' })]);
    // Renderers get the same small young generation as the engine, so an idle popover stays small.
    expect(fake.electron.app.commandLine.appendSwitch).toHaveBeenCalledWith('js-flags', '--max-semi-space-size=4');
    expect(windows).toHaveLength(1);
    const popover = windows[0]!;
    expect(popover.loaded).toEqual(['tandem-app://renderer/index.html']);
    expect(popover.options['webPreferences']).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(String((popover.options['webPreferences'] as { preload: string }).preload)).toBe(`${repoDir}dist-electron/preload.cjs`);
    expect(permissionAnswers).toEqual([false, false]);
    const response = await protocolHandlers.get('tandem-app')!(new Request('tandem-app://renderer/../package.json'));
    expect(response.status).toBe(404);
  });

  it('shows a tray icon that exists, and the tray, the app and the window stay in step', async () => {
    const { trays, ipcHandlers, windows, electron } = await launch(true);
    const tray = trays[0]!;
    const firstIcon = process.platform === 'darwin' ? 'tray-attentionTemplate.png' : 'tray-attention-onlight.png';
    expect(tray.images[0]).toBe(`${repoDir}assets/tray/${firstIcon}`);
    expect(existsSync(tray.images[0]!)).toBe(true);
    expect(tray.tooltip).toBe('Tandem — no folder set up yet');

    // The renderer pauses sync over IPC: the tray follows, and the window hears about it.
    const popover = windows[0]!;
    const fromPopover = { sender: { id: 41 }, senderFrame: { url: 'tandem-app://renderer/index.html', parent: null } };
    const answer = await ipcHandlers.get('tandem:request')!(fromPopover, { type: 'request', id: 1, name: 'app.setPaused', args: { paused: true } });
    expect(answer).toMatchObject({ ok: true, result: { paused: true } });
    expect(tray.images.at(-1)).toMatch(/tray-paused/);
    expect(popover.webContents.send).toHaveBeenCalledWith('tandem:event', expect.objectContaining({ name: 'app.state' }));

    // ...and Resume in the tray's menu resumes it.
    tray.menu.find((item) => item.id === 'resume')!.click!();
    // The app saves the change to its settings before the tray hears of it.
    await vi.waitFor(() => expect(tray.images.at(-1)).toMatch(/tray-attention/));

    // A stranger is refused.
    const stranger = { sender: { id: 99 }, senderFrame: { url: 'https://evil.example/', parent: null } };
    expect(await ipcHandlers.get('tandem:request')!(stranger, { type: 'request', id: 2, name: 'app.getState', args: {} })).toMatchObject({
      ok: false,
      error: { code: 'unauthorized' },
    });

    // Clicking the tray, or launching Tandem again, shows the popover; Quit quits.
    tray.emit('click');
    expect(popover.visible).toBe(true);
    popover.hide();
    electron.app.emit('second-instance');
    expect(popover.visible).toBe(true);
    // Preferences… in the menu shows the window on that screen.
    popover.hide();
    tray.menu.find((item) => item.id === 'preferences')!.click!();
    expect(popover.visible).toBe(true);
    expect(popover.webContents.send).toHaveBeenCalledWith('tandem:event', { type: 'event', name: 'app.show', payload: { screen: 'preferences' } });
    tray.menu.find((item) => item.id === 'quit')!.click!();
    expect(electron.app.quit).toHaveBeenCalled();
  });

  it('hides the popover on close while running, and really closes and cleans up when quitting', async () => {
    const { windows, trays, ipcHandlers, electron } = await launch(true);
    const popover = windows[0]!;
    let prevented = false;
    popover.emit('close', { preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);

    electron.app.emit('before-quit');
    prevented = false;
    popover.emit('close', { preventDefault: () => (prevented = true) });
    expect(prevented).toBe(false);
    // Quitting waits for the app to close (engines stopped, log written), then quits for real.
    const quit = { prevented: false, preventDefault: () => (quit.prevented = true) };
    electron.app.emit('will-quit', quit);
    expect(quit.prevented).toBe(true);
    expect(trays[0]!.destroyed).toBe(true);
    expect(ipcHandlers.size).toBe(0);
    await vi.waitFor(() => expect(electron.app.quit).toHaveBeenCalled());
    const again = { prevented: false, preventDefault: () => (again.prevented = true) };
    electron.app.emit('will-quit', again);
    expect(again.prevented).toBe(false);
    await vi.waitFor(async () => expect(await readFile(join(stateDir, 'logs', 'tandem.log'), 'utf8')).toMatch(/Tandem stopped\n$/));
  });
});

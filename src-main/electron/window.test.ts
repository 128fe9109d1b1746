// The popover's lock-down and placement, checked with fake web contents and sessions.
import type { BrowserWindowConstructorOptions } from 'electron';
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  type HardenableContents,
  createPopoverWindow,
  denyAllPermissions,
  hardenWebContents,
  popoverPosition,
  popoverWindowOptions,
  POPOVER_HEIGHT,
  POPOVER_WIDTH,
} from './window.ts';

/** A web contents whose events we can raise, and the window-open handler it was given. */
function fakeContents() {
  const emitter = new EventEmitter();
  let openHandler: ((details: { url: string }) => { action: string }) | undefined;
  const contents = {
    on: (name: string, listener: (...args: unknown[]) => void) => emitter.on(name, listener),
    setWindowOpenHandler: (handler: typeof openHandler) => (openHandler = handler),
  } as unknown as HardenableContents;
  const raise = (name: string, details: Record<string, unknown> = {}) => {
    let prevented = false;
    emitter.emit(name, { ...details, preventDefault: () => (prevented = true) });
    return prevented;
  };
  return { contents, raise, open: (url: string) => openHandler?.({ url }) };
}

describe('popover web contents', () => {
  it('stops every navigation, redirect and webview, and denies new windows', () => {
    const { contents, raise, open } = fakeContents();
    const logged: string[] = [];
    hardenWebContents(contents, (line) => logged.push(line));
    expect(raise('will-navigate', { url: 'https://evil.example/' })).toBe(true);
    expect(raise('will-frame-navigate', { url: 'https://evil.example/', isMainFrame: false })).toBe(true);
    expect(raise('will-redirect', { url: 'https://evil.example/' })).toBe(true);
    expect(raise('will-attach-webview')).toBe(true);
    expect(open('https://evil.example/popup')).toEqual({ action: 'deny' });
    expect(logged).toContain('window: blocked navigation to https://evil.example/');
    expect(logged).toContain('window: blocked a new window for https://evil.example/popup');
  });

  it('denies every permission request and check', () => {
    let requestHandler: ((c: unknown, p: string, cb: (granted: boolean) => void) => void) | undefined;
    let checkHandler: ((...args: unknown[]) => boolean) | undefined;
    denyAllPermissions({
      setPermissionRequestHandler: (handler: typeof requestHandler) => (requestHandler = handler),
      setPermissionCheckHandler: (handler: typeof checkHandler) => (checkHandler = handler),
    } as never);
    const answers: boolean[] = [];
    for (const permission of ['media', 'notifications', 'clipboard-read', 'geolocation', 'openExternal']) {
      requestHandler?.({}, permission, (granted) => answers.push(granted));
    }
    expect(answers).toEqual([false, false, false, false, false]);
    expect(checkHandler?.({}, 'clipboard-read', 'tandem-app://renderer', {})).toBe(false);
  });

  it('isolates and sandboxes the page, without Node or webviews', () => {
    const options = popoverWindowOptions('/app/dist-electron/preload.cjs');
    expect(options.webPreferences).toMatchObject({
      preload: '/app/dist-electron/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect([options.width, options.height]).toEqual([360, 480]);
    expect(options.frame).toBe(false);
    expect(options.show).toBe(false);
  });
});

describe('popover window', () => {
  function fakeBrowserWindow() {
    const created: { options: BrowserWindowConstructorOptions; loaded: string[]; hidden: number; emitter: EventEmitter }[] = [];
    class FakeWindow extends EventEmitter {
      readonly record;
      readonly webContents = { isDevToolsOpened: () => false };
      constructor(options: BrowserWindowConstructorOptions) {
        super();
        this.record = { options, loaded: [] as string[], hidden: 0, emitter: this as EventEmitter };
        created.push(this.record);
      }
      loadURL(url: string) {
        this.record.loaded.push(url);
        return Promise.resolve();
      }
      visible = false;
      hide() {
        this.record.hidden++;
        this.visible = false;
      }
      isVisible() {
        return this.visible;
      }
    }
    return { FakeWindow, created };
  }

  it('loads the renderer, hides on blur, and hides instead of closing until the app quits', () => {
    const { FakeWindow, created } = fakeBrowserWindow();
    let quitting = false;
    createPopoverWindow({
      BrowserWindow: FakeWindow as never,
      preloadPath: '/p.cjs',
      entryUrl: 'tandem-app://renderer/index.html',
      isQuitting: () => quitting,
    });
    const window = created[0]!;
    expect(window.loaded).toEqual(['tandem-app://renderer/index.html']);
    window.emitter.emit('blur');
    expect(window.hidden).toBe(1);

    let prevented = false;
    window.emitter.emit('close', { preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
    expect(window.hidden).toBe(2);

    quitting = true;
    prevented = false;
    window.emitter.emit('close', { preventDefault: () => (prevented = true) });
    expect(prevented).toBe(false);
  });
});

describe('tray clicks', () => {
  function popoverAt(clock: { now: number }) {
    const shown: number[] = [];
    class Window extends EventEmitter {
      visible = false;
      readonly webContents = { isDevToolsOpened: () => false };
      loadURL = () => Promise.resolve();
      hide = () => void (this.visible = false);
      isVisible = () => this.visible;
    }
    const popover = createPopoverWindow(
      { BrowserWindow: Window as never, preloadPath: '/p.cjs', entryUrl: 'tandem-app://renderer/index.html', isQuitting: () => false },
      () => clock.now,
    );
    const window = popover.window as unknown as Window;
    const show = () => {
      shown.push(clock.now);
      window.visible = true;
    };
    return { popover, window, show, shown };
  }

  it('open the popover, and close it when it is open', () => {
    const clock = { now: 1000 };
    const { popover, window, show, shown } = popoverAt(clock);
    popover.toggle(show);
    expect(window.visible).toBe(true);
    popover.toggle(show);
    expect(window.visible).toBe(false);
    expect(shown).toEqual([1000]);
  });

  it('close it when the click arrives just after the click blurred it, instead of reopening it', () => {
    const clock = { now: 1000 };
    const { popover, window, show, shown } = popoverAt(clock);
    popover.toggle(show);
    clock.now = 5000;
    window.emit('blur');
    clock.now = 5000 + 40;
    popover.toggle(show);
    expect(window.visible).toBe(false);
    // A later click opens it again.
    clock.now = 7000;
    popover.toggle(show);
    expect(window.visible).toBe(true);
    expect(shown).toEqual([1000, 7000]);
  });
});

describe('popoverPosition', () => {
  const screen = { x: 0, y: 0, width: 1920, height: 1080 };

  it('sits centred under a tray icon in a top menu bar (macOS, GNOME)', () => {
    const work = { x: 0, y: 25, width: 1920, height: 1055 };
    // Just below the menu bar: the work area starts at 25, plus the 8 px margin.
    expect(popoverPosition({ x: 1500, y: 0, width: 22, height: 22 }, work)).toEqual({ x: 1500 + 11 - POPOVER_WIDTH / 2, y: 33 });
  });

  it('sits above a tray icon in a bottom taskbar (Windows), kept inside the screen', () => {
    const work = { x: 0, y: 0, width: 1920, height: 1040 };
    const { x, y } = popoverPosition({ x: 1900, y: 1045, width: 24, height: 30 }, work);
    expect(x).toBe(1920 - POPOVER_WIDTH - 8);
    expect(y).toBe(1040 - POPOVER_HEIGHT - 8);
  });

  it('falls back to the top-right corner when the tray reports no bounds (many Linux trays)', () => {
    expect(popoverPosition({ x: 0, y: 0, width: 0, height: 0 }, screen)).toEqual({ x: 1920 - POPOVER_WIDTH - 8, y: 8 });
  });
});

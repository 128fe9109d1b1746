// The popover: a small frameless window (about 360 × 480) near the tray icon that shows the
// renderer. Its web contents are locked down: context isolation, sandbox, no Node, web security
// on, no webviews, no navigation, no new windows, every permission request denied.
// Electron's classes are injected (types only here), so the policy is tested under plain Node.
import type {
  BrowserWindow,
  BrowserWindowConstructorOptions,
  Rectangle,
  Session,
  WebContents,
} from 'electron';

export const POPOVER_WIDTH = 360;
export const POPOVER_HEIGHT = 480;

export function popoverWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: POPOVER_WIDTH,
    height: POPOVER_HEIGHT,
    show: false,
    frame: false,
    resizable: false,
    movable: false,
    minimizable: false,
    maximizable: false,
    fullscreenable: false,
    skipTaskbar: true,
    alwaysOnTop: true,
    title: 'Tandem',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  };
}

/**
 * Where the popover goes: centred under (or, for a bottom taskbar, above) the tray icon, kept on
 * screen. Linux trays often report empty bounds, so then it sits in the work area's top-right.
 */
export function popoverPosition(
  tray: Rectangle,
  workArea: Rectangle,
  size: { width: number; height: number } = { width: POPOVER_WIDTH, height: POPOVER_HEIGHT },
): { x: number; y: number } {
  const margin = 8;
  const clamp = (value: number, min: number, max: number) => Math.max(min, Math.min(value, max));
  const maxX = workArea.x + workArea.width - size.width - margin;
  const maxY = workArea.y + workArea.height - size.height - margin;
  if (tray.width === 0 || tray.height === 0) return { x: maxX, y: workArea.y + margin };
  const x = clamp(Math.round(tray.x + tray.width / 2 - size.width / 2), workArea.x + margin, maxX);
  const trayInLowerHalf = tray.y + tray.height / 2 > workArea.y + workArea.height / 2;
  const y = trayInLowerHalf ? tray.y - size.height - margin : tray.y + tray.height + margin;
  return { x, y: clamp(y, workArea.y + margin, maxY) };
}

/** The WebContents events and calls the lock-down uses. */
export type HardenableContents = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

/**
 * No page of ours ever navigates or opens windows: the renderer is one page. Anything that tries
 * (a stray link, injected script) is stopped here, and so is any <webview>.
 */
export function hardenWebContents(contents: HardenableContents, log: (line: string) => void): void {
  contents.on('will-navigate', (event) => {
    event.preventDefault();
    log(`window: blocked navigation to ${event.url}`);
  });
  // The same for subframes. Our own loadURL() does not raise these events, so it is unaffected.
  contents.on('will-frame-navigate', (event) => {
    event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log('window: blocked a webview');
  });
  contents.setWindowOpenHandler((details) => {
    log(`window: blocked a new window for ${details.url}`);
    return { action: 'deny' };
  });
}

/** Our UI needs no camera, notifications from the page, clipboard reads, … : say no to all. */
export function denyAllPermissions(session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'>): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

export interface PopoverOptions {
  /** Electron's BrowserWindow class, injected. */
  BrowserWindow: new (options: BrowserWindowConstructorOptions) => BrowserWindow;
  preloadPath: string;
  entryUrl: string;
  /** True once the app is quitting: then closing really closes instead of hiding. */
  isQuitting: () => boolean;
}

/**
 * Clicking the tray icon while the popover is open first blurs the popover (hiding it) and only
 * then delivers the click, which would show it again at once. A click this soon after a
 * blur-hide means "close it", so it is ignored.
 */
export const BLUR_CLICK_GRACE_MS = 300;

export interface Popover {
  window: BrowserWindow;
  /** Shows or hides the popover in answer to a tray click; `show` positions and shows it. */
  toggle(show: () => void): void;
}

/** Creates the popover (hidden) and starts loading the renderer. */
export function createPopoverWindow(options: PopoverOptions, now: () => number = Date.now): Popover {
  const window = new options.BrowserWindow(popoverWindowOptions(options.preloadPath));
  let hiddenByBlurAt = Number.NEGATIVE_INFINITY;
  // A popover goes away when it loses focus, and closing it only hides it: the app lives in the tray.
  window.on('blur', () => {
    if (window.webContents.isDevToolsOpened()) return;
    window.hide();
    hiddenByBlurAt = now();
  });
  window.on('close', (event) => {
    if (!options.isQuitting()) {
      event.preventDefault();
      window.hide();
    }
  });
  void window.loadURL(options.entryUrl);
  return {
    window,
    toggle(show) {
      if (window.isVisible()) window.hide();
      else if (now() - hiddenByBlurAt > BLUR_CLICK_GRACE_MS) show();
    },
  };
}

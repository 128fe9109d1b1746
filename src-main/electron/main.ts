// Electron's main process: the tray app. It wires one App (src-main/app) to the tray, the
// popover window and the IPC bridge, and keeps itself to one running instance. Everything with
// logic lives in the modules it imports, which are tested under plain Node; this file only
// connects Electron's objects to them.
import { app, BrowserWindow, ipcMain, Menu, nativeImage, nativeTheme, Notification, protocol, safeStorage, screen, session, shell, Tray } from 'electron';
import electronUpdater from 'electron-updater';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { App } from '../app/app.ts';
import { defaultStateDir } from '../app/paths.ts';
import { installIpcBridge } from './ipc-bridge.ts';
import { loginItemsFor } from './login-items.ts';
import { showDesktopNotifications } from './notifications.ts';
import { RENDERER_ENTRY_URL, RENDERER_SCHEME, RENDERER_SCHEME_PRIVILEGES, serveRendererRequest } from './renderer-protocol.ts';
import { TrayService, iconStateFor, iconStyleFor, trayIconFile, type TrayScreen } from './tray.ts';
import { UpdateChecker } from './updater.ts';
import { createPopoverWindow, denyAllPermissions, hardenWebContents, popoverPosition } from './window.ts';

/** How long quitting waits for the engines to stop. */
const QUIT_GRACE_MS = 5_000;

/** Where the shell's lines go besides stdout: the app's log, once the App exists. */
let logSink: ((line: string) => void) | undefined;

function log(line: string): void {
  process.stdout.write(`tandem: ${line}\n`);
  logSink?.(line);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// Electron would show a dialog with a stack trace; we log one line instead.
process.on('uncaughtException', (error) => log(`unexpected error: ${messageOf(error)}`));
process.on('unhandledRejection', (error) => log(`unexpected error: ${messageOf(error)}`));

// A 4 MB young-generation semi-space, as bin/tandem.js gives the engine (V8 otherwise lets it grow
// to tens of MB it never fills again). Appended here it reaches the renderer processes; Electron
// reads --js-flags for the main process only from the launch command line.
app.commandLine.appendSwitch('js-flags', '--max-semi-space-size=4');

// Must happen before 'ready'.
protocol.registerSchemesAsPrivileged([RENDERER_SCHEME_PRIVILEGES]);

if (!app.requestSingleInstanceLock()) {
  // Another Tandem is running; it gets a 'second-instance' event and shows its popover.
  app.quit();
} else {
  startTrayApp();
}

function startTrayApp(): void {
  // The same state directory as `tandem ui`, so both shells see the same folders and settings.
  // safeStorage seals the saved sign-in with a key the OS keychain holds (read after 'ready', when App starts).
  const tandem = new App({
    version: app.getVersion(),
    stateDir: defaultStateDir(process.env),
    cipher: safeStorage,
    openPath: (path) => shell.openPath(path),
    loginItems: loginItemsFor(process.platform, app, process.env, process.execPath),
    updates: true,
  });
  logSink = (line) => tandem.log.write(line);
  let quitting = false;
  let popover: BrowserWindow | undefined;
  let tray: Tray | undefined;
  let stopTray: (() => void) | undefined;
  let disposeBridge: (() => void) | undefined;

  const showPopover = () => {
    if (!popover || popover.isDestroyed()) return;
    const trayBounds = tray?.getBounds() ?? { x: 0, y: 0, width: 0, height: 0 };
    const display = trayBounds.width > 0 ? screen.getDisplayNearestPoint(trayBounds) : screen.getPrimaryDisplay();
    const { x, y } = popoverPosition(trayBounds, display.workArea);
    popover.setPosition(x, y);
    popover.show();
    popover.focus();
  };

  /** Shows the window on a screen: the popover, or a dialog the tray menu or a notification asked for. */
  const showScreen = (screen: TrayScreen) => {
    tandem.show(screen);
    showPopover();
  };
  let stopNotifications: (() => void) | undefined;
  // Looks for new versions at the address set in Preferences (none set: never looks).
  const updates = new UpdateChecker({
    autoUpdater: electronUpdater.autoUpdater,
    updateUrl: async () => (await tandem.handlers['settings.get']({})).updateUrl,
    log,
  });

  app.on('second-instance', showPopover);
  // Every web contents, present or future, gets the same lock-down.
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, log));
  // A tray app outlives its windows; only Quit ends it.
  app.on('window-all-closed', () => undefined);
  app.on('before-quit', () => {
    quitting = true;
  });
  let closedApp = false;
  app.on('will-quit', (event) => {
    disposeBridge?.();
    stopNotifications?.();
    updates.stop();
    stopTray?.();
    tray?.destroy();
    if (closedApp) return;
    // Let the engines finish their current step and the activity list and log reach the disk
    // first; a close that hangs does not keep Tandem from quitting for more than a few seconds.
    event.preventDefault();
    const giveUp = new Promise<void>((resolve) => setTimeout(resolve, QUIT_GRACE_MS).unref());
    void Promise.race([tandem.close().catch((error: unknown) => log(`could not close cleanly: ${messageOf(error)}`)), giveUp]).finally(() => {
      closedApp = true;
      app.quit();
    });
  });

  app
    .whenReady()
    .then(() => {
      if (process.platform === 'darwin') app.dock?.hide();
      const appDir = app.getAppPath();
      const assetsDir = join(appDir, 'assets');
      const rendererDir = join(appDir, 'dist-renderer');

      protocol.handle(RENDERER_SCHEME, (request) => serveRendererRequest(request, rendererDir, readFile));
      denyAllPermissions(session.defaultSession);

      const created = createPopoverWindow({
        BrowserWindow,
        preloadPath: join(appDir, 'dist-electron', 'preload.cjs'),
        entryUrl: RENDERER_ENTRY_URL,
        isQuitting: () => quitting,
      });
      popover = created.window;
      disposeBridge = installIpcBridge({
        ipcMain,
        app: tandem,
        trusted: () => ({
          webContentsId: popover && !popover.isDestroyed() ? popover.webContents.id : undefined,
          entryUrl: RENDERER_ENTRY_URL,
        }),
        target: () => (popover && !popover.isDestroyed() ? popover.webContents : undefined),
        log,
      });

      const loadImage = (file: string, template: boolean) => {
        const image = nativeImage.createFromPath(file);
        image.setTemplateImage(template);
        return image;
      };
      const darkMenu = () => nativeTheme.shouldUseDarkColors;
      const initial = tandem.state();
      const firstIcon = trayIconFile(iconStateFor(initial.phase), iconStyleFor(process.platform, darkMenu()));
      tray = new Tray(loadImage(join(assetsDir, firstIcon), process.platform === 'darwin'));
      const trayService = new TrayService({
        tray,
        loadImage,
        buildMenu: (items) => Menu.buildFromTemplate(items),
        assetsDir,
        platform: process.platform,
        darkMenu,
        actions: {
          showWindow: showScreen,
          openFolder: (path) => {
            void shell.openPath(path).then((problem) => problem && log(`could not open ${path}: ${problem}`));
          },
          pause: (duration) => {
            tandem.handlers['app.pause']({ duration }).catch((error: unknown) => log(`could not pause: ${messageOf(error)}`));
          },
          resume: () => {
            tandem.handlers['app.resume']({}).catch((error: unknown) => log(`could not resume: ${messageOf(error)}`));
          },
          quit: () => app.quit(),
        },
      });
      stopTray = () => trayService.dispose();
      trayService.render(initial);
      tandem.onEvent((name, payload) => {
        if (name !== 'app.state') return;
        // The tray is a view: if it fails to update, the app's change has still happened.
        try {
          trayService.render(payload);
        } catch (error) {
          log(`could not update the tray: ${messageOf(error)}`);
        }
      });
      nativeTheme.on('updated', () => trayService.refresh());
      stopNotifications = showDesktopNotifications({ app: tandem, Notification, showWindow: showScreen, log });
      updates.start();
      tray.on('click', () => created.toggle(showPopover));
    })
    .catch((error: unknown) => {
      log(`could not start: ${messageOf(error)}`);
      app.exit(1);
    });
}

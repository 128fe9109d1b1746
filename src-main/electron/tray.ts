// The tray icon as a small service, after Signal Desktop's: one render function rebuilds the
// icon, the tooltip and the menu from the app's state. Electron's Tray, Menu and nativeImage are
// injected, so what the tray shows for each state is tested under plain Node with fakes.
import { join } from 'node:path';
import type { AppPhase, AppState } from '../../src-shared/ipc/contract.ts';

/** The six pictures the tray can show (UI.md, "The tray icon"). */
export const TRAY_ICON_STATES = ['up-to-date', 'syncing', 'paused', 'offline', 'attention', 'error'] as const;
export type TrayIconState = (typeof TRAY_ICON_STATES)[number];

/**
 * How the picture is drawn: a macOS template image (black + alpha; macOS tints it), or a
 * coloured icon drawn to sit on a light or on a dark menu bar / taskbar.
 */
export const TRAY_ICON_STYLES = ['template', 'onlight', 'ondark'] as const;
export type TrayIconStyle = (typeof TRAY_ICON_STYLES)[number];

export function iconStateFor(phase: AppPhase): TrayIconState {
  switch (phase) {
    // No folder yet: the user has something to do, which is what the "needs you" badge says.
    case 'setup':
      return 'attention';
    default:
      return phase;
  }
}

export function iconStyleFor(platform: NodeJS.Platform, darkMenu: boolean): TrayIconStyle {
  if (platform === 'darwin') return 'template';
  return darkMenu ? 'ondark' : 'onlight';
}

/**
 * The 16 px file, relative to assets/. The 32 px one sits beside it with "@2x" before ".png",
 * which is where Electron's nativeImage looks for it on high-density screens.
 */
export function trayIconFile(state: TrayIconState, style: TrayIconStyle): string {
  return style === 'template' ? `tray/tray-${state}Template.png` : `tray/tray-${state}-${style}.png`;
}

/** A menu entry: the subset of Electron's MenuItemConstructorOptions we use. */
export interface TrayMenuItem {
  id?: string;
  label?: string;
  type?: 'normal' | 'separator';
  enabled?: boolean;
  click?: () => void;
}

export interface TrayActions {
  showWindow(): void;
  openFolder(path: string): void;
  setPaused(paused: boolean): void;
  quit(): void;
}

export interface TrayView {
  /** Relative to assets/. */
  icon: string;
  template: boolean;
  tooltip: string;
  menu: TrayMenuItem[];
}

/** Everything the tray shows for one state. Pure. */
export function trayView(state: AppState, style: TrayIconStyle, actions: TrayActions): TrayView {
  const folder = state.folders[0];
  const separator: TrayMenuItem = { type: 'separator' };
  const menu: TrayMenuItem[] = [
    { id: 'status', label: state.summary, enabled: false },
    separator,
    { id: 'show', label: 'Show Tandem', click: () => actions.showWindow() },
    folder
      ? { id: 'open-folder', label: 'Open Tandem folder', click: () => actions.openFolder(folder.path) }
      : { id: 'open-folder', label: 'Open Tandem folder (none set up yet)', enabled: false },
    state.paused
      ? { id: 'pause', label: 'Resume syncing', click: () => actions.setPaused(false) }
      : { id: 'pause', label: 'Pause syncing', click: () => actions.setPaused(true) },
    separator,
    // Preferences arrive with the app's settings (issue 5); until then the item says so.
    { id: 'preferences', label: 'Preferences… (not available yet)', enabled: false },
    separator,
    { id: 'quit', label: 'Quit Tandem', click: () => actions.quit() },
  ];
  return {
    icon: trayIconFile(iconStateFor(state.phase), style),
    template: style === 'template',
    tooltip: `Tandem — ${state.summary}`,
    menu,
  };
}

/** The parts of Electron's Tray the service drives. */
export interface TrayHandle<Image, Menu> {
  setImage(image: Image): void;
  setToolTip(tooltip: string): void;
  setContextMenu(menu: Menu | null): void;
}

export interface TrayServiceOptions<Image, Menu> {
  tray: TrayHandle<Image, Menu>;
  /** nativeImage.createFromPath, marking template images as such. */
  loadImage(file: string, template: boolean): Image;
  /** Menu.buildFromTemplate. */
  buildMenu(items: TrayMenuItem[]): Menu;
  assetsDir: string;
  platform: NodeJS.Platform;
  /** Asked on every render, so a theme switch shows on the next one. */
  darkMenu: () => boolean;
  actions: TrayActions;
}

export class TrayService<Image, Menu> {
  private readonly options: TrayServiceOptions<Image, Menu>;
  private shownIcon: string | undefined;
  private lastState: AppState | undefined;

  constructor(options: TrayServiceOptions<Image, Menu>) {
    this.options = options;
  }

  /** Rebuilds icon, tooltip and menu for this state. The image is only swapped when it changes. */
  render(state: AppState): void {
    this.lastState = state;
    const { options } = this;
    const view = trayView(state, iconStyleFor(options.platform, options.darkMenu()), options.actions);
    const iconPath = join(options.assetsDir, view.icon);
    if (iconPath !== this.shownIcon) {
      options.tray.setImage(options.loadImage(iconPath, view.template));
      this.shownIcon = iconPath;
    }
    options.tray.setToolTip(view.tooltip);
    options.tray.setContextMenu(options.buildMenu(view.menu));
  }

  /** Renders the last state again, e.g. after the menu bar switched between light and dark. */
  refresh(): void {
    if (this.lastState) this.render(this.lastState);
  }
}

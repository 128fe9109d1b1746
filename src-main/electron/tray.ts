// The tray icon as a small service, after Signal Desktop's: one render function rebuilds the
// icon, the tooltip and the menu from the app's state. Electron's Tray, Menu and nativeImage are
// injected, so what the tray shows for each state is tested under plain Node with fakes.
import { join } from 'node:path';
import type { AppPhase, AppState, PauseDuration, ShowScreen } from '../../src-shared/ipc/contract.ts';

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
 * which is where Electron's nativeImage looks for it on high-density screens. detail picks a
 * variant of the picture that scripts/make-tray-icons.ts draws: a syncing frame ("f2") or a
 * badge count ("3", "9plus").
 */
export function trayIconFile(state: TrayIconState, style: TrayIconStyle, detail = ''): string {
  const name = detail ? `${state}-${detail}` : state;
  return style === 'template' ? `tray/tray-${name}Template.png` : `tray/tray-${name}-${style}.png`;
}

/** Pictures in one turn of the syncing arrows (as many as scripts/make-tray-icons.ts draws). */
export const SYNC_FRAMES = 6;
/** How long each syncing picture shows: slow enough to read as calm, not as a busy spinner. */
export const SYNC_FRAME_MS = 200;

/** The syncing pictures in order; frame 0 is the plain syncing icon. */
export function syncingFrameFiles(style: TrayIconStyle): string[] {
  return Array.from({ length: SYNC_FRAMES }, (_, frame) => trayIconFile('syncing', style, frame === 0 ? '' : `f${frame}`));
}

/**
 * The "needs you" picture for this many things: on Windows and Linux the count sits in the
 * badge (1–9, then "9+"), since their trays show no text beside the icon; macOS shows the count
 * as the tray title and keeps the plain bell. No count (e.g. no folder yet) → the plain bell.
 */
export function attentionIconFile(count: number, style: TrayIconStyle): string {
  if (style === 'template' || count < 1) return trayIconFile('attention', style);
  return trayIconFile('attention', style, count > 9 ? '9plus' : String(Math.floor(count)));
}

/** A menu entry: the subset of Electron's MenuItemConstructorOptions we use. */
export interface TrayMenuItem {
  id?: string;
  label?: string;
  type?: 'normal' | 'separator' | 'submenu';
  enabled?: boolean;
  submenu?: TrayMenuItem[];
  click?: () => void;
}

/** A screen the window can be asked to show (the contract's app.show). */
export type TrayScreen = ShowScreen['screen'];

export interface TrayActions {
  /** Shows the window, on the popover or on one of its dialogs. */
  showWindow(screen: TrayScreen): void;
  openFolder(path: string): void;
  pause(duration: PauseDuration): void;
  resume(): void;
  quit(): void;
}

export interface TrayView {
  /** Relative to assets/. */
  icon: string;
  /** While syncing: the pictures to cycle through (icon is the first); otherwise empty. */
  frames: string[];
  template: boolean;
  tooltip: string;
  /** Beside the icon (macOS menu bar only): how many things need the person, or ''. */
  title: string;
  menu: TrayMenuItem[];
}

/** Windows cuts tray tooltips at 127 characters; cut them ourselves, with an ellipsis. */
export const TOOLTIP_MAX = 127;

/**
 * UI.md's tooltip: "Syncing 12 files, 34 MB of 120 MB, about 2 min left" while transferring (the
 * numbers are the news), otherwise "Tandem — up to date": the app's name, then its state.
 */
export function tooltipFor(state: AppState): string {
  const progressing = state.phase === 'syncing' && state.progress !== null && state.progress.filesTotal > 0;
  const summary = state.summary.replace(/\.$/u, '');
  let text: string;
  if (progressing || summary.startsWith('Tandem ')) text = summary;
  // "Up to date" reads as part of the sentence; keep capitals that start a name ("OK", "NAS").
  else text = `Tandem — ${/^[A-Z][a-z]/u.test(summary) ? summary[0]!.toLowerCase() + summary.slice(1) : summary}`;
  return text.length > TOOLTIP_MAX ? `${text.slice(0, TOOLTIP_MAX - 1)}…` : text;
}

/** Everything the tray shows for one state. Pure. */
export function trayView(state: AppState, style: TrayIconStyle, actions: TrayActions): TrayView {
  const folder = state.folders[0];
  const separator: TrayMenuItem = { type: 'separator' };
  const menu: TrayMenuItem[] = [
    // The status line. Clicking it shows the popover: tray icon clicks are unreliable on Linux,
    // so the menu must always lead to the window (Signal Desktop does the same with "Show").
    { id: 'status', label: state.summary, click: () => actions.showWindow('popover') },
    separator,
    folder
      ? { id: 'open-folder', label: 'Open Tandem folder', click: () => actions.openFolder(folder.path) }
      : { id: 'open-folder', label: 'Open Tandem folder', enabled: false },
    state.paused
      ? { id: 'resume', label: 'Resume', click: () => actions.resume() }
      : {
          id: 'pause',
          label: 'Pause',
          type: 'submenu',
          submenu: [
            { id: 'pause-30m', label: 'For 30 minutes', click: () => actions.pause('30m') },
            { id: 'pause-1h', label: 'For 1 hour', click: () => actions.pause('1h') },
            { id: 'pause-untilResumed', label: 'Until I resume', click: () => actions.pause('untilResumed') },
          ],
        },
    separator,
    // Only when there is something to resolve (UI.md).
    ...(state.conflictCount > 0 ? [{ id: 'conflicts', label: `Resolve conflicts… (${state.conflictCount})`, click: () => actions.showWindow('conflicts') }] : []),
    folder
      ? { id: 'history', label: 'Version history…', click: () => actions.showWindow('history') }
      : { id: 'history', label: 'Version history…', enabled: false },
    { id: 'preferences', label: 'Preferences…', click: () => actions.showWindow('preferences') },
    separator,
    { id: 'quit', label: 'Quit Tandem', click: () => actions.quit() },
  ];
  const needsYou = state.phase === 'attention' ? state.attentionCount : 0;
  const iconState = iconStateFor(state.phase);
  const frames = iconState === 'syncing' ? syncingFrameFiles(style) : [];
  return {
    icon: iconState === 'attention' ? attentionIconFile(needsYou, style) : trayIconFile(iconState, style),
    frames,
    template: style === 'template',
    tooltip: tooltipFor(state),
    title: needsYou > 0 ? String(needsYou) : '',
    menu,
  };
}

/** The parts of Electron's Tray the service drives. */
export interface TrayHandle<Image, Menu> {
  setImage(image: Image): void;
  setToolTip(tooltip: string): void;
  setContextMenu(menu: Menu | null): void;
  /** macOS only: text beside the icon (the "needs you" count). */
  setTitle?(title: string): void;
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
  /** Drives the syncing animation; the real timers unless a test brings a fake clock. */
  timers?: TrayTimers;
}

/** setInterval / clearInterval, injectable. */
export interface TrayTimers {
  setInterval(tick: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const realTimers: TrayTimers = {
  setInterval: (tick, ms) => setInterval(tick, ms),
  clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
};

export class TrayService<Image, Menu> {
  private readonly options: TrayServiceOptions<Image, Menu>;
  private shownIcon: string | undefined;
  private shownTitle = '';
  private lastState: AppState | undefined;
  private readonly timers: TrayTimers;
  /** The syncing animation while it runs: its pictures (full paths) and which one shows. */
  private animation: { handle: unknown; frames: string[]; template: boolean; frame: number } | undefined;

  constructor(options: TrayServiceOptions<Image, Menu>) {
    this.options = options;
    this.timers = options.timers ?? realTimers;
  }

  /** Rebuilds icon, tooltip and menu for this state. The image is only swapped when it changes. */
  render(state: AppState): void {
    this.lastState = state;
    const { options } = this;
    const view = trayView(state, iconStyleFor(options.platform, options.darkMenu()), options.actions);
    if (view.frames.length > 1) {
      // Progress renders arrive many times a second while syncing: keep turning from where the
      // arrows are rather than restarting, and take new frames if the style changed.
      const frames = view.frames.map((file) => join(options.assetsDir, file));
      if (this.animation) Object.assign(this.animation, { frames, template: view.template });
      else this.animation = { handle: this.timers.setInterval(() => this.nextFrame(), SYNC_FRAME_MS), frames, template: view.template, frame: 0 };
      this.showImage(frames[this.animation.frame % frames.length]!, view.template);
    } else {
      this.stopAnimation();
      this.showImage(join(options.assetsDir, view.icon), view.template);
    }
    options.tray.setToolTip(view.tooltip);
    if (view.title !== this.shownTitle) {
      options.tray.setTitle?.(view.title);
      this.shownTitle = view.title;
    }
    options.tray.setContextMenu(options.buildMenu(view.menu));
  }

  /** Renders the last state again, e.g. after the menu bar switched between light and dark. */
  refresh(): void {
    if (this.lastState) this.render(this.lastState);
  }

  /** Stops the syncing animation's timer; call before destroying the tray. */
  dispose(): void {
    this.stopAnimation();
  }

  private nextFrame(): void {
    const animation = this.animation;
    if (!animation) return;
    animation.frame = (animation.frame + 1) % animation.frames.length;
    try {
      this.showImage(animation.frames[animation.frame]!, animation.template);
    } catch {
      // Turning arrows are decoration: if the tray is gone (destroyed on quit), stop, don't throw
      // from a timer every 200 ms.
      this.stopAnimation();
    }
  }

  private stopAnimation(): void {
    if (!this.animation) return;
    this.timers.clearInterval(this.animation.handle);
    this.animation = undefined;
  }

  private showImage(iconPath: string, template: boolean): void {
    if (iconPath === this.shownIcon) return;
    this.options.tray.setImage(this.options.loadImage(iconPath, template));
    this.shownIcon = iconPath;
  }
}

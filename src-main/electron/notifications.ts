// Shows the app's `app.notification` events as desktop notifications. The App has already decided
// what is worth one, checked the person's preference and limited the rate (src-main/app/
// notifications.ts); this only puts each on the screen, and a click opens the screen that fixes
// it. Electron's Notification class is injected, so this runs in tests with a fake.
import type { Notification as TandemNotification } from '../../src-shared/ipc/contract.ts';
import type { App } from '../app/app.ts';
import type { TrayScreen } from './tray.ts';

/** The part of an Electron Notification this uses. */
export interface DesktopNotification {
  on(event: 'click', listener: () => void): unknown;
  show(): void;
}

/** Electron's Notification class: its constructor and isSupported(). */
export interface DesktopNotificationClass {
  new (options: { title: string; body: string; silent?: boolean }): DesktopNotification;
  isSupported(): boolean;
}

export interface DesktopNotificationsOptions {
  app: Pick<App, 'onEvent'>;
  Notification: DesktopNotificationClass;
  /** Shows the window on a screen (the tray's showWindow). */
  showWindow: (screen: TrayScreen) => void;
  log: (line: string) => void;
}

/** Where a click on a notification of this kind takes the person. */
export function screenFor(kind: TandemNotification['kind']): TrayScreen {
  return kind === 'conflict' ? 'conflicts' : 'popover';
}

/** Starts showing notifications; returns the function that stops. */
export function showDesktopNotifications(options: DesktopNotificationsOptions): () => void {
  // Some Linux desktops have no notification server: then there is nothing to show them with,
  // and the tray's "needs you" state is how the person finds out.
  if (!options.Notification.isSupported()) {
    options.log('notifications: this desktop cannot show notifications; the tray icon shows what needs you');
    return () => undefined;
  }
  // Kept until clicked or the app quits: a notification garbage-collected early loses its click.
  const live = new Set<DesktopNotification>();
  return options.app.onEvent((name, payload) => {
    if (name !== 'app.notification') return;
    try {
      const notification = new options.Notification({ title: payload.title, body: payload.body });
      live.add(notification);
      notification.on('click', () => {
        live.delete(notification);
        options.showWindow(screenFor(payload.kind));
      });
      notification.show();
      if (live.size > 20) live.delete(live.values().next().value!);
    } catch (error) {
      options.log(`notifications: could not show one: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
}

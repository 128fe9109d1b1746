// Desktop notifications with Electron's Notification replaced by a fake: each app.notification
// event is shown with its words, a click opens the screen that deals with it, and a desktop
// without a notification server shows none (and says so in the log).
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { AppEventListener } from '../app/app.ts';
import { type DesktopNotification, showDesktopNotifications } from './notifications.ts';

function fakeApp() {
  const listeners = new Set<AppEventListener>();
  return {
    onEvent(listener: AppEventListener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit: (...event: Parameters<AppEventListener>) => {
      for (const listener of listeners) listener(...event);
    },
    listeners,
  };
}

function fakeNotificationClass(supported = true) {
  const shown: { title: string; body: string; click: () => void }[] = [];
  class FakeNotification extends EventEmitter implements DesktopNotification {
    readonly options: { title: string; body: string };
    constructor(options: { title: string; body: string }) {
      super();
      this.options = options;
    }
    show() {
      shown.push({ ...this.options, click: () => this.emit('click') });
    }
    static isSupported() {
      return supported;
    }
  }
  return { FakeNotification, shown };
}

describe('desktop notifications', () => {
  it('shows each notification the app sends, and a click opens the screen that fixes it', () => {
    const app = fakeApp();
    const { FakeNotification, shown } = fakeNotificationClass();
    const screens: string[] = [];
    const stop = showDesktopNotifications({ app, Notification: FakeNotification, showWindow: (screen) => screens.push(screen), log: () => undefined });
    app.emit('app.notification', { kind: 'conflict', title: '3 files were changed on two computers', body: 'Both versions of each are kept.', at: 1 });
    app.emit('app.notification', { kind: 'error', title: 'Tandem stopped syncing a folder', body: 'The folder is missing.', at: 2 });
    app.emit('app.show', { screen: 'preferences' });
    expect(shown.map(({ title, body }) => ({ title, body }))).toEqual([
      { title: '3 files were changed on two computers', body: 'Both versions of each are kept.' },
      { title: 'Tandem stopped syncing a folder', body: 'The folder is missing.' },
    ]);
    shown[0]!.click();
    shown[1]!.click();
    expect(screens).toEqual(['conflicts', 'popover']);
    stop();
    expect(app.listeners.size).toBe(0);
  });

  it('shows nothing where the desktop cannot, and says why in the log', () => {
    const app = fakeApp();
    const { FakeNotification, shown } = fakeNotificationClass(false);
    const log: string[] = [];
    showDesktopNotifications({ app, Notification: FakeNotification, showWindow: () => undefined, log: (line) => log.push(line) });
    app.emit('app.notification', { kind: 'conflict', title: 'A file was changed on two computers', body: '', at: 1 });
    expect(shown).toHaveLength(0);
    expect(log).toEqual(['notifications: this desktop cannot show notifications; the tray icon shows what needs you']);
  });
});

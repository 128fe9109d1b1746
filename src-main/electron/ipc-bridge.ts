// The main-process end of Electron IPC: answers the preload's requests with the app's handlers
// (through the shared dispatcher, which validates names, arguments and results) and forwards the
// app's events to the popover. Every request's sender is checked first, after VS Code's
// validatedIpcMain: only our own window's top frame, showing our own renderer, may talk to the app.
// Electron is used only through injected objects and `import type`, so all of this runs in tests.
import type { IpcMainInvokeEvent } from 'electron';
import type { App } from '../app/app.ts';
import { TandemError, toErrorBody } from '../../src-shared/errors.ts';
import { createIpcDispatcher, type IpcDispatcher } from '../../src-shared/ipc/dispatch.ts';
import {
  IPC_MAX_MESSAGE_BYTES,
  type IpcEventEnvelope,
  IpcRequestEnvelope,
  type IpcResponseEnvelope,
} from '../../src-shared/ipc/envelope.ts';
import { EVENT_CHANNEL, REQUEST_CHANNEL } from './ipc-channels.ts';

/** What we know about who sent a message. */
export interface IpcSender {
  webContentsId: number;
  /** The sending frame's URL; undefined when the frame is gone or was navigated away. */
  frameUrl: string | undefined;
  isMainFrame: boolean;
}

/** Who may talk to the app: one webContents, showing the page at exactly this URL. */
export interface TrustedRenderer {
  webContentsId: number | undefined;
  /** The renderer's entry page, e.g. tandem-app://renderer/index.html. Query and hash may vary. */
  entryUrl: string;
}

export type SenderVerdict = { ok: true } | { ok: false; reason: string };

/** The pure sender check. Everything not positively ours is refused. */
export function checkSender(sender: IpcSender, trusted: TrustedRenderer): SenderVerdict {
  if (trusted.webContentsId === undefined || sender.webContentsId !== trusted.webContentsId) {
    return { ok: false, reason: `webContents ${sender.webContentsId} is not the Tandem window` };
  }
  if (!sender.isMainFrame) return { ok: false, reason: 'the message came from a subframe' };
  if (sender.frameUrl === undefined) return { ok: false, reason: 'the sending frame is gone' };
  let actual: URL;
  try {
    actual = new URL(sender.frameUrl);
  } catch {
    return { ok: false, reason: 'the sending frame has no valid URL' };
  }
  const expected = new URL(trusted.entryUrl);
  // Non-special schemes (ours, file:) have an opaque `origin`, so compare the parts instead.
  const same = actual.protocol === expected.protocol && actual.host === expected.host && actual.pathname === expected.pathname;
  if (!same) return { ok: false, reason: `the sending page ${actual.protocol}//${actual.host}${actual.pathname} is not Tandem's renderer` };
  return { ok: true };
}

/** Reads the sender out of an Electron invoke event (the only Electron-shaped part). */
export function senderOf(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>): IpcSender {
  const frame = event.senderFrame;
  return {
    webContentsId: event.sender.id,
    frameUrl: frame?.url,
    isMainFrame: frame !== null && frame.parent === null,
  };
}

function requestIdOf(message: unknown): number {
  const id = typeof message === 'object' && message !== null ? (message as { id?: unknown }).id : undefined;
  return typeof id === 'number' && Number.isInteger(id) && id >= 0 ? id : 0;
}

function refusal(id: number, error: TandemError): IpcResponseEnvelope {
  return { type: 'response', id, ok: false, error: toErrorBody(error) };
}

/** One request, start to finish: sender, size, envelope, then the dispatcher. Never throws. */
export async function handleRequest(
  sender: IpcSender,
  message: unknown,
  trusted: TrustedRenderer,
  dispatch: IpcDispatcher,
  log: (line: string) => void,
): Promise<IpcResponseEnvelope> {
  const id = requestIdOf(message);
  const verdict = checkSender(sender, trusted);
  if (!verdict.ok) {
    log(`ipc: refused a request because ${verdict.reason}`);
    return refusal(id, new TandemError('unauthorized', 'This window may not talk to Tandem.'));
  }
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(message) ?? '');
  } catch {
    return refusal(id, new TandemError('bad_request', 'The request could not be read.'));
  }
  if (size > IPC_MAX_MESSAGE_BYTES) return refusal(id, new TandemError('too_large', 'The request is too large.'));
  const envelope = IpcRequestEnvelope.safeParse(message);
  if (!envelope.success) return refusal(id, new TandemError('bad_request', 'The request is not in the expected format.'));
  return dispatch(envelope.data);
}

/** The part of Electron's ipcMain the bridge uses. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, message: unknown) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

/** Where events go: the popover's webContents, while it exists. */
export interface EventTarget {
  isDestroyed(): boolean;
  send(channel: string, message: IpcEventEnvelope): void;
}

export interface IpcBridgeOptions {
  ipcMain: IpcMainLike;
  app: Pick<App, 'handlers' | 'onEvent'>;
  /** Asked on every message, so a re-created window is trusted and the old one no longer is. */
  trusted: () => TrustedRenderer;
  /** The window to send events to, if there is one right now. */
  target: () => EventTarget | undefined;
  log: (line: string) => void;
}

/** Wires requests and events; returns the function that unwires both. */
export function installIpcBridge(options: IpcBridgeOptions): () => void {
  const dispatch = createIpcDispatcher(options.app.handlers);
  options.ipcMain.handle(REQUEST_CHANNEL, (event, message) =>
    handleRequest(senderOf(event), message, options.trusted(), dispatch, options.log),
  );
  const unsubscribe = options.app.onEvent((name, payload) => {
    const target = options.target();
    if (!target || target.isDestroyed()) return;
    // A window going away mid-send must not fail the app's change that raised the event.
    try {
      target.send(EVENT_CHANNEL, { type: 'event', name, payload });
    } catch (error) {
      options.log(`ipc: could not send ${name} to the window: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  return () => {
    options.ipcMain.removeHandler(REQUEST_CHANNEL);
    unsubscribe();
  };
}

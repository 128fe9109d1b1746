// The Electron IPC path end to end, without Electron: the preload's bridge and the main-process
// bridge joined by an in-memory ipcRenderer/ipcMain, around a real App. Checks that our window
// can drive the app, that events reach it, and that every other sender is refused and changes nothing.
import type { IpcMainInvokeEvent } from 'electron';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { App } from '../app/app.ts';
import { createIpcClient } from '../../src-shared/ipc/client.ts';
import type { IpcEventEnvelope } from '../../src-shared/ipc/envelope.ts';
import { createBridgeApi, type IpcRendererLike } from './bridge-api.ts';
import { EVENT_CHANNEL, REQUEST_CHANNEL } from './ipc-channels.ts';
import { checkSender, handleRequest, installIpcBridge, type IpcMainLike, type TrustedRenderer } from './ipc-bridge.ts';
import { createIpcDispatcher } from '../../src-shared/ipc/dispatch.ts';

// The App keeps its settings on disk: each test app gets its own empty state folder.
const stateRoot = mkdtempSync(join(tmpdir(), 'tandem-bridge-test-'));
let stateDirs = 0;
const freshStateDir = () => join(stateRoot, String((stateDirs += 1)));
afterAll(() => rmSync(stateRoot, { recursive: true, force: true }));

const ENTRY = 'tandem-app://renderer/index.html';
const OUR_WINDOW = 7;

interface FakeFrame {
  url: string;
  parent: FakeFrame | null;
}

function fakeInvokeEvent(webContentsId: number, frame: FakeFrame | null): IpcMainInvokeEvent {
  return { sender: { id: webContentsId }, senderFrame: frame } as unknown as IpcMainInvokeEvent;
}

/** ipcMain and one window's ipcRenderer, joined in memory, plus the window's received events. */
function harness(sender: { webContentsId: number; frame: FakeFrame | null }) {
  const handlers = new Map<string, (event: IpcMainInvokeEvent, message: unknown) => Promise<unknown>>();
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => void handlers.set(channel, listener),
    removeHandler: (channel) => void handlers.delete(channel),
  };
  const rendererListeners = new Set<(event: unknown, message: unknown) => void>();
  const ipcRenderer: IpcRendererLike = {
    invoke: async (channel, message) => {
      const handler = handlers.get(channel);
      if (!handler) throw new Error(`No handler registered for '${channel}'`);
      // Electron's IPC is structured-clone; JSON is close enough for these plain messages.
      return JSON.parse(JSON.stringify(await handler(fakeInvokeEvent(sender.webContentsId, sender.frame), message)));
    },
    on: (channel, listener) => channel === EVENT_CHANNEL && rendererListeners.add(listener),
    removeListener: (_channel, listener) => rendererListeners.delete(listener),
  };
  const app = new App({ version: '9.9.9', stateDir: freshStateDir() });
  const logged: string[] = [];
  let destroyed = false;
  const dispose = installIpcBridge({
    ipcMain,
    app,
    trusted: () => ({ webContentsId: OUR_WINDOW, entryUrl: ENTRY }),
    target: () => ({
      isDestroyed: () => destroyed,
      send: (channel, message) => {
        for (const listener of rendererListeners) if (channel === EVENT_CHANNEL) listener({ sender: 'not for the page' }, message);
      },
    }),
    log: (line) => logged.push(line),
  });
  const client = createIpcClient(createBridgeApi(ipcRenderer));
  return { app, client, logged, handlers, dispose, destroy: () => (destroyed = true) };
}

const topFrame = (url: string): FakeFrame => ({ url, parent: null });

describe('Electron IPC bridge', () => {
  it('lets our window read the state and pause sync, and tells it about the change', async () => {
    const { app, client } = harness({ webContentsId: OUR_WINDOW, frame: topFrame(`${ENTRY}#/popover`) });
    expect((await client.request('app.getState', {})).summary).toBe('No folder set up yet');
    const events: boolean[] = [];
    client.on('app.state', (state) => events.push(state.paused));
    const state = await client.request('app.setPaused', { paused: true });
    expect(state.paused).toBe(true);
    expect(app.state().phase).toBe('paused');
    expect(events).toEqual([true]);
  });

  it('refuses a request from another webContents and leaves the app unchanged', async () => {
    const { app, client, logged } = harness({ webContentsId: 99, frame: topFrame(ENTRY) });
    await expect(client.request('app.setPaused', { paused: true })).rejects.toThrow('This window may not talk to Tandem.');
    expect(app.state().paused).toBe(false);
    expect(logged.join('\n')).toMatch(/refused a request because webContents 99/);
  });

  it('refuses our window when it shows some other page, or from a subframe, or from a vanished frame', async () => {
    const foreignPage = harness({ webContentsId: OUR_WINDOW, frame: topFrame('https://evil.example/index.html') });
    await expect(foreignPage.client.request('app.setPaused', { paused: true })).rejects.toThrow('may not talk to Tandem');
    expect(foreignPage.app.state().paused).toBe(false);

    const subframe = harness({ webContentsId: OUR_WINDOW, frame: { url: ENTRY, parent: topFrame(ENTRY) } });
    await expect(subframe.client.request('app.setPaused', { paused: true })).rejects.toThrow('may not talk to Tandem');
    expect(subframe.app.state().paused).toBe(false);

    const gone = harness({ webContentsId: OUR_WINDOW, frame: null });
    await expect(gone.client.request('app.getState', {})).rejects.toThrow('may not talk to Tandem');
  });

  it('passes the app’s one-sentence error through, without internals', async () => {
    const { client } = harness({ webContentsId: OUR_WINDOW, frame: topFrame(ENTRY) });
    // The typed client would not let us send bad arguments, so go through the raw bridge shape.
    const raw = createIpcClient({
      request: (name, args) => client.request(name as 'app.setPaused', args as { paused: boolean }),
      onEvent: () => () => undefined,
    });
    await expect(raw.request('app.setPaused', { paused: 'yes' } as unknown as { paused: boolean })).rejects.toThrow(/^Bad arguments for "app.setPaused"/);
  });

  it('stops sending events once the window is destroyed, and unwires everything on dispose', async () => {
    const { app, client, handlers, dispose, destroy } = harness({ webContentsId: OUR_WINDOW, frame: topFrame(ENTRY) });
    const events: unknown[] = [];
    client.on('app.state', (state) => events.push(state));
    destroy();
    await app.handlers['app.setPaused']({ paused: true });
    expect(events).toEqual([]);
    dispose();
    expect(handlers.has(REQUEST_CHANNEL)).toBe(false);
    await expect(client.request('app.getState', {})).rejects.toThrow(/No handler/);
  });
});

describe('a window that fails to receive an event', () => {
  it('does not undo or fail the change that raised it', async () => {
    const app = new App({ version: '1.0.0', stateDir: freshStateDir() });
    const logged: string[] = [];
    installIpcBridge({
      ipcMain: { handle: () => undefined, removeHandler: () => undefined },
      app,
      trusted: () => ({ webContentsId: OUR_WINDOW, entryUrl: ENTRY }),
      target: () => ({
        isDestroyed: () => false,
        send: () => {
          throw new Error('Object has been destroyed');
        },
      }),
      log: (line) => logged.push(line),
    });
    await expect(app.handlers['app.setPaused']({ paused: true })).resolves.toMatchObject({ paused: true });
    expect(logged).toEqual(['ipc: could not send app.state to the window: Object has been destroyed']);
  });
});

describe('checkSender', () => {
  const trusted: TrustedRenderer = { webContentsId: OUR_WINDOW, entryUrl: ENTRY };
  const ours = { webContentsId: OUR_WINDOW, isMainFrame: true };

  it('accepts our renderer’s entry page, whatever its query or hash', () => {
    expect(checkSender({ ...ours, frameUrl: ENTRY }, trusted)).toEqual({ ok: true });
    expect(checkSender({ ...ours, frameUrl: `${ENTRY}?view=conflicts#top` }, trusted)).toEqual({ ok: true });
  });

  it.each([
    ['a file:// page', 'file:///tmp/index.html'],
    ['another host on our scheme', 'tandem-app://evil/index.html'],
    ['another page of our host', 'tandem-app://renderer/other.html'],
    ['a web page', 'https://renderer/index.html'],
    ['about:blank', 'about:blank'],
    ['garbage', 'not a url'],
  ])('refuses %s', (_what, frameUrl) => {
    expect(checkSender({ ...ours, frameUrl }, trusted).ok).toBe(false);
  });

  it('refuses everyone before the window exists', () => {
    expect(checkSender({ ...ours, frameUrl: ENTRY }, { webContentsId: undefined, entryUrl: ENTRY }).ok).toBe(false);
  });
});

describe('handleRequest', () => {
  const dispatch = createIpcDispatcher(new App({ version: '1.0.0', stateDir: freshStateDir() }).handlers);
  const sender = { webContentsId: OUR_WINDOW, frameUrl: ENTRY, isMainFrame: true };
  const trusted = { webContentsId: OUR_WINDOW, entryUrl: ENTRY };
  const silent = () => undefined;

  it('answers a malformed envelope with a bad_request error under the same id', async () => {
    const response = await handleRequest(sender, { type: 'request', id: 5, name: 42 }, trusted, dispatch, silent);
    expect(response).toEqual({ type: 'response', id: 5, ok: false, error: { code: 'bad_request', message: 'The request is not in the expected format.' } });
  });

  it('refuses an oversized message unread', async () => {
    const message = { type: 'request', id: 1, name: 'app.getState', args: { blob: 'x'.repeat(1024 * 1024 + 1) } };
    const response = await handleRequest(sender, message, trusted, dispatch, silent);
    expect(response).toMatchObject({ ok: false, error: { code: 'too_large' } });
  });

  it('refuses an unknown request name', async () => {
    const response = await handleRequest(sender, { type: 'request', id: 2, name: 'fs.deleteEverything', args: {} }, trusted, dispatch, silent);
    expect(response).toMatchObject({ id: 2, ok: false, error: { code: 'bad_request', message: 'Unknown request "fs.deleteEverything".' } });
  });
});

// Keep the event shape honest: what the page receives is exactly the envelope, not Electron's event.
describe('events to the page', () => {
  it('arrive as plain event envelopes', async () => {
    const { app, client } = harness({ webContentsId: OUR_WINDOW, frame: topFrame(ENTRY) });
    const seen: IpcEventEnvelope[] = [];
    const bridge = createBridgeApi({
      invoke: async () => undefined,
      on: (_channel, listener) => {
        app.onEvent((name, payload) => listener({ sender: {} }, { type: 'event', name, payload }));
      },
      removeListener: () => undefined,
    });
    bridge.onEvent((event) => seen.push(event));
    await client.request('app.setPaused', { paused: true });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toEqual({ type: 'event', name: 'app.state', payload: expect.objectContaining({ paused: true }) });
    expect(Object.keys(seen[0]!)).toEqual(['type', 'name', 'payload']);
  });
});

// The renderer's one store: what the app last reported, how the line to it is doing, and the
// actions the UI can take. The app is the source of truth; the store only mirrors what arrives
// over IPC (responses and app.state events), never guesses.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { IpcClient } from '../../src-shared/ipc/client.ts';
import type { ActivityEntry, AppState, PauseDuration } from '../../src-shared/ipc/contract.ts';
import type { Connection, ConnectionStatus } from '../ipc/websocket-transport.ts';

/** Which screen fills the window: the popover, or one of the dialogs it opens. */
export type Screen =
  | { kind: 'popover' }
  | { kind: 'setup' }
  | { kind: 'conflicts' }
  | { kind: 'selective' }
  | { kind: 'history'; folderId?: string; path?: string; tab?: 'versions' | 'deleted' }
  | { kind: 'preferences' };

export interface TandemView {
  /** The typed client, for screens that load their own data (conflicts, history, …). */
  client: IpcClient;
  screen: Screen;
  /** Recent activity, newest first (the popover shows about 20). */
  activity: ActivityEntry[];
  open(screen: Screen): void;
  pause(duration: PauseDuration): Promise<void>;
  resume(): Promise<void>;
  refreshActivity(): Promise<void>;
  connection: ConnectionStatus;
  /** Undefined until the app has answered once. */
  app: AppState | undefined;
  /** True while a pause/resume request is on its way, so the button cannot be pressed twice. */
  busy: boolean;
  /** The last action's failure, in one sentence, until the next action. */
  actionError: string | undefined;
  setPaused(paused: boolean): Promise<void>;
}

function messageOf(error: unknown): string {
  return error instanceof Error && error.message ? error.message : 'Tandem could not do that. Try again in a moment.';
}

export function createTandemStore(client: IpcClient, connection: Connection): StoreApi<TandemView> {
  const store = createStore<TandemView>()((set, get) => {
  /** Runs a pause/resume request once at a time; a failure becomes one sentence. */
  async function act(verb: string, request: () => Promise<AppState>): Promise<void> {
    if (get().busy) return;
    set({ busy: true, actionError: undefined });
    try {
      set({ app: await request() });
    } catch (error) {
      set({ actionError: `Couldn't ${verb} syncing. ${messageOf(error)}` });
    } finally {
      set({ busy: false });
    }
  }
  return {
    client,
    screen: { kind: 'popover' },
    activity: [],
    open(screen) {
      set({ screen, actionError: undefined });
    },
    async pause(duration) {
      await act('pause', () => client.request('app.pause', { duration }));
    },
    async resume() {
      await act('resume', () => client.request('app.resume', {}));
    },
    async refreshActivity() {
      try {
        set({ activity: (await client.request('activity.list', { limit: 20 })).entries });
      } catch {
        // The popover keeps the last list; the connection status says when the app is away.
      }
    },
    connection: connection.status(),
    app: undefined,
    busy: false,
    actionError: undefined,
    async setPaused(paused) {
      if (get().busy) return;
      set({ busy: true, actionError: undefined });
      try {
        set({ app: await client.request('app.setPaused', { paused }) });
      } catch (error) {
        const verb = paused ? 'pause' : 'resume';
        set({ actionError: `Couldn't ${verb} syncing. ${messageOf(error)}` });
      } finally {
        set({ busy: false });
      }
    },
  };
  });

  async function refresh(): Promise<void> {
    try {
      store.setState({ app: await client.request('app.getState', {}) });
      await store.getState().refreshActivity();
    } catch {
      // The connection status already tells the user; the next open refreshes again.
    }
  }

  client.on('app.state', (app) => store.setState({ app }));
  // The tray menu's "Resolve conflicts…", "Version history…" and "Preferences…".
  client.on('app.show', ({ screen }) => store.getState().open({ kind: screen }));
  client.on('app.activity', (entry) => store.setState({ activity: [entry, ...store.getState().activity.filter((e) => e.id !== entry.id)].slice(0, 20) }));
  connection.onStatus((status) => {
    store.setState({ connection: status });
    // After every (re)connection, ask afresh: events may have been missed while away.
    if (status.kind === 'open') void refresh();
  });
  if (connection.status().kind === 'open') void refresh();
  return store;
}

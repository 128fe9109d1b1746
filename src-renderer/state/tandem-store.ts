// The renderer's one store: what the app last reported, how the line to it is doing, and the
// actions the UI can take. The app is the source of truth; the store only mirrors what arrives
// over IPC (responses and app.state events), never guesses.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { IpcClient } from '../../src-shared/ipc/client.ts';
import type { AppState } from '../../src-shared/ipc/contract.ts';
import type { Connection, ConnectionStatus } from '../ipc/websocket-transport.ts';

export interface TandemView {
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
  const store = createStore<TandemView>()((set, get) => ({
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
  }));

  async function refresh(): Promise<void> {
    try {
      store.setState({ app: await client.request('app.getState', {}) });
    } catch {
      // The connection status already tells the user; the next open refreshes again.
    }
  }

  client.on('app.state', (app) => store.setState({ app }));
  connection.onStatus((status) => {
    store.setState({ connection: status });
    // After every (re)connection, ask afresh: events may have been missed while away.
    if (status.kind === 'open') void refresh();
  });
  if (connection.status().kind === 'open') void refresh();
  return store;
}

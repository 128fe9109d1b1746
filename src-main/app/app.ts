// The app's brain: owns accounts, folders and settings, and implements the IPC contract that the
// renderer speaks. Both shells (Electron and the headless host) wrap one App.
// At this stage it knows only whether a folder is set up and whether sync is paused.
import { EventEmitter } from 'node:events';
import type { AppState, IpcEventName, IpcEventPayload, IpcHandlers } from '../../src-shared/ipc/contract.ts';

export interface AppOptions {
  version: string;
  /** Where the app keeps its own state (settings, index, credentials). */
  stateDir: string;
}

export type AppEventListener = <N extends IpcEventName>(name: N, payload: IpcEventPayload<N>) => void;

export class App {
  readonly handlers: IpcHandlers;
  private readonly options: AppOptions;
  private readonly events = new EventEmitter();
  private paused = false;

  constructor(options: AppOptions) {
    this.options = options;
    this.handlers = {
      'app.getState': async () => this.state(),
      'app.setPaused': async ({ paused }) => {
        this.paused = paused;
        this.emit('app.state', this.state());
        return this.state();
      },
    };
  }

  state(): AppState {
    const paused = this.paused;
    return {
      phase: paused ? 'paused' : 'setup',
      summary: paused ? 'Paused — no folder set up yet' : 'No folder set up yet',
      paused,
      version: this.options.version,
      folders: [],
    };
  }

  /** Subscribes to every event the app emits; returns the unsubscribe function. */
  onEvent(listener: AppEventListener): () => void {
    const wrapped = (name: IpcEventName, payload: unknown) => listener(name, payload as never);
    this.events.on('event', wrapped);
    return () => this.events.off('event', wrapped);
  }

  private emit<N extends IpcEventName>(name: N, payload: IpcEventPayload<N>): void {
    this.events.emit('event', name, payload);
  }
}

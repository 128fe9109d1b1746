// Harness for the app layer's tests: a real server in-process, and Apps (each its own state folder
// and synced folder, real engines, not watching -- tests say when to sync) called through the IPC
// dispatcher, so every argument and answer is checked against the contract as the renderer's
// would be.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIpcDispatcher } from '../../src-shared/ipc/dispatch.ts';
import { type IpcArgs, ipcRequests, type IpcRequestName, type IpcResult } from '../../src-shared/ipc/contract.ts';
import { App, type AppOptions } from '../../src-main/app/app.ts';
import { FAST_RETRY, TestServer } from '../engine/remote-harness.ts';
import { TestFolder } from '../test-folder.ts';

export class AppCallError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export class TestApp extends TestFolder {
  readonly name: string;
  readonly stateDir: string;
  readonly folder: string;
  app: App;
  readonly #options: Partial<AppOptions>;

  constructor(name: string, stateDir: string, folder: string, options: Partial<AppOptions>) {
    super(folder);
    this.name = name;
    this.stateDir = stateDir;
    this.folder = folder;
    this.#options = options;
    this.app = this.#make();
  }

  #make(): App {
    return new App({ version: '0.0.0-test', stateDir: this.stateDir, engine: { watch: false, settleMs: 50 }, remoteRetry: FAST_RETRY, hostedServerHost: '127.0.0.1',
      // Tests keep sign-ins in files in their temp folders, never in this machine's keychain.
      keyring: 'tests never use the system keychain',
      ...this.#options,
    });
  }

  /** A request as the renderer makes it: validated arguments, validated answer, errors thrown. */
  async call<N extends IpcRequestName>(name: N, args: IpcArgs<N>): Promise<IpcResult<N>> {
    const response = await createIpcDispatcher(this.app.handlers)({ type: 'request', id: 1, name, args });
    if (!response.ok) throw new AppCallError(response.error.code, response.error.message);
    return ipcRequests[name].result.parse(response.result) as IpcResult<N>;
  }

  /** Signs in and syncs this app's folder with the account. */
  async setUp(server: string, user: { name: string; password: string }): Promise<string> {
    await this.call('setup.signIn', { server, user: user.name, password: user.password, deviceName: this.name });
    const folder = await this.call('folders.add', { path: this.folder });
    await this.call('app.syncNow', {});
    return folder.id;
  }

  sync() {
    return this.call('app.syncNow', {});
  }

  /** Closes the app and opens a new one on the same state folder (a restart). */
  async restart(): Promise<void> {
    await this.app.close();
    this.app = this.#make();
    await this.app.ready();
  }

  async folderId(): Promise<string> {
    return (await this.call('app.getState', {})).folders[0]!.id;
  }
}

export class AppWorld {
  readonly server: TestServer;
  readonly #apps: TestApp[] = [];
  readonly #dirs: string[] = [];

  private constructor(server: TestServer) {
    this.server = server;
  }

  static async start(): Promise<AppWorld> {
    return new AppWorld(await TestServer.start());
  }

  async user(): Promise<{ name: string; password: string }> {
    const user = await this.server.user();
    return { name: user.name, password: user.password };
  }

  async app(name: string, options: Partial<AppOptions> = {}): Promise<TestApp> {
    const root = await mkdtemp(join(tmpdir(), `tandem-app-${name}-`));
    this.#dirs.push(root);
    const app = new TestApp(name, join(root, 'state'), join(root, 'Tandem'), options);
    await app.app.ready();
    this.#apps.push(app);
    return app;
  }

  async close(): Promise<void> {
    for (const app of this.#apps) await app.app.close().catch(() => undefined);
    await this.server.close();
    for (const dir of this.#dirs) await rm(dir, { recursive: true, force: true });
  }
}

// Accounts: signing in to a server (password → a device token kept in the credential store),
// "host on this computer" (the embedded server, then the same sign-in), signing out, and a
// signed-in client per account for the other services. Passwords are never stored.
import { TandemError } from '../../src-shared/errors.ts';
import type { IpcHandlers, SignedInAccount } from '../../src-shared/ipc/contract.ts';
import { apiPath } from '../../src-shared/protocol/api.ts';
import { deviceListSchema } from '../../src-shared/protocol/auth.ts';
import { RemoteClient } from '../engine/remote/remote-client.ts';
import type { AppContext } from './app-context.ts';
import { type EmbeddedServer, ensureHostedUser, startEmbeddedServer } from './embedded-server.ts';
import type { AccountRecord } from './settings-store.ts';
import { serverProblem } from './user-errors.ts';

const DEVICE_NAMES_TTL_MS = 60_000;

/** "nas.local:8750" → "http://nas.local:8750"; refuses anything that is not an http(s) address. */
export function normalizeServerUrl(input: string): string {
  const trimmed = input.trim().replace(/\/+$/u, '');
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//iu.test(trimmed) ? trimmed : `http://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new TandemError('bad_request', `"${input}" is not a server address. Type it like http://nas.local:8750.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TandemError('bad_request', `"${input}" is not a web address. Type it like http://nas.local:8750.`);
  }
  if (url.pathname !== '/' && url.pathname !== '') {
    throw new TandemError('bad_request', `Give the server's address without a path, like ${url.origin}.`);
  }
  return url.origin;
}

export class AccountsService {
  readonly #ctx: AppContext;
  readonly #clients = new Map<string, RemoteClient>();
  readonly #deviceNames = new Map<string, { at: number; names: Map<string, string> }>();
  #hosted: EmbeddedServer | undefined;
  #hostedProblem: string | undefined;

  constructor(ctx: AppContext) {
    this.#ctx = ctx;
  }

  get hosted(): EmbeddedServer | undefined {
    return this.#hosted;
  }

  /** Why the hosted server is not running although it should be. */
  get hostedProblem(): string | undefined {
    return this.#hostedProblem;
  }

  account(accountId: string): AccountRecord | undefined {
    return this.#ctx.settings.current.accounts.find((account) => account.id === accountId);
  }

  /** Starts the hosted server again when the settings say this app hosts one. */
  async startHostedIfAny(): Promise<void> {
    const hosted = this.#ctx.settings.current.hostedServer;
    if (!hosted || this.#hosted) return;
    try {
      this.#hosted = await startEmbeddedServer({
        stateDir: this.#ctx.options.stateDir,
        host: this.#ctx.options.hostedServerHost ?? '0.0.0.0',
        port: hosted.port,
        version: this.#ctx.options.version,
      });
      this.#hostedProblem = undefined;
    } catch (error) {
      this.#hostedProblem = `The server hosted on this computer could not start (${error instanceof Error ? error.message : String(error)}).`;
    }
  }

  /** A signed-in client for the account, or a clear error when there is no saved sign-in. */
  async clientFor(accountId: string): Promise<RemoteClient> {
    const cached = this.#clients.get(accountId);
    if (cached) return cached;
    const account = this.account(accountId);
    if (!account) throw new TandemError('not_found', 'That account is not set up on this computer. Sign in again.');
    const token = await this.#ctx.credentials.get(accountId);
    if (!token) throw new TandemError('unauthorized', `This computer is not signed in to ${account.server} any more. Sign in again to keep syncing.`);
    const client = new RemoteClient({ serverUrl: account.server, token, ...(this.#ctx.options.remoteRetry ? { retry: this.#ctx.options.remoteRetry } : {}) });
    this.#clients.set(accountId, client);
    return client;
  }

  async checkServer(input: string): Promise<{ ok: boolean; server: string; message: string }> {
    const server = normalizeServerUrl(input);
    try {
      const response = await fetch(`${server}${apiPath.account()}`, { signal: AbortSignal.timeout(10_000) });
      const body = (await response.json().catch(() => undefined)) as { code?: unknown } | undefined;
      if (response.status === 401 && body && typeof body.code === 'string') return { ok: true, server, message: `Found a Tandem server at ${server}.` };
      return { ok: false, server, message: `Something answers at ${server}, but it is not a Tandem server. Check the address.` };
    } catch {
      return { ok: false, server, message: `Nothing answers at ${server}. Check the address and that the server is running.` };
    }
  }

  async signIn(args: { server: string; user: string; password: string; deviceName?: string | undefined; hosted?: boolean }): Promise<SignedInAccount> {
    const server = normalizeServerUrl(args.server);
    if (args.deviceName) await this.#ctx.settings.update((s) => ({ ...s, deviceName: args.deviceName! }));
    const deviceName = this.#ctx.settings.current.deviceName;
    const client = new RemoteClient({ serverUrl: server, ...(this.#ctx.options.remoteRetry ? { retry: this.#ctx.options.remoteRetry } : {}) });
    let login;
    try {
      login = await client.login(args.user, args.password, deviceName);
    } catch (error) {
      throw serverProblem(error, server, 'signing in');
    }
    await this.#ctx.credentials.set(login.account_id, login.token);
    const record: AccountRecord = {
      id: login.account_id,
      server,
      user: args.user,
      rootId: login.root_id,
      deviceId: login.device_id,
      hosted: args.hosted ?? false,
    };
    await this.#ctx.settings.update((s) => ({ ...s, accounts: [...s.accounts.filter((a) => a.id !== record.id), record] }));
    this.#clients.set(record.id, client);
    const credentials = this.#ctx.credentials;
    return {
      accountId: record.id,
      server,
      user: record.user,
      deviceName,
      addresses: record.hosted ? (this.#hosted?.addresses ?? []) : [],
      credentialStorage: credentials.kind,
      warning: credentials.warning ?? null,
    };
  }

  async hostHere(args: { user: string; password: string; port?: number | undefined; deviceName?: string | undefined }): Promise<SignedInAccount> {
    if (!this.#hosted) {
      const port = args.port ?? this.#ctx.settings.current.hostedServer?.port ?? 8750;
      try {
        this.#hosted = await startEmbeddedServer({
          stateDir: this.#ctx.options.stateDir,
          host: this.#ctx.options.hostedServerHost ?? '0.0.0.0',
          port,
          version: this.#ctx.options.version,
        });
      } catch (error) {
        throw new TandemError('internal', `The server could not start on this computer: ${error instanceof Error ? error.message : String(error)} Choose another port and try again.`);
      }
      // The port actually used (0 picks one), so a restart listens on the same address.
      await this.#ctx.settings.update((s) => ({ ...s, hostedServer: { port: this.#hosted!.port } }));
    }
    await ensureHostedUser(this.#ctx.options.stateDir, args.user, args.password);
    return this.signIn({ server: this.#hosted.localUrl, user: args.user, password: args.password, deviceName: args.deviceName, hosted: true });
  }

  /** Forgets the account's sign-in (its folders are stopped by the folders service first). */
  async signOut(accountId: string): Promise<void> {
    this.#clients.delete(accountId);
    this.#deviceNames.delete(accountId);
    await this.#ctx.credentials.delete(accountId);
    await this.#ctx.settings.update((s) => ({ ...s, accounts: s.accounts.filter((a) => a.id !== accountId) }));
  }

  /** The account's device names by device id (for labels: "Office desktop"), cached a minute. */
  async deviceNames(accountId: string): Promise<Map<string, string>> {
    const cached = this.#deviceNames.get(accountId);
    if (cached && this.#ctx.now() - cached.at < DEVICE_NAMES_TTL_MS) return cached.names;
    const account = this.account(accountId);
    const token = await this.#ctx.credentials.get(accountId);
    const names = new Map<string, string>();
    if (account && token) {
      try {
        const response = await fetch(`${account.server}${apiPath.devices()}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
        if (response.ok) for (const device of deviceListSchema.parse(await response.json()).devices) names.set(device.id, device.name);
      } catch {
        // Labels fall back to "Another computer"; nothing else depends on them.
      }
    }
    this.#deviceNames.set(accountId, { at: this.#ctx.now(), names });
    return names;
  }

  /** "This computer (Ada's laptop)" or the other device's name. */
  async deviceLabel(accountId: string, deviceId: string | null): Promise<{ device: string; thisComputer: boolean }> {
    const account = this.account(accountId);
    if (account && deviceId === account.deviceId) return { device: this.thisComputerLabel(), thisComputer: true };
    const name = deviceId ? (await this.deviceNames(accountId)).get(deviceId) : undefined;
    return { device: name ?? 'Another computer', thisComputer: false };
  }

  thisComputerLabel(): string {
    return `This computer (${this.#ctx.settings.current.deviceName})`;
  }

  async close(): Promise<void> {
    const hosted = this.#hosted;
    this.#hosted = undefined;
    await hosted?.close();
  }

  readonly handlers: Pick<IpcHandlers, 'setup.checkServer' | 'setup.signIn' | 'setup.hostHere'> = {
    'setup.checkServer': ({ server }) => this.checkServer(server),
    'setup.signIn': (args) => this.signIn(args),
    'setup.hostHere': (args) => this.hostHere(args),
  };
}

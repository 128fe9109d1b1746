// "Host on this computer": the Tandem server running inside the app, over a data folder in the
// app's state folder, listening where other computers can reach it. The app itself talks to it
// over loopback; the addresses shown to people are this computer's network addresses.
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { addUser, type RunningServer, startServer } from '../../src-server/index.ts';

export interface EmbeddedServer {
  /** What this app uses: http://127.0.0.1:PORT */
  localUrl: string;
  port: number;
  /** What other computers should use. */
  addresses: string[];
  close(): Promise<void>;
}

export function hostedDataDir(stateDir: string): string {
  return join(stateDir, 'server');
}

/** This computer's IPv4 network addresses (not loopback), as server URLs on `port`. */
export function lanAddresses(port: number): string[] {
  const found: string[] = [];
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (entry.family === 'IPv4' && !entry.internal) found.push(`http://${entry.address}:${port}`);
    }
  }
  return found;
}

export async function startEmbeddedServer(options: { stateDir: string; host: string; port: number; version: string }): Promise<EmbeddedServer> {
  const running: RunningServer = await startServer({ dataDir: hostedDataDir(options.stateDir), host: options.host, port: options.port, version: options.version });
  const port = Number(new URL(running.url).port);
  const loopbackOnly = options.host === '127.0.0.1' || options.host === 'localhost';
  return {
    localUrl: `http://127.0.0.1:${port}`,
    port,
    addresses: loopbackOnly ? [] : lanAddresses(port),
    close: () => running.close(),
  };
}

/** Makes the account on the hosted server; an existing account of that name is fine (signing in checks the password). */
export async function ensureHostedUser(stateDir: string, user: string, password: string): Promise<void> {
  try {
    await addUser({ dataDir: hostedDataDir(stateDir), name: user, password });
  } catch (error) {
    if (!/exist|taken|already/i.test(error instanceof Error ? error.message : String(error))) throw error;
  }
}

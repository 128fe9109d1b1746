// A loopback TCP proxy that counts the bytes going each way: what the sync clients send to and
// receive from the server, measured on the wire (headers and framing included), the same way for
// any tool put behind it.
import { createServer, connect } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

export class ByteCountingProxy {
  /** Client → server bytes. */
  up = 0;
  /** Server → client bytes. */
  down = 0;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<ByteCountingProxy> {
    const counted = { proxy: undefined as ByteCountingProxy | undefined };
    const server = createServer((client) => {
      const proxy = counted.proxy!;
      const upstream = connect(targetPort, targetHost);
      proxy.#sockets.add(client).add(upstream);
      client.on('data', (chunk: Buffer) => (proxy.up += chunk.length));
      upstream.on('data', (chunk: Buffer) => (proxy.down += chunk.length));
      client.pipe(upstream);
      upstream.pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
        proxy.#sockets.delete(client);
        proxy.#sockets.delete(upstream);
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    const proxy = new ByteCountingProxy(server);
    counted.proxy = proxy;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  reset(): void {
    this.up = 0;
    this.down = 0;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

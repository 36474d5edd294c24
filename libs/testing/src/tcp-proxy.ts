import { createConnection, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';

export interface TcpProxy {
  /** The port the proxy listens on (the same after a restart). */
  readonly port: number;
  /** Drops every connection and stops listening: to its clients, the target went away. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /** Holds back what clients send (a stalled server) until `thaw`, which forwards it in order. */
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

/** A TCP forwarder to `target` that a test can take down and bring back, to simulate an outage. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  let held: (() => void)[] | undefined;

  function listen(): Promise<void> {
    const created = createServer((client) => {
      const upstream = createConnection(target);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.on('data', (chunk: Buffer) => {
        if (held === undefined) upstream.write(chunk);
        else held.push(() => upstream.write(chunk));
      });
      upstream.pipe(client);
    });
    return new Promise((resolve, reject) => {
      created.once('error', reject);
      created.listen(port, '127.0.0.1', () => {
        const address = created.address();
        if (address !== null && typeof address === 'object') port = address.port;
        server = created;
        resolve();
      });
    });
  }

  async function stop(): Promise<void> {
    const current = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (current !== undefined) await new Promise<void>((resolve) => current.close(() => resolve()));
  }

  await listen();
  return {
    get port() {
      return port;
    },
    stop,
    start: listen,
    freeze: () => {
      held ??= [];
    },
    thaw: () => {
      const pending = held ?? [];
      held = undefined;
      for (const forward of pending) forward();
    },
    close: stop,
  };
}

import { serve, type ServerType } from '@hono/node-server';

/** Serve `fetch` on `hostname:port`; resolves once listening (port 0 = any free port). */
export function listen(
  fetch: Parameters<typeof serve>[0]['fetch'],
  hostname: string,
  port: number,
): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname, port }, () => resolve(server));
    server.once('error', reject);
  });
}

/** The port a server listens on. */
export function listeningPort(server: ServerType, fallback: number): number {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : fallback;
}

/**
 * Stop accepting connections and resolve once the server is closed: requests in progress finish
 * (idle keep-alive connections close at once); connections still open after `graceMs` are cut.
 */
export function closeServer(server: ServerType, graceMs = 5_000): Promise<void> {
  return new Promise((resolve) => {
    const cut = setTimeout(() => {
      if ('closeAllConnections' in server) server.closeAllConnections();
    }, graceMs);
    cut.unref();
    server.close(() => {
      clearTimeout(cut);
      resolve();
    });
    if ('closeIdleConnections' in server) server.closeIdleConnections();
  });
}

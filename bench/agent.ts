import { createServer } from 'node:http';

/**
 * The benchmark's no-op agent: a JSON-RPC 2.0 server on plain `node:http` that answers every call at
 * once with its params as the result. Run as its own process; prints `{"url": ...}` when listening.
 */
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let body: string;
    try {
      const call = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: unknown; params?: unknown };
      body = JSON.stringify({ jsonrpc: '2.0', id: call.id ?? null, result: call.params ?? null });
    } catch {
      body = JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } });
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  console.log(JSON.stringify({ url: `http://127.0.0.1:${address.port}` }));
});
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

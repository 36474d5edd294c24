import { Agent, request } from 'node:http';

/**
 * A lean keep-alive JSON client for the benchmark (the bench shares the 2 cores with what it
 * measures, so it spends as little CPU per request as it can).
 */
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

export interface Reply {
  readonly status: number;
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed JSON of the engine's replies
}

export function send(method: string, url: string, body?: unknown): Promise<Reply> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        agent,
        headers:
          payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text === '' ? null : JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export const get = (url: string) => send('GET', url);
export const post = (url: string, body: unknown) => send('POST', url, body);

export function closeClient(): void {
  agent.destroy();
}

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from './wait-for';

const main = fileURLToPath(new URL('./test-agent-main.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

const children: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

async function call(url: string, method: string) {
  const response = await fetch(url, {
    method: 'POST',
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { m: method } }),
  });
  return { status: response.status, body: await response.text() };
}

describe('test-agent-main', () => {
  it('serves echo and name-selected behaviours, then exits cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, '--port', '0'], { cwd: repoRoot });
    children.push(child);
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    const url = await waitFor(
      () => /test agent listening on (http:\/\/127\.0\.0\.1:\d+\/rpc)/.exec(stdout)?.[1],
      {
        timeoutMs: 20_000,
        message: 'the agent never printed its url',
      },
    );

    expect(JSON.parse((await call(url, 'execute')).body)).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: { m: 'execute' },
    });
    expect(JSON.parse((await call(url, 'delay_20')).body)).toMatchObject({ result: { m: 'delay_20' } });
    expect(await call(url, 'status_503')).toEqual({ status: 503, body: 'status 503' });
    expect(JSON.parse((await call(url, 'error_-32042')).body)).toMatchObject({
      error: { code: -32042, message: 'error -32042' },
    });

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

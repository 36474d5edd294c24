import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../migrations/migrate';
import { getAgent, insertAgent } from '../repositories/agents.repository';
import { getProjectionCheckpoint } from '../repositories/projection-checkpoints.repository';
import { openPgliteStore } from './pglite-store';

const CHILD = fileURLToPath(new URL('./pglite-durability.child.ts', import.meta.url));

/** Run the writer child until it has reported `minCommits` commits, then SIGKILL it mid-loop. */
async function commitThenKill(dataDir: string, minCommits: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let lastCommitted = 0;
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  await new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(
      () => reject(new Error(`child made ${lastCommitted} commits in time; stderr: ${stderr}`)),
      45_000,
    );
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^committed (\d+)$/.exec(line);
        if (m !== null) lastCommitted = Number(m[1]);
      }
      if (lastCommitted >= minCommits) {
        clearTimeout(deadline);
        child.kill('SIGKILL');
        resolve();
      }
    });
    void exited.then((how) => reject(new Error(`child exited early (${String(how)}): ${stderr}`)));
  });
  expect(await exited).toBe('SIGKILL');
  // Lines read before the kill landed are what the child saw committed; more may have committed.
  return lastCommitted;
}

describe('PGlite store on disk', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('keeps every committed row when the process is SIGKILLed, and reopens on the same directory', async () => {
    const root = await mkdtemp(join(tmpdir(), 'weft-pglite-'));
    dirs.push(root);
    const dataDir = join(root, 'nested', 'data'); // openPgliteStore creates missing directories

    let expected = 0;
    for (const round of [1, 2]) {
      const committed = await commitThenKill(dataDir, expected + 15);
      expect(committed).toBeGreaterThan(expected);
      expected = committed;

      const store = await openPgliteStore({ dataDir });
      try {
        await migrateToLatest(store.db); // nothing pending, bookkeeping intact
        const rows = await store.db
          .selectFrom('agents')
          .select(['name', 'timeout_seconds'])
          .orderBy('timeout_seconds')
          .execute();
        // Every reported commit is there, with no gaps; at most the one in flight beyond it.
        expect(rows.length).toBeGreaterThanOrEqual(expected);
        expect(rows.length).toBeLessThanOrEqual(expected + 1);
        expect(rows.map((r) => r.timeout_seconds)).toEqual(
          Array.from({ length: rows.length }, (_, i) => i + 1),
        );
        expect((await getProjectionCheckpoint(store.db, 'durability'))?.position).toEqual({ n: rows.length });

        // The reopened store works: write, read, and a transaction.
        const probe = `after-kill-${round}`;
        expect(
          (await insertAgent(store.db, { name: probe, url: 'http://probe', timeout_seconds: 0 })).ok,
        ).toBe(true);
        expect((await getAgent(store.db, probe))?.url).toBe('http://probe');
        await store.db.transaction().execute(async (trx) => {
          await trx.deleteFrom('agents').where('name', '=', probe).execute();
        });
        expected = rows.length;
      } finally {
        await store.close();
        await store.close(); // idempotent
      }
    }
  });
});

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunEvent } from '@weft/contracts';
import { describe, expect, it } from 'vitest';
import { replay } from './evolve';
import { RunDriver } from './testing/run-driver';

/**
 * Golden replays (STYLE 18): event streams of runs of every example, recorded once and committed,
 * replayed through the current reducer. A change that makes an old stream replay to another state
 * fails here: such a change must be versioned, not slipped in. `GOLDEN_RECORD=1` writes missing
 * files (never overwrites).
 */
const here = dirname(fileURLToPath(import.meta.url));
const goldenDir = join(here, '../golden');
const examplesDir = join(here, '../../../examples');

interface Golden {
  readonly example: string;
  readonly events: RunEvent[];
  readonly final: { status: string; output: unknown; error: unknown };
}

/** Drive an example to its end with an echoing agent, answering in dispatch order. */
function record(example: string): Golden {
  const definition = JSON.parse(readFileSync(join(examplesDir, `${example}.workflow.json`), 'utf8'));
  const input = JSON.parse(readFileSync(join(examplesDir, `${example}.input.json`), 'utf8'));
  const run = new RunDriver(definition, input);
  for (let guard = 0; run.status === 'RUNNING' && guard < 10_000; guard++) {
    const next = run.running()[0];
    if (!next) break;
    const scheduled = run.events.findLast((e) => e.type === 'StepScheduled' && e.step_path === next);
    run.ok(next, (scheduled?.data as { input?: unknown }).input ?? null);
  }
  return {
    example,
    events: run.events,
    final: { status: run.status!, output: run.state?.output ?? null, error: run.state?.error ?? null },
  };
}

const examples = readdirSync(examplesDir)
  .filter((f) => f.endsWith('.workflow.json'))
  .map((f) => f.replace('.workflow.json', ''))
  .sort();

describe('golden replays', () => {
  for (const example of examples) {
    it(`${example}: the recorded stream replays to the recorded end`, () => {
      const file = join(goldenDir, `${example}.events.json`);
      let golden: Golden;
      try {
        golden = JSON.parse(readFileSync(file, 'utf8'));
      } catch {
        if (process.env.GOLDEN_RECORD !== '1')
          throw new Error(`no golden stream for ${example}: run with GOLDEN_RECORD=1 once`);
        golden = record(example);
        writeFileSync(file, `${JSON.stringify(golden, null, 1)}\n`);
      }
      const state = replay(golden.events);
      expect({ status: state?.status, output: state?.output ?? null, error: state?.error ?? null }).toEqual(
        golden.final,
      );
      expect(golden.final.status).toBe('COMPLETED');
      // Deciding the same run again today gives the same stream.
      expect(JSON.parse(JSON.stringify(record(example).events))).toEqual(golden.events);
    });
  }
});

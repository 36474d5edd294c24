import { sql, type Insertable } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../migrations/migrate';
import type { StepExecutionsTable, WorkflowRunsTable } from '../schema/database';
import { toJsonText, toNullableJsonText } from '../schema/json';
import type { Store } from '../store';
import {
  deleteAgent,
  getAgent,
  getAgentsByNames,
  insertAgent,
  listAgents,
  updateAgent,
} from './agents.repository';
import { encodeCursor } from './cursor';
import { getProjectionCheckpoint, saveProjectionCheckpoint } from './projection-checkpoints.repository';
import { listRunEvents } from './run-events.repository';
import { getRun, listRuns } from './runs.repository';
import { listStepExecutions } from './step-executions.repository';
import {
  getActiveWorkflowVersion,
  getLatestWorkflowVersion,
  getWorkflowVersion,
  insertWorkflowVersion,
  listWorkflows,
  listWorkflowVersions,
  updateWorkflowVersionStatus,
} from './workflow-definitions.repository';

/**
 * The repository contract (STYLE 4), written once and run by every store adapter's spec.
 * Divergences between adapters: none. Every expectation below is a literal, so passing on both
 * adapters means both return identical values.
 */
export interface StoreUnderTest {
  readonly store: Store;
  dispose(): Promise<void>;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const TABLES = [
  'agents',
  'workflow_definitions',
  'workflow_runs',
  'step_executions',
  'run_events',
  'projection_checkpoints',
];

const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

function runRow(
  n: number,
  overrides: Partial<Insertable<WorkflowRunsTable>> = {},
): Insertable<WorkflowRunsTable> {
  return {
    run_id: uuid(n),
    workflow_id: 'wf',
    version: 1,
    status: 'RUNNING',
    input: toJsonText({ n }),
    ...overrides,
  };
}

async function drain<T>(
  fetch: (cursor: string | null) => Promise<{ items: T[]; next_cursor: string | null }>,
): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | null = null;
  do {
    const page = await fetch(cursor);
    pages.push(page.items);
    cursor = page.next_cursor;
  } while (cursor !== null && pages.length < 100);
  return pages;
}

export function storeContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`store contract: ${name}`, () => {
    let subject: StoreUnderTest;
    const db = () => subject.store.db;

    beforeAll(async () => {
      subject = await open();
      await migrateToLatest(subject.store.db);
    });
    afterAll(async () => {
      await subject.dispose();
    });
    beforeEach(async () => {
      await sql.raw(`truncate ${TABLES.join(', ')}`).execute(db());
    });

    describe('agents', () => {
      it('inserts with defaults, rejects a duplicate name, reads, updates and deletes', async () => {
        const inserted = await insertAgent(db(), { name: 'validator', url: 'http://localhost:9001/rpc' });
        expect(inserted.ok).toBe(true);
        if (!inserted.ok) return;
        expect(inserted.value).toMatchObject({
          name: 'validator',
          url: 'http://localhost:9001/rpc',
          method: 'execute',
          timeout_seconds: 30,
          retry_config: null,
          circuit_breaker_config: null,
          headers: {},
          description: null,
        });
        expect(inserted.value.created_at).toMatch(ISO);
        expect(inserted.value.updated_at).toBe(inserted.value.created_at);

        const duplicate = await insertAgent(db(), { name: 'validator', url: 'http://elsewhere' });
        expect(duplicate).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
        expect((await getAgent(db(), 'validator'))?.url).toBe('http://localhost:9001/rpc');

        const updated = await updateAgent(db(), 'validator', {
          url: 'http://localhost:9002/rpc',
          retry_config: { type: 'fixed_delay', max_attempts: 5 },
          headers: { authorization: 'Bearer x' },
          updated_at: '2030-01-01T00:00:00.000Z',
        });
        expect(updated).toMatchObject({
          url: 'http://localhost:9002/rpc',
          method: 'execute',
          retry_config: { type: 'fixed_delay', max_attempts: 5 },
          headers: { authorization: 'Bearer x' },
          created_at: inserted.value.created_at,
          updated_at: '2030-01-01T00:00:00.000Z',
        });
        // Fields not in the patch stay; null clears a nullable JSON column.
        const cleared = await updateAgent(db(), 'validator', { retry_config: null });
        expect(cleared?.retry_config).toBeNull();
        expect(cleared?.headers).toEqual({ authorization: 'Bearer x' });
        expect(cleared?.updated_at).toMatch(ISO);
        expect(await updateAgent(db(), 'nobody', { url: 'x' })).toBeUndefined();

        expect(await deleteAgent(db(), 'validator')).toBe(true);
        expect(await deleteAgent(db(), 'validator')).toBe(false);
        expect(await getAgent(db(), 'validator')).toBeUndefined();
      });

      it('gets agents by names, in name order, ignoring unknown names', async () => {
        for (const name of ['c', 'a', 'b']) await insertAgent(db(), { name, url: `http://${name}` });
        expect((await getAgentsByNames(db(), ['c', 'zz', 'a', 'c'])).map((a) => a.name)).toEqual(['a', 'c']);
        expect(await getAgentsByNames(db(), [])).toEqual([]);
      });

      it('paginates with cursors across pages', async () => {
        const names = ['agent-01', 'agent-02', 'agent-03', 'agent-04', 'agent-05', 'agent-06', 'agent-07'];
        for (const name of [...names].reverse()) await insertAgent(db(), { name, url: 'http://x' });
        const pages = await drain((cursor) => listAgents(db(), { limit: 3, cursor }));
        expect(pages.map((p) => p.map((a) => a.name))).toEqual([
          names.slice(0, 3),
          names.slice(3, 6),
          names.slice(6),
        ]);
        const exact = await listAgents(db(), { limit: 7 });
        expect(exact.next_cursor).toBeNull();
      });

      it('rejects a bad cursor or limit as VALIDATION_FAILED', async () => {
        for (const cursor of ['%%%', 'bm90IGpzb24', encodeCursor([1]), encodeCursor(['a', 'b'])]) {
          await expect(listAgents(db(), { limit: 3, cursor })).rejects.toMatchObject({
            code: 'VALIDATION_FAILED',
          });
        }
        for (const limit of [0, 1001, 2.5]) {
          await expect(listAgents(db(), { limit })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
        }
      });
    });

    describe('workflow versions', () => {
      const definition = { workflow_id: 'order', steps: [{ id: 'a', agent_name: 'x' }] };

      it('keeps one active version per workflow and reports conflicts', async () => {
        const v1 = await insertWorkflowVersion(db(), {
          workflow_id: 'order',
          version: 1,
          name: 'Order',
          status: 'active',
          definition,
        });
        expect(v1).toMatchObject({
          ok: true,
          value: { version: 1, status: 'active', definition, change_summary: null, previous_version: null },
        });
        const v2 = await insertWorkflowVersion(db(), {
          workflow_id: 'order',
          version: 2,
          name: 'Order',
          status: 'draft',
          definition: { ...definition, name: 'v2' },
          change_summary: 'rename',
          previous_version: 1,
        });
        expect(v2).toMatchObject({
          ok: true,
          value: { version: 2, status: 'draft', change_summary: 'rename', previous_version: 1 },
        });

        const sameVersion = await insertWorkflowVersion(db(), {
          workflow_id: 'order',
          version: 2,
          name: 'x',
          status: 'draft',
          definition,
        });
        expect(sameVersion).toMatchObject({
          ok: false,
          error: { code: 'CONFLICT', message: expect.stringMatching(/version 2 .* already exists/) },
        });
        const secondActive = await insertWorkflowVersion(db(), {
          workflow_id: 'order',
          version: 3,
          name: 'x',
          status: 'active',
          definition,
        });
        expect(secondActive).toMatchObject({
          ok: false,
          error: { code: 'CONFLICT', message: expect.stringMatching(/already has an active version/) },
        });

        expect((await getActiveWorkflowVersion(db(), 'order'))?.version).toBe(1);
        expect((await getLatestWorkflowVersion(db(), 'order'))?.version).toBe(2);
        expect((await getWorkflowVersion(db(), 'order', 2))?.definition).toEqual({
          ...definition,
          name: 'v2',
        });
        expect(await getWorkflowVersion(db(), 'order', 9)).toBeUndefined();
        expect(await getActiveWorkflowVersion(db(), 'nope')).toBeUndefined();

        expect(await updateWorkflowVersionStatus(db(), 'order', 9, 'active')).toMatchObject({
          ok: false,
          error: { code: 'NOT_FOUND' },
        });
        expect(await updateWorkflowVersionStatus(db(), 'order', 2, 'active')).toMatchObject({
          ok: false,
          error: { code: 'CONFLICT' },
        });

        // Switching the active version: deprecate, then activate, in one transaction.
        await db()
          .transaction()
          .execute(async (trx) => {
            expect((await updateWorkflowVersionStatus(trx, 'order', 1, 'deprecated')).ok).toBe(true);
            expect((await updateWorkflowVersionStatus(trx, 'order', 2, 'active')).ok).toBe(true);
          });
        expect((await getActiveWorkflowVersion(db(), 'order'))?.version).toBe(2);
        expect((await listWorkflowVersions(db(), 'order')).map((v) => [v.version, v.status])).toEqual([
          [2, 'active'],
          [1, 'deprecated'],
        ]);
      });

      it('rejects an unknown status at the database', async () => {
        await expect(
          db()
            .insertInto('workflow_definitions')
            .values({
              workflow_id: 'w',
              version: 1,
              name: 'w',
              status: 'bogus' as 'draft',
              definition: toJsonText({}),
            })
            .execute(),
        ).rejects.toThrow(/workflow_definitions_status_check/);
      });

      it('lists one row per workflow (active, else latest) across pages', async () => {
        const add = (workflow_id: string, version: number, status: 'draft' | 'active' | 'deprecated') =>
          insertWorkflowVersion(db(), {
            workflow_id,
            version,
            name: workflow_id,
            status,
            definition: { workflow_id },
          });
        await add('wf-a', 1, 'active');
        await add('wf-a', 2, 'draft');
        await add('wf-b', 1, 'draft');
        await add('wf-b', 2, 'draft');
        await add('wf-c', 1, 'deprecated');
        await add('wf-c', 2, 'active');
        await add('wf-c', 3, 'draft');
        await add('wf-d', 1, 'active');
        await add('wf-e', 1, 'draft');
        const pages = await drain((cursor) => listWorkflows(db(), { limit: 2, cursor }));
        expect(pages.map((p) => p.map((w) => `${w.workflow_id}@${w.version}`))).toEqual([
          ['wf-a@1', 'wf-b@2'],
          ['wf-c@2', 'wf-d@1'],
          ['wf-e@1'],
        ]);
      });
    });

    describe('runs, steps and events', () => {
      it('lists runs newest first across pages, ties broken by run_id, with filters', async () => {
        const t = (s: number) => `2024-05-01T00:00:${String(s).padStart(2, '0')}.000Z`;
        await db()
          .insertInto('workflow_runs')
          .values([
            runRow(1, { created_at: t(1) }),
            runRow(2, { created_at: t(2), status: 'COMPLETED' }),
            runRow(3, { created_at: t(2) }),
            runRow(4, { created_at: t(2), workflow_id: 'other' }),
            runRow(5, { created_at: t(3), status: 'COMPLETED' }),
            runRow(6, { created_at: t(4), parent_run_id: uuid(1), root_run_id: uuid(1), nesting_level: 1 }),
            runRow(7, { created_at: t(4) }),
          ])
          .execute();
        const pages = await drain((cursor) => listRuns(db(), { limit: 2, cursor }));
        expect(pages.map((p) => p.map((r) => Number(r.run_id.slice(-2))))).toEqual([
          [7, 6],
          [5, 4],
          [3, 2],
          [1],
        ]);

        const wf = await drain((cursor) => listRuns(db(), { workflow_id: 'wf', limit: 4, cursor }));
        expect(wf.map((p) => p.map((r) => Number(r.run_id.slice(-2))))).toEqual([
          [7, 6, 5, 3],
          [2, 1],
        ]);
        const completed = await listRuns(db(), { status: 'COMPLETED', limit: 10 });
        expect(completed.items.map((r) => r.run_id)).toEqual([uuid(5), uuid(2)]);
        const children = await listRuns(db(), { parent_run_id: uuid(1), limit: 10 });
        expect(children.items.map((r) => r.run_id)).toEqual([uuid(6)]);

        const run = await getRun(db(), uuid(6));
        expect(run).toEqual({
          run_id: uuid(6),
          workflow_id: 'wf',
          version: 1,
          status: 'RUNNING',
          input: { n: 6 },
          output: null,
          error: null,
          current_step: null,
          parent_run_id: uuid(1),
          root_run_id: uuid(1),
          nesting_level: 1,
          triggered_by_run_id: null,
          chain_sequence: 0,
          idempotency_key: null,
          correlation_id: null,
          created_at: t(4),
          started_at: null,
          completed_at: null,
          paused_at: null,
          updated_at: expect.stringMatching(ISO),
          last_seq: 0,
        });
        expect(await getRun(db(), uuid(99))).toBeUndefined();
        expect(await getRun(db(), 'not-a-uuid')).toBeUndefined();
        await expect(
          listRuns(db(), { limit: 2, cursor: encodeCursor(['yesterday', uuid(1)]) }),
        ).rejects.toMatchObject({
          code: 'VALIDATION_FAILED',
        });
      });

      it('lists step executions by seq_started and events by seq', async () => {
        const run = uuid(1);
        const step = (seq: number, path: string): Insertable<StepExecutionsTable> => ({
          run_id: run,
          step_path: path,
          step_id: path.split('/').at(-1) ?? path,
          type: 'agent',
          status: 'COMPLETED',
          seq_started: seq,
          output: toNullableJsonText({ path }),
        });
        await db()
          .insertInto('step_executions')
          .values([
            step(5, 'loop[1]/x'),
            step(2, 'validate'),
            step(5, 'loop[0]/x'),
            step(9, 'ship'),
            { ...step(1, 'other'), run_id: uuid(2) },
          ])
          .execute();
        const all = await listStepExecutions(db(), run);
        expect(all.items.map((s) => s.step_path)).toEqual(['validate', 'loop[0]/x', 'loop[1]/x', 'ship']);
        expect(all.next_cursor).toBeNull();
        expect(all.items[0]).toMatchObject({
          attempt: 1,
          input: null,
          output: { path: 'validate' },
          started_at: null,
        });
        const pages = await drain((cursor) => listStepExecutions(db(), run, { limit: 3, cursor }));
        expect(pages.map((p) => p.map((s) => s.step_path))).toEqual([
          ['validate', 'loop[0]/x', 'loop[1]/x'],
          ['ship'],
        ]);
        expect((await listStepExecutions(db(), 'nope')).items).toEqual([]);

        await db()
          .insertInto('run_events')
          .values(
            [1, 2, 3, 4, 5].map((seq) => ({
              run_id: run,
              seq,
              type: seq === 1 ? 'RunStarted' : 'StepScheduled',
              step_path: seq === 1 ? null : `s${seq}`,
              data: toJsonText({ seq }),
              recorded_at: `2024-05-01T00:00:0${seq}.000Z`,
            })),
          )
          .execute();
        const events = await drain((cursor) => listRunEvents(db(), run, { limit: 2, cursor }));
        expect(events.map((p) => p.map((e) => e.seq))).toEqual([[1, 2], [3, 4], [5]]);
        expect(events[0]?.[0]).toEqual({
          run_id: run,
          seq: 1,
          type: 'RunStarted',
          step_path: null,
          data: { seq: 1 },
          recorded_at: '2024-05-01T00:00:01.000Z',
        });
        expect((await listRunEvents(db(), run, { afterSeq: 3, limit: 10 })).items.map((e) => e.seq)).toEqual([
          4, 5,
        ]);
        await expect(listRunEvents(db(), run, { afterSeq: Number.NaN, limit: 10 })).rejects.toMatchObject({
          code: 'VALIDATION_FAILED',
        });
      });
    });

    describe('value round-trips', () => {
      it('returns JSON columns as the values written, whatever their top-level type', async () => {
        const nested = {
          s: 'héllo ✓ "quoted" \\ \n',
          n: -1.5e-7,
          big: 12345678901234,
          t: true,
          f: false,
          z: null,
          a: [1, 'two', [3], { four: 4 }],
          o: {},
        };
        const values = [nested, [1, 2, 3], [], 'just a string', 42, true];
        await db()
          .insertInto('workflow_runs')
          .values(
            values.map((v, i) =>
              runRow(i + 1, {
                input: toJsonText(v),
                output: toNullableJsonText(v),
                error: toNullableJsonText(null),
              }),
            ),
          )
          .execute();
        for (const [i, v] of values.entries()) {
          const run = await getRun(db(), uuid(i + 1));
          expect(run?.input).toEqual(v);
          expect(run?.output).toEqual(v);
          expect(run?.error).toBeNull();
        }
        // The stored document is real JSON, not a string holding JSON.
        const { rows } = await sql<{
          t: string;
        }>`select jsonb_typeof(input) as t from workflow_runs order by run_id`.execute(db());
        expect(rows.map((r) => r.t)).toEqual(['object', 'array', 'array', 'string', 'number', 'boolean']);
      });

      it('returns timestamps as ISO-8601 UTC strings with milliseconds', async () => {
        const written = [
          '2024-02-29T23:59:59.999Z',
          '2024-03-01T01:00:00+01:00',
          '2024-03-01T00:00:00.123456Z',
          '1999-12-31T23:59:59Z',
        ];
        await db()
          .insertInto('workflow_runs')
          .values(
            written.map((created_at, i) =>
              runRow(i + 1, { created_at, started_at: created_at, completed_at: null }),
            ),
          )
          .execute();
        const rows = await db()
          .selectFrom('workflow_runs')
          .select(['run_id', 'created_at', 'started_at', 'completed_at'])
          .orderBy('run_id')
          .execute();
        expect(rows.map((r) => [r.created_at, r.started_at, r.completed_at])).toEqual([
          ['2024-02-29T23:59:59.999Z', '2024-02-29T23:59:59.999Z', null],
          ['2024-03-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z', null],
          ['2024-03-01T00:00:00.123Z', '2024-03-01T00:00:00.123Z', null],
          ['1999-12-31T23:59:59.000Z', '1999-12-31T23:59:59.000Z', null],
        ]);
        // A value read back is usable as a query parameter and compares equal.
        const again = await db()
          .selectFrom('workflow_runs')
          .select('run_id')
          .where('created_at', '=', rows[2]?.created_at ?? '')
          .execute();
        expect(again.map((r) => r.run_id)).toEqual([uuid(3)]);
        const { rows: now } = await sql<{ now: string }>`select now() as now`.execute(db());
        expect(now[0]?.now).toMatch(ISO);
      });

      it('returns int8 as numbers (and beyond 2^53 as exact strings)', async () => {
        await db()
          .insertInto('workflow_runs')
          .values([runRow(1), runRow(2)])
          .execute();
        const { rows } = await sql<{ c: number; s: number; big: string; i4: number }>`
          select count(*) as c, sum(version)::int8 as s, 9007199254740993::int8 as big, 7::int4 as i4 from workflow_runs`.execute(
          db(),
        );
        expect(rows).toEqual([{ c: 2, s: 2, big: '9007199254740993', i4: 7 }]);
        const counted = await db()
          .selectFrom('workflow_runs')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirst();
        expect(counted).toEqual({ n: 2 });
      });
    });

    describe('projection checkpoints', () => {
      it('upserts a position and commits it with the rows it covers', async () => {
        expect(await getProjectionCheckpoint(db(), 'runs')).toBeUndefined();
        await saveProjectionCheckpoint(db(), 'runs', { partitions: { 0: 10 } });
        await db()
          .transaction()
          .execute(async (trx) => {
            await trx.insertInto('workflow_runs').values(runRow(1)).execute();
            await saveProjectionCheckpoint(trx, 'runs', { partitions: { 0: 11, 1: 3 } });
          });
        expect((await getProjectionCheckpoint(db(), 'runs'))?.position).toEqual({
          partitions: { 0: 11, 1: 3 },
        });

        await expect(
          db()
            .transaction()
            .execute(async (trx) => {
              await trx.insertInto('workflow_runs').values(runRow(2)).execute();
              await saveProjectionCheckpoint(trx, 'runs', { partitions: { 0: 12 } });
              throw new Error('crash before commit');
            }),
        ).rejects.toThrow('crash before commit');
        expect((await getProjectionCheckpoint(db(), 'runs'))?.position).toEqual({
          partitions: { 0: 11, 1: 3 },
        });
        expect(await getRun(db(), uuid(2))).toBeUndefined();
      });
    });
  });
}

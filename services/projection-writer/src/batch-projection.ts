import type { RunEvent } from '@weft/contracts';
import type { Executor, JsonInput } from '@weft/store';
import { sql } from 'kysely';
import { eventKey, recordEvents } from './apply-event';
import { jsonRows } from './json-rows';
import {
  projectionOps,
  RUN_COLUMNS,
  RUN_DEFAULTED,
  RUN_PATCH_COLUMNS,
  STEP_COLUMNS,
  STEP_DEFAULTED,
  STEP_PATCH_COLUMNS,
  type ColumnType,
  type ProjectionOp,
  type RunPatch,
  type RunRow,
  type StepPatch,
  type StepRow,
} from './projection-ops';

/** How far a run's projection got in a batch: its last applied event. */
export interface RunMark {
  readonly seq: number;
  readonly at: string;
}

/**
 * Apply a batch of events to the projections in a handful of statements, whatever its size: the
 * events' rows (`recordEvents`, the idempotency gate), then the effects of those new, folded per
 * row (`createBatchProjection`), then each run's `last_seq`. The rows end up exactly as if each
 * event had been applied on its own, in order, followed by `markApplied` for each run. Returns the
 * events applied now (an event twice in the batch is applied once).
 */
export async function projectBatch(db: Executor, events: readonly RunEvent[]): Promise<RunEvent[]> {
  const recorded = await recordEvents(db, events);
  const projection = createBatchProjection(db);
  const applied: RunEvent[] = [];
  const marks = new Map<string, RunMark>();
  for (const event of events) {
    if (!recorded.delete(eventKey(event))) continue;
    for (const op of projectionOps(event)) await projection.add(op);
    applied.push(event);
    marks.set(event.run_id, { seq: event.seq, at: event.recorded_at });
  }
  await projection.flush(marks);
  return applied;
}

export interface BatchProjection {
  /** Fold an op into the pending writes; writes them first if the op cannot be folded with them. */
  add(op: ProjectionOp): Promise<void>;
  /** Write what is pending, and advance each marked run's `last_seq`/`updated_at` if behind. */
  flush(marks?: ReadonlyMap<string, RunMark>): Promise<void>;
}

/**
 * A row's pending writes. `patch` is what they amount to if the row was there before them (updates
 * of a missing row do nothing); `row`, if they create it, is the row they leave when it was not.
 */
interface Fold<Row, P> {
  patch: P;
  row: Row | undefined;
}
interface RunFold extends Fold<RunRow, RunPatch> {
  readonly run_id: string;
}
interface StepFold extends Fold<StepRow, StepPatch> {
  readonly run_id: string;
  readonly step_path: string;
}
type CopyLoop = Extract<ProjectionOp, { kind: 'copyLoop' }>;

const stepKey = (runId: string, stepPath: string) => `${runId} ${stepPath}`;
const LOOP_COLUMNS = ['loop_collection_size', 'loop_execution_mode'] as const;

/**
 * Folds ops, in order, into one pending write per row, written set-based: per table one multi-row
 * insert of the rows created, one `UPDATE … FROM (VALUES …)` for the rows changed, and one for the
 * loop iterations whose loop's size and mode are not known from the batch. What cannot be folded
 * is ordered by writing the pending writes first: a rare `apply` op (the DLQ), and a change of a
 * loop's row while an iteration's copy of it is pending.
 */
export function createBatchProjection(db: Executor): BatchProjection {
  let runs = new Map<string, RunFold>();
  let steps = new Map<string, StepFold>();
  let copies = new Map<string, CopyLoop>();
  /** How many pending copies read each loop's row. */
  let copiedFrom = new Map<string, number>();

  const isCopiedFrom = (key: string) => copiedFrom.has(key);
  const parentKey = (copy: CopyLoop) => stepKey(copy.run_id, copy.parent_path);

  function dropCopy(key: string): void {
    const copy = copies.get(key);
    if (copy === undefined) return;
    copies.delete(key);
    const parent = parentKey(copy);
    const n = copiedFrom.get(parent) ?? 0;
    if (n > 1) copiedFrom.set(parent, n - 1);
    else copiedFrom.delete(parent);
  }

  function addCopy(key: string, copy: CopyLoop): void {
    dropCopy(key);
    copies.set(key, copy);
    copiedFrom.set(parentKey(copy), (copiedFrom.get(parentKey(copy)) ?? 0) + 1);
  }

  function stepFold(runId: string, stepPath: string): StepFold {
    const key = stepKey(runId, stepPath);
    let fold = steps.get(key);
    if (fold === undefined)
      steps.set(key, (fold = { run_id: runId, step_path: stepPath, patch: {}, row: undefined }));
    return fold;
  }

  function runFold(runId: string): RunFold {
    let fold = runs.get(runId);
    if (fold === undefined) runs.set(runId, (fold = { run_id: runId, patch: {}, row: undefined }));
    return fold;
  }

  function updateStep(fold: StepFold, set: StepPatch): void {
    fold.patch = { ...fold.patch, ...set };
    if (fold.row !== undefined) fold.row = { ...fold.row, ...set };
  }

  /** The loop columns of a step's row at this point, if the pending writes determine them. */
  function knownLoop(key: string): StepPatch | undefined {
    const fold = steps.get(key);
    if (fold?.row === undefined) return undefined; // the row may not be there
    // Set to the same value whether or not the row was there before.
    const known = LOOP_COLUMNS.every(
      (column) => column in fold.patch && fold.patch[column] === fold.row?.[column],
    );
    return known
      ? {
          loop_collection_size: fold.patch.loop_collection_size,
          loop_execution_mode: fold.patch.loop_execution_mode,
        }
      : undefined;
  }

  async function add(op: ProjectionOp): Promise<void> {
    switch (op.kind) {
      case 'insertRun': {
        const fold = runFold(op.row.run_id);
        // Already created in this batch: the insert conflicts and does nothing.
        fold.row ??= { ...op.row };
        return;
      }
      case 'updateRun': {
        const fold = runFold(op.run_id);
        fold.patch = { ...fold.patch, ...op.set };
        if (fold.row !== undefined) fold.row = { ...fold.row, ...op.set };
        return;
      }
      case 'upsertStep': {
        // A loop's row created now would be read by a pending copy as if it had been there.
        if (isCopiedFrom(stepKey(op.row.run_id, op.row.step_path))) await flush();
        const fold = stepFold(op.row.run_id, op.row.step_path);
        fold.row = fold.row === undefined ? { ...op.row } : { ...fold.row, ...op.onConflict };
        fold.patch = { ...fold.patch, ...op.onConflict };
        return;
      }
      case 'updateStep': {
        const key = stepKey(op.run_id, op.step_path);
        if (LOOP_COLUMNS.some((column) => column in op.set) && isCopiedFrom(key)) await flush();
        // The row's own loop columns overwrite what a pending copy would set.
        if (LOOP_COLUMNS.every((column) => column in op.set)) dropCopy(key);
        updateStep(stepFold(op.run_id, op.step_path), op.set);
        return;
      }
      case 'copyLoop': {
        const key = stepKey(op.run_id, op.step_path);
        const parent = stepKey(op.run_id, op.parent_path);
        if (isCopiedFrom(key)) await flush();
        const known = knownLoop(parent);
        if (known !== undefined) {
          dropCopy(key);
          updateStep(stepFold(op.run_id, op.step_path), known);
          return;
        }
        // One copy statement reads the rows as they were before it: not a copy of a copy.
        if (copies.has(parent)) await flush();
        addCopy(key, op);
        return;
      }
      case 'apply':
        await flush();
        await op.apply(db);
        return;
    }
  }

  async function flush(marks: ReadonlyMap<string, RunMark> = new Map()): Promise<void> {
    const [stepFolds, runFolds, loopCopies] = [[...steps.values()], [...runs.values()], [...copies.values()]];
    steps = new Map();
    runs = new Map();
    copies = new Map();
    copiedFrom = new Map();
    await writeSteps(db, stepFolds);
    await copyLoops(db, loopCopies);
    await writeRuns(db, runFolds, marks);
  }

  return { add, flush };
}

/** Parameters per statement, well under the protocol's 65,535. */
const MAX_PARAMETERS = 30_000;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const isEmpty = (patch: object) => Object.keys(patch).length === 0;

async function writeSteps(db: Executor, folds: readonly StepFold[]): Promise<void> {
  const created = folds.flatMap((fold) => (fold.row === undefined ? [] : [fold.row]));
  const inserted = new Set<string>();
  const returned = await insertRows<{ run_id: string; step_path: string }>(db, {
    table: 'step_executions',
    columns: STEP_COLUMNS,
    defaulted: STEP_DEFAULTED,
    rows: created,
    keys: ['run_id', 'step_path'],
  });
  for (const row of returned) inserted.add(stepKey(row.run_id, row.step_path));
  // Rows that were there already (the insert conflicted), and rows only updated.
  const updates = folds.filter(
    (fold) =>
      !isEmpty(fold.patch) && (fold.row === undefined || !inserted.has(stepKey(fold.run_id, fold.step_path))),
  );
  await updateRows(db, {
    table: 'step_executions',
    keys: [
      ['run_id', 'uuid'],
      ['step_path', 'text'],
    ],
    columns: STEP_PATCH_COLUMNS,
    rows: updates.map((fold) => ({ key: [fold.run_id, fold.step_path], patch: fold.patch })),
  });
}

async function writeRuns(
  db: Executor,
  folds: readonly RunFold[],
  marks: ReadonlyMap<string, RunMark>,
): Promise<void> {
  const created = folds.flatMap((fold) => {
    if (fold.row === undefined) return [];
    const mark = marks.get(fold.run_id);
    const behind = mark !== undefined && (fold.row.last_seq === undefined || fold.row.last_seq < mark.seq);
    return [behind ? { ...fold.row, last_seq: mark.seq, updated_at: mark.at } : fold.row];
  });
  const inserted = new Set<string>();
  const returned = await insertRows<{ run_id: string }>(db, {
    table: 'workflow_runs',
    columns: RUN_COLUMNS,
    defaulted: RUN_DEFAULTED,
    rows: created,
    keys: ['run_id'],
  });
  for (const row of returned) inserted.add(row.run_id);
  // A run inserted now has its mark in the row; every other marked run may still be behind.
  const updates = new Map<string, { key: unknown[]; patch: RunPatch; mark?: RunMark | undefined }>();
  for (const fold of folds) {
    if (inserted.has(fold.run_id)) continue;
    if (!isEmpty(fold.patch)) updates.set(fold.run_id, { key: [fold.run_id], patch: fold.patch });
  }
  for (const [runId, mark] of marks) {
    if (inserted.has(runId)) continue;
    updates.set(runId, { key: [runId], patch: updates.get(runId)?.patch ?? {}, mark });
  }
  await updateRows(db, {
    table: 'workflow_runs',
    keys: [['run_id', 'uuid']],
    columns: RUN_PATCH_COLUMNS,
    rows: [...updates.values()],
    marks: true,
  });
}

interface InsertRows {
  readonly table: 'workflow_runs' | 'step_executions';
  /** Every column of the table, with its type. */
  readonly columns: Readonly<Record<string, ColumnType | 'uuid'>>;
  /** The columns with a default other than NULL. */
  readonly defaulted: readonly string[];
  readonly rows: readonly Readonly<Record<string, unknown>>[];
  /** The primary key: a row already there is left as it is, and the keys of those inserted returned. */
  readonly keys: readonly string[];
}

/** A `jsonb_to_recordset` column definition (`jsonb` travels as text, see `updateRows`). */
const typed = (name: string, type: string) => sql.raw(`${name} ${type === 'jsonb' ? 'text' : type}`);
/** The value of a recordset column as its type (`jsonb` text cast back). */
const fromRecord = (name: string, type: string) =>
  type === 'jsonb' ? sql`cast(${sql.ref(`v.${name}`)} as jsonb)` : sql.ref(`v.${name}`);

/** Rows per `INSERT … SELECT … FROM jsonb_to_recordset(…)`. */
const INSERT_ROWS_PER_STATEMENT = 1_000;

/**
 * Insert rows, skipping those whose key is taken, sent as one JSON parameter (`jsonRows`) rather
 * than a parameter per cell; returns the keys of the rows inserted. A column a row leaves out is
 * NULL in the recordset, which is what leaving it out of a VALUES list gives unless the column has
 * a default: rows are grouped by the defaulted columns they set, one statement per group.
 */
async function insertRows<K>(db: Executor, spec: InsertRows): Promise<K[]> {
  const groups = new Map<string, { columns: Set<string>; rows: Readonly<Record<string, unknown>>[] }>();
  for (const row of spec.rows) {
    const set = spec.defaulted.filter((column) => row[column] !== undefined).join(',');
    let group = groups.get(set);
    if (!group) groups.set(set, (group = { columns: new Set(), rows: [] }));
    group.rows.push(row);
    for (const [column, value] of Object.entries(row)) {
      if (value === undefined) continue;
      if (!(column in spec.columns)) throw new Error(`${spec.table} has no column ${column}`);
      group.columns.add(column);
    }
  }
  const returned: K[] = [];
  for (const group of groups.values()) {
    const columns = [...group.columns];
    for (const rows of chunks(group.rows, INSERT_ROWS_PER_STATEMENT)) {
      const { rows: inserted } = await sql<K>`
        insert into ${sql.table(spec.table)} (${sql.join(columns.map((c) => sql.ref(c)))})
        select ${sql.join(columns.map((c) => fromRecord(c, spec.columns[c]!)))}
        from ${jsonRows(rows as JsonInput)} as v (${sql.join(columns.map((c) => typed(c, spec.columns[c]!)))})
        on conflict (${sql.join(spec.keys.map((k) => sql.ref(k)))}) do nothing
        returning ${sql.join(spec.keys.map((k) => sql.ref(k)))}`.execute(db);
      returned.push(...inserted);
    }
  }
  return returned;
}

interface RowUpdate {
  readonly key: readonly unknown[];
  readonly patch: Readonly<Record<string, unknown>>;
  readonly mark?: RunMark | undefined;
}

interface UpdateRows {
  readonly table: 'workflow_runs' | 'step_executions';
  readonly keys: readonly (readonly [string, ColumnType | 'uuid'])[];
  /** The columns a patch may set, with their types. */
  readonly columns: Readonly<Record<string, ColumnType>>;
  readonly rows: readonly RowUpdate[];
  /** Also advance `last_seq`/`updated_at` to each row's mark where `last_seq` is behind it. */
  readonly marks?: boolean;
}

const cast = (value: unknown, type: string) => sql`cast(${value ?? null} as ${sql.raw(type)})`;

/** Rows per `UPDATE … FROM jsonb_to_recordset(…)`. */
const UPDATE_ROWS_PER_STATEMENT = 1_000;

/**
 * Rows with different patches in one `UPDATE … FROM jsonb_to_recordset(…)`: the rows travel as one
 * JSON parameter (not one parameter per cell), each with a bit mask of the columns it sets, and a
 * column it does not set keeps its value. A `jsonb` value is JSON text already: it travels as a
 * string and is cast in the statement, so it is stored exactly as a parameter of its own would be.
 */
async function updateRows(db: Executor, spec: UpdateRows): Promise<void> {
  if (spec.rows.length === 0) return;
  const columns = Object.keys(spec.columns).filter((column) => spec.rows.some((row) => column in row.patch));
  const definition = [
    ...spec.keys.map(([name, type]) => typed(name, type)),
    typed('mask_', 'integer'),
    ...columns.map((column) => typed(column, spec.columns[column]!)),
    ...(spec.marks === true ? [typed('mark_seq_', 'integer'), typed('mark_at_', 'timestamptz')] : []),
  ];
  for (const rows of chunks(spec.rows, UPDATE_ROWS_PER_STATEMENT)) {
    const records = rows.map((row) => {
      const record: Record<string, unknown> = {};
      spec.keys.forEach(([name], i) => (record[name] = row.key[i] ?? null));
      let mask = 0;
      columns.forEach((column, bit) => {
        if (!(column in row.patch)) return;
        mask |= 1 << bit;
        record[column] = row.patch[column] ?? null;
      });
      record['mask_'] = mask;
      if (spec.marks === true) {
        record['mark_seq_'] = row.mark?.seq ?? null;
        record['mark_at_'] = row.mark?.at ?? null;
      }
      return record;
    });
    const sets = columns.map((column, bit) => {
      const value = fromRecord(column, spec.columns[column]!);
      return sql`${sql.ref(column)} = case when (v.mask_ & ${sql.lit(1 << bit)}) <> 0 then ${value} else ${sql.ref(`t.${column}`)} end`;
    });
    if (spec.marks === true) {
      sets.push(
        sql`last_seq = case when t.last_seq < v.mark_seq_ then v.mark_seq_ else t.last_seq end`,
        sql`updated_at = case when t.last_seq < v.mark_seq_ then v.mark_at_ else t.updated_at end`,
      );
    }
    if (sets.length === 0) return;
    const match = spec.keys.map(([name]) => sql`${sql.ref(`t.${name}`)} = ${sql.ref(`v.${name}`)}`);
    await sql`
      update ${sql.table(spec.table)} as t set ${sql.join(sets)}
      from ${jsonRows(records)} as v (${sql.join(definition)})
      where ${sql.join(match, sql` and `)}`.execute(db);
  }
}

/** The loop iterations' copies of their loop's size and mode that the batch did not determine. */
async function copyLoops(db: Executor, copies: readonly CopyLoop[]): Promise<void> {
  for (const rows of chunks(copies, Math.floor(MAX_PARAMETERS / 3))) {
    const values = rows.map(
      (c) => sql`(${cast(c.run_id, 'uuid')}, ${cast(c.step_path, 'text')}, ${cast(c.parent_path, 'text')})`,
    );
    await sql`
      update step_executions as c
      set loop_collection_size = p.loop_collection_size, loop_execution_mode = p.loop_execution_mode
      from (values ${sql.join(values)}) as v (run_id, step_path, parent_path)
      join step_executions as p on p.run_id = v.run_id and p.step_path = v.parent_path
      where c.run_id = v.run_id and c.step_path = v.step_path`.execute(db);
  }
}

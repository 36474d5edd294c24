import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statementCache } from './prepared-statements.mjs';

/** Values that are easy to get wrong as literals, in every column type the engine uses. */
const rows: unknown[][] = [
  [
    1,
    '00000000-0000-0000-0000-000000000001',
    '{"a":"it\'s \\"quoted\\" \\\\ é ✓","n":[1,2.5,null]}',
    "O'Brien\\n\nline",
    true,
    '2026-12-07T03:00:00.123Z',
    '9007199254740993',
  ],
  [2, '00000000-0000-0000-0000-000000000002', 'null', '', false, '2026-12-07T03:00:00Z', '-1'],
  [3, '00000000-0000-0000-0000-000000000003', null, null, null, null, null],
];

describe('prepared statements on PGlite', () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await PGlite.create();
    await db.exec(
      `create table t (id int primary key, u uuid, j jsonb, s text, b boolean, at timestamptz, n int8)`,
    );
  });
  afterAll(() => db.close());

  it('stores and reads back the same values as plain statements, through EXECUTE', async () => {
    const cache = statementCache();
    const insert = 'insert into t values ($1, $2, $3, $4, $5, $6, $7) returning *';
    const inserted = [];
    for (const row of rows)
      inserted.push(await cache.query<{ rows: unknown[] }>(db, insert, row, undefined, false));
    const sent: string[] = [];
    const spy = {
      query: (sql: string, params?: unknown[], o?: unknown) => (
        sent.push(sql),
        db.query(sql, params, o as never)
      ),
    };
    const select = 'select * from t where id = $1';
    const viaCache = [];
    for (const row of rows)
      viaCache.push(
        (await cache.query<{ rows: unknown[] }>(spy, select, [row[0]], undefined, false)).rows[0],
      );
    for (const row of rows)
      viaCache.push(
        (await cache.query<{ rows: unknown[] }>(spy, select, [row[0]], undefined, false)).rows[0],
      );
    expect(sent.filter((s) => s.startsWith('execute')).length).toBeGreaterThan(0);
    const plain = [];
    for (const row of rows) plain.push((await db.query(select, [row[0]])).rows[0]);
    expect(viaCache).toEqual([...plain, ...plain]);
    // The rows returned by the prepared inserts (the 2nd and 3rd) are the rows stored.
    expect(inserted.slice(1).map((r) => r.rows[0])).toEqual(plain.slice(1));
    expect(plain[0]).toMatchObject({
      j: { a: 'it\'s "quoted" \\ é ✓', n: [1, 2.5, null] },
      s: "O'Brien\\n\nline",
      n: 9007199254740993n,
    });
  });

  it('works inside transactions, and a prepared statement outlives a rollback', async () => {
    const cache = statementCache();
    const update = 'update t set s = $2 where id = $1';
    await db.transaction(async (tx) => {
      await cache.query(tx, update, [2, 'first'], undefined, true);
      await cache.query(tx, update, [2, 'prepared'], undefined, true);
      await tx.rollback();
    });
    expect((await db.query<{ s: string }>('select s from t where id = 2')).rows[0]!.s).toBe('');
    const result = await cache.query<{ affectedRows: number }>(db, update, [2, 'after'], undefined, false);
    expect(result.affectedRows).toBe(1);
    expect((await db.query<{ s: string }>('select s from t where id = 2')).rows[0]!.s).toBe('after');
  });
});

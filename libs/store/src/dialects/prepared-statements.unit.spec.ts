import { describe, expect, it } from 'vitest';
import { statementCache, type Queryable } from './prepared-statements.mjs';

/** Prepared names are numbered per process: the tests see them as `weft_stmt_N`. */
const named = (sql: string) => sql.replace(/weft_stmt_\d+/g, 'weft_stmt_N');

/** A database that records what it is sent and answers with the statement, or fails as told. */
function recorder(fail: (sql: string) => boolean = () => false) {
  const sent: { sql: string; params: unknown[] | undefined }[] = [];
  const target: Queryable = {
    async query(sql, params) {
      sent.push({ sql: named(sql), params });
      if (fail(sql)) throw new Error(`refused: ${sql}`);
      return { sql };
    },
  };
  return { sent, target };
}

const SELECT = 'select * from runs where run_id = $1 and n > $2';

describe('statementCache', () => {
  it('sends a statement plain the first time, prepares it the second, then only executes it', async () => {
    const cache = statementCache();
    const { sent, target } = recorder();
    await cache.query(target, SELECT, ['a', 1], undefined, false);
    await cache.query(target, SELECT, ['b', 2], undefined, false);
    await cache.query(target, SELECT, ['c', 3], undefined, true);
    expect(sent).toEqual([
      { sql: SELECT, params: ['a', 1] },
      { sql: `prepare weft_stmt_N as ${SELECT}`, params: undefined },
      { sql: "execute weft_stmt_N('b', '2')", params: undefined },
      { sql: "execute weft_stmt_N('c', '3')", params: undefined },
    ]);
  });

  it('writes values as literals the server reads as it reads bound text', async () => {
    const cache = statementCache();
    const { sent, target } = recorder();
    const sql = 'insert into t values ($1, $2, $3, $4, $5, $6)';
    const values = ["it's", 'back\\slash', null, true, false, 12345678901234567890n];
    await cache.query(target, sql, values, undefined, false);
    await cache.query(target, sql, values, undefined, false);
    expect(sent.at(-1)!.sql).toBe(
      "execute weft_stmt_N('it''s', 'back\\slash', NULL, 't', 'f', '12345678901234567890')",
    );
  });

  it('sends plain what it does not prepare: other statements, and values without a text form', async () => {
    const cache = statementCache();
    const { sent, target } = recorder();
    for (let i = 0; i < 3; i++) {
      await cache.query(target, 'create table t (id int)', [], undefined, false);
      await cache.query(target, 'select * from t where id = any($1)', [[1, 2]], undefined, false);
      await cache.query(target, 'insert into t values ($1)', [new Uint8Array([1])], undefined, false);
    }
    expect(sent.every((s) => !/^(prepare|execute)/.test(s.sql))).toBe(true);
  });

  it('a statement that cannot be prepared is sent plain from then on; in a transaction its error is the answer', async () => {
    const cache = statementCache();
    const { sent, target } = recorder((sql) => sql.startsWith('prepare'));
    const sql = 'select $1';
    await cache.query(target, sql, ['x'], undefined, false);
    await expect(cache.query(target, sql, ['y'], undefined, false)).resolves.toEqual({ sql });
    await cache.query(target, sql, ['z'], undefined, false);
    expect(sent.map((s) => s.sql)).toEqual([sql, `prepare weft_stmt_N as ${sql}`, sql, sql]);

    const other = 'select $1 as other';
    await cache.query(target, other, ['x'], undefined, true);
    await expect(cache.query(target, other, ['y'], undefined, true)).rejects.toThrow(/refused: prepare/);
  });

  it('does not wait for a PREPARE under way: the same statement meanwhile goes plain', async () => {
    const cache = statementCache();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const sent: string[] = [];
    const target: Queryable = {
      async query(sql) {
        sent.push(named(sql));
        if (sql.startsWith('prepare')) await held;
        return { sql };
      },
    };
    await cache.query(target, SELECT, ['a', 1], undefined, false);
    const preparing = cache.query(target, SELECT, ['b', 2], undefined, false);
    await expect(cache.query(target, SELECT, ['c', 3], undefined, false)).resolves.toEqual({ sql: SELECT });
    release();
    await preparing;
    expect(sent).toEqual([
      SELECT,
      `prepare weft_stmt_N as ${SELECT}`,
      SELECT,
      "execute weft_stmt_N('b', '2')",
    ]);
  });
});

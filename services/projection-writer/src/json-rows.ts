import { toJsonText, type JsonInput } from '@weft/store';
import { sql, type RawBuilder } from 'kysely';

/**
 * Many rows as the source of one statement, sent as one JSON parameter: `from ${jsonRows(rows)} as
 * v (name type, …)`. One string to build and hand over, where a VALUES list takes a parameter per
 * cell (thousands for a batch) that the query builder, the driver and Postgres each handle.
 */
export function jsonRows(rows: JsonInput): RawBuilder<unknown> {
  return sql`jsonb_to_recordset(cast(${toJsonText(rows)} as jsonb))`;
}

/**
 * Text parsers shared by both dialects, so API code sees identical values whichever database
 * answered. Postgres sends every value as text; these decide the JS shape:
 *
 * - `timestamptz` / `timestamp` → ISO-8601 UTC string with milliseconds (`…T03:04:05.123Z`).
 *   Finer digits are truncated (our columns are `timestamptz(3)`, so none are lost). `timestamp`
 *   without zone is read as UTC. `infinity` / `-infinity` come back as Postgres spells them.
 * - `int8` → JS number. Every counter we read (`count(*)`, sums of int4) fits in 2^53; a value
 *   beyond `Number.MAX_SAFE_INTEGER` comes back as its exact decimal string rather than a
 *   silently rounded number.
 * - `date` → the `YYYY-MM-DD` text (no midnight-in-local-time `Date` surprises).
 * - `json` / `jsonb` are left to the drivers: both already parse them into JS values.
 */

export const PG_TYPE_OIDS = {
  INT8: 20,
  DATE: 1082,
  TIMESTAMP: 1114,
  TIMESTAMPTZ: 1184,
} as const;

const TIMESTAMP_TEXT =
  /^(\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?)?( BC)?$/;

/** Parse Postgres' ISO `DateStyle` output of a timestamp into an ISO-8601 UTC string. */
export function parseTimestampText(text: string): string {
  const m = TIMESTAMP_TEXT.exec(text);
  if (m === null) return text;
  const [, y, mo, d, h, mi, s, frac, sign, oh, om, os, bc] = m;
  const year = bc === undefined ? Number(y) : 1 - Number(y);
  const millis = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(year, Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), millis);
  const offsetSeconds =
    sign === undefined
      ? 0
      : (sign === '-' ? -1 : 1) * (Number(oh) * 3600 + Number(om ?? 0) * 60 + Number(os ?? 0));
  return new Date(date.getTime() - offsetSeconds * 1000).toISOString();
}

/** Parse `int8` text to a number when exact, else keep the exact decimal string. */
export function parseInt8Text(text: string): number | string {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}

const identity = (text: string): string => text;

/** OID → parser, the same table for both dialects. */
export const TYPE_PARSERS: Readonly<Record<number, (text: string) => unknown>> = Object.freeze({
  [PG_TYPE_OIDS.INT8]: parseInt8Text,
  [PG_TYPE_OIDS.DATE]: identity,
  [PG_TYPE_OIDS.TIMESTAMP]: parseTimestampText,
  [PG_TYPE_OIDS.TIMESTAMPTZ]: parseTimestampText,
});

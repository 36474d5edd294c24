/** Postgres `unique_violation` (SQLSTATE 23505), as raised by both `pg` and PGlite. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === '23505';
}

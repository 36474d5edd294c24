/**
 * Timestamp arithmetic for deterministic decisions: pure functions of their inputs (no clock is read).
 */
// eslint-disable-next-line no-restricted-globals -- conversion of given instants only, never `Date.now()`/`new Date()` without input
const D = Date;

export function addSeconds(iso: string, seconds: number): string {
  return new D(D.parse(iso) + Math.round(seconds * 1000)).toISOString();
}

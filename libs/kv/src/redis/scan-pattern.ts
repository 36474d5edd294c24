/** A SCAN `MATCH` pattern for keys starting with `prefix`, its glob characters escaped. */
export function prefixPattern(prefix: string): string {
  return prefix.replace(/[\\*?[\]]/g, (c) => `\\${c}`) + '*';
}

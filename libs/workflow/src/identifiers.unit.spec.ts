import {
  PROTOTYPE_NAMES,
  RESERVED_ROOT_WORDS,
  STEP_ID_PATTERN as REFERENCE_STEP_ID,
} from '@weft/expressions';
import { describe, expect, it } from 'vitest';
import { PROTOTYPE_STEP_IDS, RESERVED_STEP_IDS, STEP_ID_PATTERN } from './identifiers';

describe('identifiers agree with the reference language', () => {
  it('reserves exactly the reference roots and prototype names', () => {
    expect(RESERVED_STEP_IDS).toEqual(RESERVED_ROOT_WORDS);
    expect(PROTOTYPE_STEP_IDS).toEqual(PROTOTYPE_NAMES);
  });

  it('accepts as step ids only what references can name', () => {
    for (const id of ['a', '_x', 'step-2', 'A_b-C', 'x'.repeat(128)]) {
      expect(STEP_ID_PATTERN.test(id)).toBe(true);
      expect(REFERENCE_STEP_ID.test(id)).toBe(true);
    }
    for (const id of ['', '1st', '-a', 'a.b', 'a/b', 'a[0]', 'x'.repeat(129)])
      expect(STEP_ID_PATTERN.test(id)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { isUuidV7, uuidv7 } from './uuid';

describe('uuidv7', () => {
  it('encodes the timestamp in the first 48 bits, with version and variant bits', () => {
    const id = uuidv7({ now: 0x0190_1234_5678, random: (b) => b.fill(0xff) });
    expect(id).toBe('01901234-5678-7fff-bfff-ffffffffffff');
    expect(isUuidV7(id)).toBe(true);
  });

  it('sorts by creation time', () => {
    const a = uuidv7({ now: 1_700_000_000_000 });
    const b = uuidv7({ now: 1_700_000_000_001 });
    expect(a < b).toBe(true);
    expect(a).not.toBe(uuidv7({ now: 1_700_000_000_000 }));
  });

  it('refuses a bad clock reading', () => {
    expect(() => uuidv7({ now: -1 })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => uuidv7({ now: Number.NaN })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});

import { ErrorCode, ValidationError } from '@tillkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commitIsPlain, commitSchema, encodeJson, prepareCommit, utf8Length } from './item';

const name = fc.oneof(
  fc.constantFrom('till-1', 'sale', 'a', ' padded', 'padded ', '', 'x'.repeat(256), 'x'.repeat(257), '\u00a0nbsp', 'tab\t'),
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.constant(undefined),
  fc.constant(null),
);
const item = fc.record({ key: name, partition: name, type: name, payload: fc.jsonValue() }, { requiredKeys: [] });
const record = fc.record(
  { collection: name, key: name, value: fc.jsonValue(), mode: fc.constantFrom('put', 'insert', 'delete', 'upsert', undefined) },
  { requiredKeys: [] },
);
const commit = fc.oneof(
  fc.record({
    items: fc.option(fc.array(item, { maxLength: 3 }), { nil: undefined }),
    records: fc.option(fc.array(record, { maxLength: 3 }), { nil: undefined }),
  }),
  fc.anything(),
);

describe('commitIsPlain (the hot path that skips zod)', () => {
  it('accepts only what the zod schema accepts', () => {
    fc.assert(
      fc.property(commit, (input) => {
        if (commitIsPlain(input)) expect(commitSchema.safeParse(input).success).toBe(true);
      }),
      { numRuns: 10_000 },
    );
  });

  it('accepts the common valid shape', () => {
    expect(
      commitIsPlain({
        items: [{ key: 'k', partition: 'p', type: 'sale', payload: { a: 1 } }],
        records: [{ collection: 'c', key: 'k', value: 1 }],
      }),
    ).toBe(true);
  });
});

describe('prepareCommit', () => {
  it('encodes payloads once and counts UTF-8 bytes', () => {
    const { items } = prepareCommit({ items: [{ key: 'k', partition: 'p', type: 't', payload: { name: 'Café 纪念杯 🙂' } }] });
    expect(items[0]!.json).toBe('{"name":"Café 纪念杯 🙂"}');
    expect(items[0]!.bytes).toBe(new TextEncoder().encode(items[0]!.json).length);
  });

  it('refuses what JSON would silently change, naming the place', () => {
    const bad: [unknown, RegExp][] = [
      [{ total: Number.NaN }, /total is NaN/],
      [{ lines: [{ qty: Infinity }] }, /lines\[0\]\.qty is Infinity/],
      [[1, undefined], /\[1\] is undefined/],
      [{ f: () => 1 }, /f is a function/],
      [{ n: 10n }, /n is a bigint/],
      [{ skus: new Map([['a', 1]]) }, /skus is a Map, not a plain object/],
      [{ tags: new Set(['a']) }, /tags is a Set/],
    ];
    for (const [payload, message] of bad) {
      let error: unknown;
      try {
        prepareCommit({ items: [{ key: 'k', partition: 'p', type: 't', payload: payload as never }] });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).code).toBe(ErrorCode.VALIDATION_FAILED);
      expect((error as Error).message).toMatch(message);
    }
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeJson(cyclic, 'payload')).toThrow(/nested more than 256 levels deep \(or refers to itself\)/);
    expect(encodeJson({ at: new Date(0), gone: undefined }, 'payload')).toBe('{"at":"1970-01-01T00:00:00.000Z"}');
  });
});

describe('utf8Length', () => {
  it('agrees with TextEncoder for any string, lone surrogates included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(utf8Length(text)).toBe(new TextEncoder().encode(text).length);
      }),
    );
  });
});

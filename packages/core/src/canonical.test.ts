import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize } from './canonical';
import { ErrorCode, ValidationError } from './errors';

function rejection(value: unknown): ValidationError {
  try {
    canonicalize(value);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error(`canonicalize accepted ${String(value)}`);
}

describe('canonicalize', () => {
  it('sorts object keys at every level and writes no whitespace', () => {
    expect(canonicalize({ b: 1, a: { d: [3, 1, 2], c: null }, A: true })).toBe('{"A":true,"a":{"c":null,"d":[3,1,2]},"b":1}');
  });

  it('gives the same text whatever order the keys were inserted in', () => {
    const entries = Object.entries({ total: 100, currency: 'EUR', sequence: 7, training: false });
    expect(canonicalize(Object.fromEntries(entries))).toBe(canonicalize(Object.fromEntries([...entries].reverse())));
  });

  it('keeps arrays in their order', () => {
    expect(canonicalize([3, 'a', [2, 1], { z: 0 }])).toBe('[3,"a",[2,1],{"z":0}]');
  });

  it('writes scalars as JSON', () => {
    expect(canonicalize(null)).toBe('null');
    expect(canonicalize(true)).toBe('true');
    expect(canonicalize(false)).toBe('false');
    expect(canonicalize(-42)).toBe('-42');
    expect(canonicalize(Number.MAX_SAFE_INTEGER)).toBe('9007199254740991');
    expect(canonicalize(Number.MIN_SAFE_INTEGER)).toBe('-9007199254740991');
    expect(canonicalize('')).toBe('""');
    expect(canonicalize({})).toBe('{}');
    expect(canonicalize([])).toBe('[]');
  });

  it('writes -0 as 0: it is a safe integer equal to 0 and must not hash differently', () => {
    expect(canonicalize(-0)).toBe('0');
    expect(canonicalize({ total: -0 })).toBe(canonicalize({ total: 0 }));
  });

  it('leaves out object properties set to undefined', () => {
    expect(canonicalize({ a: 1, b: undefined })).toBe('{"a":1}');
    expect(canonicalize({ a: undefined })).toBe('{}');
  });

  it('escapes quotes, backslashes and control characters, and keeps other unicode as is', () => {
    expect(canonicalize('say "hi"\\ \n\t\u0000\u001f')).toBe('"say \\"hi\\"\\\\ \\n\\t\\u0000\\u001f"');
    expect(canonicalize('Café ☕ Straße 𝄞 東京')).toBe('"Café ☕ Straße 𝄞 東京"');
    expect(canonicalize({ ключ: 'значение' })).toBe('{"ключ":"значение"}');
  });

  it('escapes lone surrogates so the text is well-formed UTF-16 (and UTF-8 after encoding)', () => {
    expect(canonicalize('\ud800')).toBe('"\\ud800"');
    expect(canonicalize('a\udc00b')).toBe('"a\\udc00b"');
  });

  it('orders keys by UTF-16 code units, not by code points or locale', () => {
    // U+1D11E (𝄞) is the surrogate pair D834 DD1E, so it sorts before U+FF21 (Ａ) in UTF-16
    // although its code point is larger; "Z" (5A) sorts before "a" (61); "é" (E9) after "z".
    const value = { Ａ: 1, '𝄞': 2, a: 3, Z: 4, é: 5, z: 6, '': 7, aa: 8 };
    expect(canonicalize(value)).toBe('{"":7,"Z":4,"a":3,"aa":8,"z":6,"é":5,"𝄞":2,"Ａ":1}');
  });

  it('is JSON: parsing the text gives the value back (property)', () => {
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.constant(null),
        fc.boolean(),
        fc.maxSafeInteger(),
        fc.string({ unit: 'grapheme' }),
        fc.array(tie('value')),
        fc.dictionary(fc.string({ unit: 'grapheme' }), tie('value')),
      ),
    })).value;
    fc.assert(
      fc.property(json, (value) => {
        const text = canonicalize(value);
        expect(JSON.parse(text)).toEqual(value);
        expect(canonicalize(JSON.parse(text))).toBe(text);
      }),
    );
  });

  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;
  const holey = new Array<number>(3);
  holey[0] = 1;
  holey[2] = 3;
  let deep: unknown = 0;
  for (let i = 0; i < 100; i++) deep = [deep];

  it.each([
    ['a float', { total: 19.99 }, '$.total', 'got 19.99'],
    ['NaN', [1, NaN], '$[1]', 'got NaN'],
    ['Infinity', { a: { b: Infinity } }, '$.a.b', 'got Infinity'],
    ['-Infinity', -Infinity, '$', 'got -Infinity'],
    ['an unsafe integer', { n: 2 ** 53 }, '$.n', 'safe integer'],
    ['a bigint', { n: 10n }, '$.n', 'bigint'],
    ['undefined in an array', [1, undefined], '$[1]', 'undefined'],
    ['a hole in an array', holey, '$[1]', 'undefined'],
    ['undefined at the top', undefined, '$', 'undefined'],
    ['a function', { f: () => 1 }, '$.f', 'function'],
    ['a symbol', { s: Symbol('x') }, '$.s', 'symbol'],
    ['a Date', { at: new Date(0) }, '$.at', 'Date'],
    ['a Map', { m: new Map() }, '$.m', 'Map'],
    ['a class instance', { x: new (class Point {})() }, '$.x', 'Point'],
    ['a circular reference', circular, '$.self', 'circular'],
    ['nesting deeper than 64 levels', deep, `$${'[0]'.repeat(12)}…`, 'nested more than 64 levels'],
  ])('refuses %s with VALIDATION_FAILED naming the path', (_name, value, path, fragment) => {
    const error = rejection(value);
    expect(error.code).toBe(ErrorCode.VALIDATION_FAILED);
    expect(error.message).toContain(`: ${path} `);
    expect(error.message).toContain(fragment);
    expect(error.details).toEqual({ path });
  });

  it('accepts objects without a prototype', () => {
    const bare = Object.create(null) as Record<string, number>;
    bare.b = 2;
    bare.a = 1;
    expect(canonicalize(bare)).toBe('{"a":1,"b":2}');
  });

  it('accepts the same object twice when it is not circular', () => {
    const shared = { x: 1 };
    expect(canonicalize({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });
});

import { TillkitError } from '@tillkit/core';
import { describe, expect, it } from 'vitest';
import { commands } from './commands';

const hex = (bytes: Uint8Array) =>
  Buffer.from(bytes)
    .toString('hex')
    .toUpperCase()
    .replace(/(..)(?!$)/g, '$1 ');

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return TillkitError.isInstance(error) ? error.code : `not a TillkitError: ${String(error)}`;
  }
  return undefined;
}

describe('commands', () => {
  it('builds the exact ESC/POS sequences', () => {
    expect(hex(commands.init())).toBe('1B 40');
    expect(hex(commands.drawerKick(2, 50, 500))).toBe('1B 70 00 19 FA');
    expect(hex(commands.drawerKick())).toBe('1B 70 00 19 FA');
    expect(hex(commands.drawerKick(5, 100, 200))).toBe('1B 70 01 32 64');
    expect(hex(commands.cut(true))).toBe('1D 56 42 00');
    expect(hex(commands.cut(false))).toBe('1D 56 41 00');
    expect(hex(commands.feed(3))).toBe('1B 64 03');
    expect(hex(commands.enableAsb(0xff))).toBe('1D 61 FF');
    expect(hex(commands.enableAsb())).toBe('1D 61 0F');
    expect(hex(commands.disableAsb())).toBe('1D 61 00');
    expect(hex(commands.realtimeStatus(4))).toBe('10 04 04');
    expect(hex(commands.transmitStatus(1))).toBe('1D 72 01');
    expect(hex(commands.printCompletion('J001'))).toBe('1D 28 48 06 00 30 30 4A 30 30 31');
    expect(hex(commands.selectCodePage(19))).toBe('1B 74 13');
    expect(hex(commands.kanjiOn())).toBe('1C 26');
    expect(hex(commands.kanjiOff())).toBe('1C 2E');
    expect(hex(commands.selectKanjiEncoding('shift_jis'))).toBe('1C 43 01');
    expect(hex(commands.selectKanjiEncoding('jis'))).toBe('1C 43 00');
  });

  it('returns a new array on every call, so callers cannot change later commands', () => {
    const first = commands.kanjiOn();
    first[0] = 0;
    expect(hex(commands.kanjiOn())).toBe('1C 26');
  });

  it('refuses parameters the printer would misread', () => {
    expect(code(() => commands.drawerKick(3 as 2))).toBe('VALIDATION_FAILED');
    expect(code(() => commands.drawerKick(2, 0))).toBe('VALIDATION_FAILED');
    expect(code(() => commands.drawerKick(2, 50, 600))).toBe('VALIDATION_FAILED');
    expect(code(() => commands.feed(256))).toBe('VALIDATION_FAILED');
    expect(code(() => commands.enableAsb(0))).toBe('VALIDATION_FAILED');
    expect(code(() => commands.realtimeStatus(5 as 1))).toBe('VALIDATION_FAILED');
    expect(code(() => commands.printCompletion('J01'))).toBe('VALIDATION_FAILED');
    expect(code(() => commands.printCompletion('J\n01'))).toBe('VALIDATION_FAILED');
    expect(code(() => commands.selectCodePage(-1))).toBe('VALIDATION_FAILED');
    expect(code(() => commands.selectKanjiEncoding('euc' as 'jis'))).toBe('VALIDATION_FAILED');
  });
});

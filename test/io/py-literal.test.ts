import { describe, expect, it } from 'vitest';
import { parsePyLiteral, PyLiteralError } from '../../src/io/py-literal.js';

// Expected values: Python 3.12's ast.literal_eval on the same text.
describe('parsePyLiteral', () => {
  const value = (text: string, python2Longs = false) => parsePyLiteral(text, { python2Longs });
  const error = (text: string): string => {
    try {
      parsePyLiteral(text);
    } catch (caught) {
      expect(caught).toBeInstanceOf(PyLiteralError);
      return (caught as Error).message;
    }
    throw new Error(`expected ${JSON.stringify(text)} to be refused`);
  };

  it('decodes Python string escapes, keeping the backslash of unknown ones', () => {
    expect(value("'\\s\\x41\\u00e9\\101\\0\\n\\\\\\''")).toEqual({ kind: 'str', value: "\\sAéA\0\n\\'" });
    expect(value("'a\\\nb'")).toEqual({ kind: 'str', value: 'ab' });
    expect(error("'\\x4'")).toMatch(/truncated \\x escape/);
    expect(error("'\\N{LATIN SMALL LETTER A}'")).toMatch(/not supported/);
    expect(error("'a' 'b'")).toMatch(/implicitly concatenated/);
  });

  it('reads integer literals with Python 3 rules', () => {
    expect(value('(0, 00, 1_0, 0x_1f, 0O17, 0b1, -3, + 2, - 4)')).toEqual({
      kind: 'tuple',
      items: [0, 0, 10, 31, 15, 1, -3, 2, -4].map((v) => ({ kind: 'int', value: v })),
    });
    expect(error('007')).toMatch(/leading zeros/);
    expect(error('0_1')).toMatch(/leading zeros/);
    expect(error('1__0')).toMatch(/invalid integer literal/);
    expect(error('3L')).toMatch(/invalid integer literal/);
    expect(value('3L', true)).toEqual({ kind: 'int', value: 3 });
    expect(error('3l')).toMatch(/invalid integer literal/);
  });

  it('accepts the whitespace Python accepts around an expression, and no indentation error', () => {
    expect(value(' \n\f{}\f \n\n \n')).toEqual({ kind: 'dict', entries: [] });
    expect(value('{}\r')).toEqual({ kind: 'dict', entries: [] });
    expect(error('{}\n\t')).toMatch(/unexpected indent/);
    expect(error('\n  {}')).toMatch(/unexpected indent/);
    expect(error('\ufeff{}')).toMatch(/unexpected character/);
  });
});

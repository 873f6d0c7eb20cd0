/**
 * A small strict parser for the Python literal in a .npy header, e.g.
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
 *
 * It understands only what np.save writes (dicts, tuples, lists, strings,
 * integers, True/False/None), with Python 3's rules as numpy applies them
 * through `ast.literal_eval`: string escapes (an unknown escape such as `\s`
 * keeps its backslash), integer literals (no leading zeros, `_` separators,
 * 0x/0o/0b), whitespace and line breaks. Anything it accepts, numpy accepts
 * the same way; a few rarer forms numpy also accepts (comments, implicit
 * string concatenation, triple quotes, `\N{...}`) are refused. It never
 * evaluates anything: the header of a hostile file is just text that either
 * parses or is rejected.
 */

export type PyValue =
  | { readonly kind: 'str'; readonly value: string }
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'none' }
  | { readonly kind: 'tuple' | 'list'; readonly items: PyValue[] }
  | { readonly kind: 'dict'; readonly entries: Array<[PyValue, PyValue]> };

/** Thrown on text that is not a literal of the supported kind; `offset` is where parsing stopped. */
export class PyLiteralError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'PyLiteralError';
  }
}

export interface PyLiteralOptions {
  /**
   * Accept Python 2's long suffix (`3L`), as numpy does for .npy versions
   * 1.0 and 2.0 (files written by Python 2); default false.
   */
  readonly python2Longs?: boolean;
}

/**
 * Parses `text` as one literal, with the whitespace Python accepts around an
 * expression: blank lines and spaces before it (but no indented first line),
 * spaces and line breaks after it (but no last line of only spaces or tabs).
 */
export function parsePyLiteral(text: string, options: PyLiteralOptions = {}): PyValue {
  const parser = new Parser(text, options.python2Longs ?? false);
  parser.leadingSpace();
  const value = parser.value();
  parser.trailingSpace();
  return value;
}

/** Nesting depth limit, so a header of a million '(' cannot overflow the stack. */
const MAX_DEPTH = 32;

/** Python's whitespace between tokens (inside brackets line breaks are whitespace too). */
const SPACE = ' \t\f\r\n';

/** Single-character escapes of Python string literals. */
const ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

class Parser {
  private offset = 0;
  private depth = 0;

  constructor(
    private readonly text: string,
    private readonly python2Longs: boolean,
  ) {}

  /** ast.literal_eval strips leading spaces and tabs; after that only blank lines may precede the literal. */
  leadingSpace(): void {
    while (!this.atEnd() && ' \t'.includes(this.text[this.offset])) this.offset++;
    let lineStart = this.offset;
    // A form feed resets Python's indentation count, as a line break does.
    while (!this.atEnd() && SPACE.includes(this.text[this.offset])) {
      const char = this.text[this.offset++];
      if (char === '\n' || char === '\r' || char === '\f') lineStart = this.offset;
    }
    if (this.offset !== lineStart && lineStart > 0) this.fail('unexpected indent');
  }

  /** Only whitespace may follow; a last line holding only spaces or tabs is an indentation error in Python. */
  trailingSpace(): void {
    let lineStart = -1;
    while (!this.atEnd() && SPACE.includes(this.text[this.offset])) {
      const char = this.text[this.offset++];
      if (char === '\n' || char === '\r') lineStart = this.offset;
    }
    if (!this.atEnd()) this.fail('unexpected text after the literal');
    if (lineStart >= 0 && lineStart < this.text.length) {
      this.offset = lineStart;
      this.fail('unexpected indent');
    }
  }

  atEnd(): boolean {
    return this.offset >= this.text.length;
  }

  fail(message: string): never {
    throw new PyLiteralError(`${message} at offset ${this.offset}`, this.offset);
  }

  skipSpace(): void {
    while (!this.atEnd() && SPACE.includes(this.text[this.offset])) this.offset++;
  }

  value(): PyValue {
    this.skipSpace();
    if (this.atEnd()) this.fail('unexpected end of header');
    const char = this.text[this.offset];
    if (char === '{') return this.nested(() => this.dict());
    if (char === '(') return this.nested(() => this.sequence('(', ')', 'tuple'));
    if (char === '[') return this.nested(() => this.sequence('[', ']', 'list'));
    if (char === "'" || char === '"') return { kind: 'str', value: this.string(char) };
    const next = this.text[this.offset + 1];
    if ((char === 'u' || char === 'U') && (next === "'" || next === '"')) {
      this.offset++;
      return { kind: 'str', value: this.string(next) };
    }
    if (char === '-' || char === '+' || (char >= '0' && char <= '9')) return { kind: 'int', value: this.signedInteger() };
    for (const [word, value] of [['True', { kind: 'bool', value: true }], ['False', { kind: 'bool', value: false }], ['None', { kind: 'none' }]] as const) {
      if (this.text.startsWith(word, this.offset)) {
        this.offset += word.length;
        return value;
      }
    }
    const code = char.codePointAt(0)!;
    const shown = code >= 0x20 && code < 0x7f ? JSON.stringify(char) : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
    return this.fail(`unexpected character ${shown}`);
  }

  private nested(parse: () => PyValue): PyValue {
    if (++this.depth > MAX_DEPTH) this.fail('literal nested too deeply');
    const value = parse();
    this.depth--;
    return value;
  }

  private expect(char: string): void {
    this.skipSpace();
    if (this.text[this.offset] !== char) this.fail(`expected ${JSON.stringify(char)}`);
    this.offset++;
  }

  /** True (and consumes it) when the next non-space character is `char`. */
  private accept(char: string): boolean {
    this.skipSpace();
    if (this.text[this.offset] !== char) return false;
    this.offset++;
    return true;
  }

  private dict(): PyValue {
    this.expect('{');
    const entries: Array<[PyValue, PyValue]> = [];
    while (!this.accept('}')) {
      const key = this.value();
      this.expect(':');
      entries.push([key, this.value()]);
      if (!this.accept(',')) {
        this.expect('}');
        break;
      }
    }
    return { kind: 'dict', entries };
  }

  /**
   * A tuple or list with an optional trailing comma. As in Python, `(5)` is
   * the number 5, not a tuple: only `(5,)` is a one-element tuple.
   */
  private sequence(open: string, close: string, kind: 'tuple' | 'list'): PyValue {
    this.expect(open);
    const items: PyValue[] = [];
    let sawComma = false;
    while (!this.accept(close)) {
      items.push(this.value());
      if (!this.accept(',')) {
        this.expect(close);
        break;
      }
      sawComma = true;
    }
    if (kind === 'tuple' && items.length === 1 && !sawComma) return items[0];
    return { kind, items };
  }

  /** A single-line string literal with Python's escapes; the opening quote is at the offset. */
  private string(quote: string): string {
    if (this.text.startsWith(quote.repeat(3), this.offset)) this.fail('triple-quoted strings are not supported');
    this.offset++;
    let result = '';
    while (!this.atEnd()) {
      const char = this.text[this.offset++];
      if (char === quote) {
        const end = this.offset;
        this.skipSpace();
        if (this.text[this.offset] === "'" || this.text[this.offset] === '"') this.fail('implicitly concatenated strings are not supported');
        this.offset = end;
        return result;
      }
      if (char === '\n' || char === '\r') this.fail('line break inside a string');
      result += char === '\\' ? this.escape() : char;
    }
    return this.fail('unterminated string');
  }

  /** The escape after a backslash, as Python 3 reads it (unknown escapes keep the backslash). */
  private escape(): string {
    if (this.atEnd()) this.fail('unterminated string');
    const char = this.text[this.offset++];
    if (char in ESCAPES) return ESCAPES[char];
    if (char === '\n') return '';
    if (char === '\r') {
      if (this.text[this.offset] === '\n') this.offset++;
      return '';
    }
    if (char >= '0' && char <= '7') {
      const digits = /^[0-7]{1,3}/.exec(this.text.slice(this.offset - 1, this.offset + 2))![0];
      this.offset += digits.length - 1;
      return String.fromCodePoint(parseInt(digits, 8));
    }
    const hexDigits = char === 'x' ? 2 : char === 'u' ? 4 : char === 'U' ? 8 : 0;
    if (hexDigits > 0) {
      const digits = this.text.slice(this.offset, this.offset + hexDigits);
      if (!new RegExp(`^[0-9a-fA-F]{${hexDigits}}$`).test(digits)) this.fail(`truncated \\${char} escape`);
      const code = parseInt(digits, 16);
      if (code > 0x10ffff) this.fail(`\\${char} escape out of range`);
      this.offset += hexDigits;
      return String.fromCodePoint(code);
    }
    if (char === 'N') this.fail('\\N{...} escapes are not supported');
    return '\\' + char;
  }

  /** An integer with an optional sign (Python allows spaces between them). */
  private signedInteger(): number {
    const char = this.text[this.offset];
    if (char === '-' || char === '+') {
      this.offset++;
      this.skipSpace();
      const value = this.integer();
      return char === '-' ? -value : value;
    }
    return this.integer();
  }

  /**
   * A Python 3 integer literal: decimal without leading zeros (except 0
   * itself), hexadecimal, octal or binary, with single `_` between digits.
   * Python 2's `L` suffix only when allowed (numpy strips it for .npy 1.0/2.0).
   */
  private integer(): number {
    const rest = this.text.slice(this.offset, this.offset + 80);
    const match = /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|0(?:_?0)*|[1-9](?:_?[0-9])*)/.exec(rest);
    if (!match) this.fail('expected an integer');
    this.offset += match[0].length;
    const after = this.text[this.offset] ?? '';
    if (/[0-9_a-zA-Z.]/.test(after)) {
      if (after === 'L' && this.python2Longs) this.offset++;
      else if (/[0-9_]/.test(after) && match[0][0] === '0' && !/^0[xob]/i.test(match[0])) this.fail('leading zeros in a decimal integer literal');
      else this.fail('invalid integer literal');
    }
    const digits = match[0].replace(/_/g, '');
    const prefix = digits.slice(0, 2).toLowerCase();
    const value = prefix === '0x' ? parseInt(digits.slice(2), 16) : prefix === '0o' ? parseInt(digits.slice(2), 8) : prefix === '0b' ? parseInt(digits.slice(2), 2) : Number(digits);
    return value;
  }
}

/**
 * A small strict parser for the Python literal in a .npy header, e.g.
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
 *
 * It understands only what np.save writes (dicts, tuples, lists, strings,
 * integers, True/False/None). It never evaluates anything: the header of a
 * hostile file is just text that either parses or is rejected.
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

/** Parses `text` as one literal followed only by whitespace. */
export function parsePyLiteral(text: string): PyValue {
  const parser = new Parser(text);
  const value = parser.value();
  parser.skipSpace();
  if (!parser.atEnd()) parser.fail('unexpected text after the literal');
  return value;
}

/** Nesting depth limit, so a header of a million '(' cannot overflow the stack. */
const MAX_DEPTH = 32;

class Parser {
  private offset = 0;
  private depth = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.offset >= this.text.length;
  }

  fail(message: string): never {
    throw new PyLiteralError(`${message} at offset ${this.offset}`, this.offset);
  }

  skipSpace(): void {
    while (!this.atEnd() && ' \t\r\n'.includes(this.text[this.offset])) this.offset++;
  }

  value(): PyValue {
    this.skipSpace();
    if (this.atEnd()) this.fail('unexpected end of header');
    const char = this.text[this.offset];
    if (char === '{') return this.nested(() => this.dict());
    if (char === '(') return this.nested(() => this.sequence('(', ')', 'tuple'));
    if (char === '[') return this.nested(() => this.sequence('[', ']', 'list'));
    if (char === "'" || char === '"') return { kind: 'str', value: this.string(char) };
    if (char === '-' || (char >= '0' && char <= '9')) return { kind: 'int', value: this.integer() };
    for (const [word, value] of [['True', { kind: 'bool', value: true }], ['False', { kind: 'bool', value: false }], ['None', { kind: 'none' }]] as const) {
      if (this.text.startsWith(word, this.offset)) {
        this.offset += word.length;
        return value;
      }
    }
    return this.fail(`unexpected character ${JSON.stringify(char)}`);
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

  private string(quote: string): string {
    this.offset++;
    let result = '';
    while (!this.atEnd()) {
      const char = this.text[this.offset++];
      if (char === quote) return result;
      if (char === '\\') {
        if (this.atEnd()) break;
        result += this.text[this.offset++];
      } else if (char === '\n') {
        this.fail('line break inside a string');
      } else {
        result += char;
      }
    }
    return this.fail('unterminated string');
  }

  /** A decimal integer; Python 2's long suffix (`3L`, in old files) is accepted. */
  private integer(): number {
    const match = /^-?\d+[lL]?/.exec(this.text.slice(this.offset, this.offset + 64));
    if (!match) this.fail('expected an integer');
    this.offset += match[0].length;
    return Number(match[0].replace(/[lL]$/, ''));
  }
}

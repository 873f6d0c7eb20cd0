/**
 * A restricted interpreter for Python pickles (protocols 2 to 5), enough to
 * read what torch.save writes and nothing more.
 *
 * A pickle is a program for a stack machine whose GLOBAL and REDUCE opcodes
 * import and call arbitrary Python callables; that is how a malicious file
 * runs `os.system`. Here nothing is ever called: the caller resolves each
 * global against an allow-list (anything else is refused with its name) and
 * supplies plain JavaScript functions for the few "calls" it allows (rebuild a
 * tensor, build an OrderedDict). Every loop is bounded by the bytes present,
 * every declared length checked against them before it is used.
 */
import { InputError } from '../errors.js';
import { printable } from './printable.js';

/** A Python value as the interpreter builds it. */
export type PyObject =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyList
  | PyTuple
  | PyDict
  | PyGlobal
  | PyOpaque;

export interface PyList { readonly kind: 'list'; readonly items: PyObject[] }
export interface PyTuple { readonly kind: 'tuple'; readonly items: PyObject[] }
export interface PyDict { readonly kind: 'dict'; readonly entries: [PyObject, PyObject][] }
/** An allowed global, e.g. `torch._utils._rebuild_tensor_v2`. */
export interface PyGlobal { readonly kind: 'global'; readonly module: string; readonly name: string }
/** A value built by the caller (a tensor, a storage), carried through untouched. */
export interface PyOpaque { readonly kind: 'opaque'; readonly value: unknown }

/** What the caller allows a pickle to do. */
export interface PickleHooks {
  /** True when `module.name` may appear; any other global is refused. */
  isAllowedGlobal(module: string, name: string): boolean;
  /** `callable(*args)` for an allowed global (REDUCE / NEWOBJ). */
  call(callable: PyGlobal, args: PyObject[]): PyObject;
  /** BINPERSID: the object a persistent id stands for (torch: a storage). */
  persistentLoad(pid: PyObject): PyObject;
}

/** Deepest nesting of containers accepted while interpreting or walking. */
export const MAX_PICKLE_DEPTH = 200;

/**
 * Runs the pickle in `bytes` with `hooks` and returns the value it builds.
 *
 * @throws InputError naming `source` for a refused global or opcode, a
 *   truncated or malformed pickle.
 */
export function parsePickle(bytes: Uint8Array, source: string, hooks: PickleHooks): PyObject {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Marks are stack heights, so the stack holds only values.
  const stack: PyObject[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyObject>();
  let at = 0;

  const fail = (detail: string): never => {
    throw new InputError(`malformed pickle (${source}): ${detail}`, {
      where: source,
      hint: 'the file is damaged or was not written by torch.save; save it again with torch.save(obj, path)',
    });
  };
  const need = (count: number): void => {
    if (!Number.isSafeInteger(count) || count < 0 || at + count > bytes.length) fail(`needs ${count} bytes at ${at}, the pickle has ${bytes.length}`);
  };
  const take = (count: number): Uint8Array => {
    need(count);
    const out = bytes.subarray(at, at + count);
    at += count;
    return out;
  };
  const u8 = (): number => { need(1); return bytes[at++]; };
  const u16 = (): number => { need(2); const v = dv.getUint16(at, true); at += 2; return v; };
  const u32 = (): number => { need(4); const v = dv.getUint32(at, true); at += 4; return v; };
  const i32 = (): number => { need(4); const v = dv.getInt32(at, true); at += 4; return v; };
  const u64 = (): number => {
    need(8);
    const v = dv.getBigUint64(at, true);
    at += 8;
    if (v > BigInt(bytes.length)) fail(`declares ${v} bytes, the pickle has ${bytes.length}`);
    return Number(v);
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, at);
    if (end < 0) fail('text argument without its newline');
    const text = latin1(bytes.subarray(at, end));
    at = end + 1;
    return text;
  };
  const pop = (): PyObject => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1])) fail(`stack underflow at byte ${at}`);
    return stack.pop()!;
  };
  const top = (): PyObject => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1])) fail(`empty stack at byte ${at}`);
    return stack[stack.length - 1];
  };
  const popMark = (): PyObject[] => {
    const start = marks.pop();
    if (start === undefined) fail(`no mark at byte ${at}`);
    return stack.splice(start!);
  };
  const push = (value: PyObject): void => {
    stack.push(value);
  };
  const global = (module: string, name: string): PyGlobal => {
    if (!hooks.isAllowedGlobal(module, name)) {
      const numpy = module === 'numpy' || module.startsWith('numpy.');
      throw new InputError(`refused to load ${printable(`${module}.${name}`)} from a pickle (${source}): only tensors and plain containers are read, and nothing in the file is run`, {
        where: source,
        hint: numpy
          ? 'the file holds pickled numpy arrays; save them with np.savez(path, **arrays), or as tensors: torch.save({k: torch.from_numpy(v) for k, v in acts.items()}, path)'
          : 'the file holds other Python objects (possibly malicious code); save only tensors, e.g. torch.save({k: v.detach().cpu() for k, v in acts.items()}, path)',
      });
    }
    return { kind: 'global', module, name };
  };
  const callable = (value: PyObject): PyGlobal => {
    if (value === null || typeof value !== 'object' || value instanceof Uint8Array || value.kind !== 'global') fail(`call of a non-global at byte ${at}`);
    return value as PyGlobal;
  };
  const tupleItems = (value: PyObject): PyObject[] => {
    if (value === null || typeof value !== 'object' || value instanceof Uint8Array || value.kind !== 'tuple') fail(`expected an argument tuple at byte ${at}`);
    return (value as PyTuple).items;
  };
  const asList = (value: PyObject): PyList => {
    if (value === null || typeof value !== 'object' || value instanceof Uint8Array || value.kind !== 'list') fail(`append to a non-list at byte ${at}`);
    return value as PyList;
  };
  const asDict = (value: PyObject): PyDict => {
    if (value === null || typeof value !== 'object' || value instanceof Uint8Array || value.kind !== 'dict') fail(`set item on a non-dict at byte ${at}`);
    return value as PyDict;
  };
  const memoGet = (index: number): PyObject => {
    if (!memo.has(index)) fail(`memo entry ${index} read before it was written`);
    return memo.get(index)!;
  };
  const memoPut = (index: number): void => {
    memo.set(index, top());
  };
  const checkDepth = (): void => {
    if (marks.length > MAX_PICKLE_DEPTH) fail(`containers nested deeper than ${MAX_PICKLE_DEPTH}`);
  };

  // Each opcode consumes at least one byte: the loop ends within bytes.length steps.
  while (at < bytes.length) {
    const position = at;
    const op = bytes[at++];
    switch (op) {
      case 0x80: { // PROTO
        const version = u8();
        if (version > 5) fail(`pickle protocol ${version} (pwcca reads 2 to 5)`);
        break;
      }
      case 0x95: u64(); break; // FRAME: a length hint only
      case 0x2e: { // STOP
        if (stack.length !== 1 || marks.length > 0) fail(`ends with ${stack.length} values on the stack`);
        return pop();
      }
      case 0x28: marks.push(stack.length); checkDepth(); break; // MARK
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: push(top()); break; // DUP
      case 0x4e: push(null); break; // NONE
      case 0x88: push(true); break; // NEWTRUE
      case 0x89: push(false); break; // NEWFALSE
      case 0x4a: push(i32()); break; // BININT
      case 0x4b: push(u8()); break; // BININT1
      case 0x4d: push(u16()); break; // BININT2
      case 0x8a: push(readLong(take(u8()))); break; // LONG1
      case 0x8b: { // LONG4
        const length = i32();
        if (length < 0 || length > 64) fail(`integer of ${length} bytes`);
        push(readLong(take(length)));
        break;
      }
      case 0x49: { // INT (text)
        const text = line();
        push(text === '01' ? true : text === '00' ? false : parseIntText(text, fail));
        break;
      }
      case 0x4c: push(parseIntText(line().replace(/L$/, ''), fail)); break; // LONG (text)
      case 0x47: { need(8); push(dv.getFloat64(at, false)); at += 8; break; } // BINFLOAT (big-endian)
      case 0x58: push(utf8(take(u32()))); break; // BINUNICODE
      case 0x8c: push(utf8(take(u8()))); break; // SHORT_BINUNICODE
      case 0x8d: push(utf8(take(u64()))); break; // BINUNICODE8
      case 0x54: { // BINSTRING
        const length = i32();
        push(latin1(take(length)));
        break;
      }
      case 0x55: push(latin1(take(u8()))); break; // SHORT_BINSTRING
      case 0x42: push(take(u32()).slice()); break; // BINBYTES
      case 0x43: push(take(u8()).slice()); break; // SHORT_BINBYTES
      case 0x8e: push(take(u64()).slice()); break; // BINBYTES8
      case 0x96: push(take(u64()).slice()); break; // BYTEARRAY8
      case 0x29: push({ kind: 'tuple', items: [] }); break; // EMPTY_TUPLE
      case 0x85: push({ kind: 'tuple', items: [pop()] }); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); push({ kind: 'tuple', items: [a, b] }); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); push({ kind: 'tuple', items: [a, b, c] }); break; } // TUPLE3
      case 0x74: push({ kind: 'tuple', items: popMark() }); break; // TUPLE
      case 0x5d: push({ kind: 'list', items: [] }); break; // EMPTY_LIST
      case 0x6c: push({ kind: 'list', items: popMark() }); break; // LIST
      case 0x7d: push({ kind: 'dict', entries: [] }); break; // EMPTY_DICT
      case 0x64: push({ kind: 'dict', entries: pairs(popMark(), fail) }); break; // DICT
      case 0x8f: push({ kind: 'list', items: [] }); break; // EMPTY_SET, kept as a list
      case 0x90: { const items = popMark(); append(asList(top()).items, items); break; } // ADDITEMS
      case 0x91: push({ kind: 'list', items: popMark() }); break; // FROZENSET
      case 0x61: { const value = pop(); asList(top()).items.push(value); break; } // APPEND
      case 0x65: { const items = popMark(); append(asList(top()).items, items); break; } // APPENDS
      case 0x73: { const value = pop(); const key = pop(); asDict(top()).entries.push([key, value]); break; } // SETITEM
      case 0x75: { const items = popMark(); append(asDict(top()).entries, pairs(items, fail)); break; } // SETITEMS
      case 0x71: memoPut(u8()); break; // BINPUT
      case 0x72: memoPut(u32()); break; // LONG_BINPUT
      case 0x70: memoPut(parseIntText(line(), fail) as number); break; // PUT
      case 0x94: memoPut(memo.size); break; // MEMOIZE
      case 0x68: push(memoGet(u8())); break; // BINGET
      case 0x6a: push(memoGet(u32())); break; // LONG_BINGET
      case 0x67: push(memoGet(parseIntText(line(), fail) as number)); break; // GET
      case 0x63: { // GLOBAL "module\nname\n"
        const module = line();
        push(global(module, line()));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail(`STACK_GLOBAL without two strings at byte ${position}`);
        push(global(module as string, name as string));
        break;
      }
      case 0x52: { // REDUCE: callable(*args), through the caller's allow-listed functions
        const args = tupleItems(pop());
        push(hooks.call(callable(pop()), args));
        break;
      }
      case 0x81: { // NEWOBJ: cls.__new__(cls, *args)
        const args = tupleItems(pop());
        push(hooks.call(callable(pop()), args));
        break;
      }
      case 0x62: pop(); top(); break; // BUILD: object state (e.g. a state dict's _metadata) is not needed
      case 0x51: push(hooks.persistentLoad(pop())); break; // BINPERSID
      case 0x50: push(hooks.persistentLoad(line())); break; // PERSID
      default:
        fail(`opcode 0x${op.toString(16).padStart(2, '0')} at byte ${position} is not supported (pwcca reads tensors and plain containers only)`);
    }
  }
  return fail('no STOP opcode: the pickle is truncated');
}

/** Appends one by one: spreading a long list into push() overflows the call stack. */
function append<T>(target: T[], items: readonly T[]): void {
  for (const item of items) target.push(item);
}

/** Pairs a flat key, value, key, value... list. */
function pairs(items: PyObject[], fail: (detail: string) => never): [PyObject, PyObject][] {
  if (items.length % 2 !== 0) fail('odd number of items for a dict');
  const out: [PyObject, PyObject][] = [];
  for (let i = 0; i < items.length; i += 2) out.push([items[i], items[i + 1]]);
  return out;
}

/** Little-endian two's complement integer of any length: a number when safe, else a bigint. */
function readLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]);
  if (bytes[bytes.length - 1] & 0x80) value -= 1n << BigInt(8 * bytes.length);
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

function parseIntText(text: string, fail: (detail: string) => never): number | bigint {
  if (!/^[+-]?\d{1,30}$/.test(text)) fail(`bad integer literal ${JSON.stringify(text.slice(0, 20))}`);
  const value = BigInt(text);
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

function latin1(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
  return text;
}

function utf8(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes);
}

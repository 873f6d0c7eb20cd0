import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseArrays } from '../../src/io/open.js';
import { bfloat16Value, buildTorchFile, littleEndianBytes, PickleWriter, writeTensor } from './format-builders.js';

async function readAll(bytes: Uint8Array) {
  const { format, entries } = await parseArrays(bytes, 'x.pt');
  expect(format).toBe('torch');
  return Promise.all(entries.map(async (entry) => ({ key: entry.key, ...(await entry.read()) })));
}

async function errorOf(bytes: Uint8Array): Promise<InputError> {
  const error = await readAll(bytes).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

/** One 2 x 3 tensor of `storageType` over `values`, stored as `bytes`. */
function oneTensor(storageType: string, bytes: Uint8Array, numel = 6): Uint8Array {
  const pickle = writeTensor(new PickleWriter(), { key: '0', storageType, numel, size: [2, 3], stride: [3, 1] }).stop();
  return buildTorchFile(pickle, { '0': bytes });
}

describe('torch.save reader: dtypes', () => {
  const ints = [0, 1, -2, 3, -4, 5];
  it.each([
    ['DoubleStorage', 'float64', littleEndianBytes('f8', [0.1, -1e300, 2.5, 3, 1e-310, 7]), [0.1, -1e300, 2.5, 3, 1e-310, 7]],
    ['FloatStorage', 'float32', littleEndianBytes('f4', [0.5, -1.25, 3, 4, 5, 6]), [0.5, -1.25, 3, 4, 5, 6]],
    // Half bit patterns: 1.0, -2.0, 0.5, 65504 (max), 2^-24 (smallest subnormal), 0.
    ['HalfStorage', 'float16', littleEndianBytes('f2bits', [0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0]), [1, -2, 0.5, 65504, 2 ** -24, 0]],
    ['BFloat16Storage', 'bfloat16', littleEndianBytes('bf16bits', [0x3f80, 0xc040, 0x3dcd, 0x7f7f, 0x0001, 0x8000]),
      [0x3f80, 0xc040, 0x3dcd, 0x7f7f, 0x0001, 0x8000].map(bfloat16Value)],
    ['CharStorage', 'int8', littleEndianBytes('i1', ints), ints],
    ['ShortStorage', 'int16', littleEndianBytes('i2', [0, -32768, 32767, 1, 2, 3]), [0, -32768, 32767, 1, 2, 3]],
    ['IntStorage', 'int32', littleEndianBytes('i4', [0, -(2 ** 31), 2 ** 31 - 1, 1, 2, 3]), [0, -(2 ** 31), 2 ** 31 - 1, 1, 2, 3]],
    ['LongStorage', 'int64', littleEndianBytes('i8', [0, -(2 ** 53), 2 ** 53, -1, 2, 3]), [0, -(2 ** 53), 2 ** 53, -1, 2, 3]],
    ['ByteStorage', 'uint8', littleEndianBytes('u1', [0, 255, 1, 2, 3, 4]), [0, 255, 1, 2, 3, 4]],
    ['BoolStorage', 'bool', littleEndianBytes('b1', [0, 1, 1, 0, 0, 1]), [0, 1, 1, 0, 0, 1]],
  ])('%s reads as %s, exactly', async (storageType, dtype, bytes, want) => {
    const [array] = await readAll(oneTensor(storageType, bytes));
    expect({ dtype: array.dtype, shape: array.shape, data: Array.from(array.data) }).toEqual({ dtype, shape: [2, 3], data: want });
  });

  it('refuses tensor types it cannot convert (complex) by name', async () => {
    const error = await errorOf(oneTensor('ComplexFloatStorage', new Uint8Array(48)));
    expect(error.message).toMatch(/unsupported tensor type torch\.ComplexFloatStorage/);
  });

  it('reads big-endian archives (byteorder "big")', async () => {
    const pickle = writeTensor(new PickleWriter(), { key: '0', storageType: 'FloatStorage', numel: 2, size: [1, 2], stride: [2, 1] }).stop();
    const data = new Uint8Array(8);
    new DataView(data.buffer).setFloat32(0, 1.5, false);
    new DataView(data.buffer).setFloat32(4, -3, false);
    const [array] = await readAll(buildTorchFile(pickle, { '0': data }, { byteorder: 'big' }));
    expect(Array.from(array.data)).toEqual([1.5, -3]);
  });
});

describe('torch.save reader: views', () => {
  const storage = littleEndianBytes('f8', Array.from({ length: 24 }, (_, i) => i));

  it('honours storage offsets and row strides (a column slice of a bigger tensor)', async () => {
    // big = arange(24).reshape(4, 6); big[:, 2:5] has offset 2, strides (6, 1).
    const pickle = writeTensor(new PickleWriter(), { key: '0', storageType: 'DoubleStorage', numel: 24, offset: 2, size: [4, 3], stride: [6, 1] }).stop();
    const [array] = await readAll(buildTorchFile(pickle, { '0': storage }));
    expect(Array.from(array.data)).toEqual([2, 3, 4, 8, 9, 10, 14, 15, 16, 20, 21, 22]);
  });

  it('honours transposed strides', async () => {
    // arange(6).reshape(2, 3).t(): shape (3, 2), strides (1, 3).
    const pickle = writeTensor(new PickleWriter(), { key: '0', storageType: 'DoubleStorage', numel: 6, size: [3, 2], stride: [1, 3] }).stop();
    const [array] = await readAll(buildTorchFile(pickle, { '0': storage.subarray(0, 48) }));
    expect(Array.from(array.data)).toEqual([0, 3, 1, 4, 2, 5]);
  });

  it('reads 3-D tensors in C order with a broadcast (stride 0) axis', async () => {
    const pickle = writeTensor(new PickleWriter(), { key: '0', storageType: 'DoubleStorage', numel: 24, offset: 1, size: [2, 2, 2], stride: [12, 0, 2] }).stop();
    const [array] = await readAll(buildTorchFile(pickle, { '0': storage }));
    expect({ shape: array.shape, data: Array.from(array.data) }).toEqual({ shape: [2, 2, 2], data: [1, 3, 1, 3, 13, 15, 13, 15] });
  });

  it('refuses a view that reaches past its storage, before reading it', async () => {
    const pickle = writeTensor(new PickleWriter(), { key: '0', storageType: 'DoubleStorage', numel: 6, offset: 1, size: [2, 3], stride: [3, 1] }).stop();
    const error = await errorOf(buildTorchFile(pickle, { '0': storage.subarray(0, 48) }));
    expect(error.message).toMatch(/reaches element 6 of a 6-element storage/);
  });

  it('reads a contiguous run at a storage offset (big[1:3]), and checks the CRC of the whole storage', async () => {
    // big = arange(24).reshape(4, 6); big[1:3] has offset 6, strides (6, 1): contiguous.
    const pickle = writeTensor(new PickleWriter(), { key: '0', storageType: 'DoubleStorage', numel: 24, offset: 6, size: [2, 6], stride: [6, 1] }).stop();
    const file = buildTorchFile(pickle, { '0': storage });
    const [array] = await readAll(file);
    expect(Array.from(array.data)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
    // A damaged byte outside the tensor's elements (element 22) still fails the member's CRC.
    const damaged = Uint8Array.from(file);
    const at = Buffer.from(damaged).indexOf(Buffer.from(storage.subarray(22 * 8, 23 * 8)));
    damaged[at + 7] ^= 0x01;
    expect((await errorOf(damaged)).message).toMatch(/fails its CRC-32 check/);
  });

  it('refuses a storage whose member is shorter than declared', async () => {
    const error = await errorOf(oneTensor('DoubleStorage', new Uint8Array(40)));
    expect(error.message).toMatch(/declares 6 float64 values \(48 bytes\), its member holds 40/);
  });
});

describe('torch.save reader: containers and keys', () => {
  const a = littleEndianBytes('f4', [1, 2, 3, 4, 5, 6]);
  const b = littleEndianBytes('f4', [7, 8, 9, 10, 11, 12]);
  const spec = (key: string) => ({ key, storageType: 'FloatStorage', numel: 6, size: [2, 3], stride: [3, 1] });

  it('walks a state dict (OrderedDict with _metadata state, nn.Parameter) with its dotted keys', async () => {
    const w = new PickleWriter().global('collections', 'OrderedDict').emptyTuple().reduce().put(0).mark();
    w.str('features.0.weight');
    w.global('torch._utils', '_rebuild_parameter');
    writeTensor(w.mark(), spec('0')).bool(true).global('collections', 'OrderedDict').emptyTuple().reduce().tuple().reduce();
    w.str('features.0.bias');
    writeTensor(w, spec('1'));
    w.str('step').int(100);
    w.setItems();
    // state_dict()'s _metadata attribute arrives through BUILD and is ignored.
    w.emptyDict().str('_metadata').emptyDict().op(0x73).build();
    const arrays = await readAll(buildTorchFile(w.stop(), { '0': a, '1': b }));
    expect(arrays.map(({ key, data }) => [key, Array.from(data)])).toEqual([
      ['features.0.weight', [1, 2, 3, 4, 5, 6]],
      ['features.0.bias', [7, 8, 9, 10, 11, 12]],
    ]);
  });

  it('lists nested dicts and lists with / keys and dotted aliases, skipping numbers and strings', async () => {
    const w = new PickleWriter().emptyDict().put(0).mark();
    w.str('hooks').emptyList().mark();
    writeTensor(w, spec('0'));
    w.emptyDict().str('deep');
    writeTensor(w, spec('1')).op(0x73); // SETITEM
    w.appends();
    w.str('name').str('resnet').str('lr').float(0.1);
    w.setItems();
    const { entries } = await parseArrays(buildTorchFile(w.stop(), { '0': a, '1': b }), 'x.pt');
    expect(entries.map(({ key, aliases }) => [key, aliases])).toEqual([
      ['hooks/0', ['hooks.0']],
      ['hooks/1/deep', ['hooks.1.deep']],
    ]);
  });

  it('shares a memoised tensor between two keys', async () => {
    const w = new PickleWriter().emptyDict().mark().str('x');
    writeTensor(w, spec('0')).put(5).str('y').get(5).setItems();
    const arrays = await readAll(buildTorchFile(w.stop(), { '0': a }));
    expect(arrays.map((array) => array.key)).toEqual(['x', 'y']);
  });

  it('reads an archive whose folder is not "archive" (torch names it after the file)', async () => {
    const pickle = writeTensor(new PickleWriter(), spec('0')).stop();
    const [array] = await readAll(buildTorchFile(pickle, { '0': a }, { prefix: 'acts' }));
    expect(array.key).toBe('');
  });
});

describe('torch.save reader: refuses to run anything', () => {
  const storage = littleEndianBytes('f4', [1, 2, 3, 4, 5, 6]);

  it.each([
    ['posix', 'system'],
    ['os', 'system'],
    ['builtins', 'eval'],
    ['builtins', 'exec'],
    ['subprocess', 'Popen'],
    ['torch', 'load'],
  ])('refuses %s.%s through GLOBAL and STACK_GLOBAL, naming it', async (module, name) => {
    for (const w of [new PickleWriter().global(module, name), new PickleWriter().stackGlobal(module, name)]) {
      w.mark().str('touch pwned-by-pickle').tuple().reduce();
      const error = await errorOf(buildTorchFile(w.stop(), { '0': storage }));
      expect(error.message).toMatch(new RegExp(`refused to load ${module}\\.${name} from a pickle`));
      expect(error.hint).toMatch(/torch\.save/);
    }
  });

  it('refuses calling an allowed but non-callable global (a storage class) with arguments', async () => {
    const w = new PickleWriter().global('torch', 'FloatStorage').mark().int(3).tuple().reduce();
    const error = await errorOf(buildTorchFile(w.stop(), {}));
    expect(error.message).toMatch(/refused to call torch\.FloatStorage/);
  });

  it('refuses opcodes that build arbitrary objects (INST, OBJ)', async () => {
    const inst = new PickleWriter().mark().op(0x69, ...Buffer.from('os\nsystem\n')).stop();
    expect((await errorOf(buildTorchFile(inst, {}))).message).toMatch(/opcode 0x69 .* is not supported/);
  });
});

describe('torch.save reader: bounded on damaged pickles', () => {
  it('refuses containers nested deeper than the limit', async () => {
    const w = new PickleWriter();
    for (let i = 0; i < 5000; i++) w.mark();
    expect((await errorOf(buildTorchFile(w.stop(), {}))).message).toMatch(/nested deeper than 200/);
  });

  it('survives a list that contains itself', async () => {
    const w = new PickleWriter().emptyList().put(0).get(0).op(0x61); // APPEND itself
    const { entries } = await parseArrays(buildTorchFile(w.stop(), {}), 'x.pt');
    expect(entries).toEqual([]);
  });

  it('bounds the walk over shared containers (a list holding the previous one twice, 60 deep)', async () => {
    const w = new PickleWriter().emptyList().put(0).op(0x30); // POP: only the memo keeps it
    for (let level = 1; level <= 60; level++) {
      w.emptyList().mark().get(level - 1).get(level - 1).appends().put(level);
      if (level < 60) w.op(0x30);
    }
    const error = await errorOf(buildTorchFile(w.stop(), {}));
    expect(error.message).toMatch(/refers to its own objects too many times/);
  });

  it('appends long lists and dicts without overflowing the call stack', async () => {
    const w = new PickleWriter().emptyList().mark();
    for (let i = 0; i < 300_000; i++) w.none();
    w.appends().emptyDict().mark();
    for (let i = 0; i < 150_000; i++) w.int(i % 200).none();
    w.setItems().op(0x86); // TUPLE2 of both
    const { entries } = await parseArrays(buildTorchFile(w.stop(), {}), 'x.pt');
    expect(entries).toEqual([]);
  });

  it('refuses a tensor rebuilt from another tensor instead of a storage', async () => {
    const w = new PickleWriter().global('torch._utils', '_rebuild_tensor_v2').mark();
    writeTensor(w, { key: '0', storageType: 'FloatStorage', numel: 6, size: [2, 3], stride: [3, 1] });
    w.int(0).ints([2, 3]).ints([3, 1]).bool(false).global('collections', 'OrderedDict').emptyTuple().reduce().tuple().reduce();
    const error = await errorOf(buildTorchFile(w.stop(), { '0': new Uint8Array(24) }));
    expect(error.message).toMatch(/tensor rebuilt from unexpected arguments/);
  });

  it('says how to re-save pickled numpy arrays', async () => {
    const w = new PickleWriter().global('numpy.core.multiarray', '_reconstruct').mark().tuple().reduce();
    const error = await errorOf(buildTorchFile(w.stop(), {}));
    expect(error.message).toMatch(/refused to load numpy\.core\.multiarray\._reconstruct/);
    expect(error.hint).toMatch(/np\.savez/);
  });

  it('refuses a truncated pickle and an over-long declared string', async () => {
    const full = writeTensor(new PickleWriter(), { key: '0', storageType: 'FloatStorage', numel: 6, size: [2, 3], stride: [3, 1] }).stop();
    expect((await errorOf(buildTorchFile(full.subarray(0, full.length - 1), {}))).message).toMatch(/truncated|malformed pickle/);
    const long = Uint8Array.of(0x80, 2, 0x58, 0xff, 0xff, 0xff, 0x7f, 0x2e);
    expect((await errorOf(buildTorchFile(long, {}))).message).toMatch(/needs 2147483647 bytes at 7, the pickle has 8/);
  });
});

/**
 * torch.save files (the zip format, default since PyTorch 1.6): a zip with
 * `<name>/data.pkl`, a pickle that rebuilds the saved object, and one raw
 * little-endian storage per tensor under `<name>/data/<key>`.
 *
 * The pickle goes through the restricted interpreter (./pickle.ts) with an
 * allow-list of the globals torch writes for tensors and containers; any
 * other global is refused by name and nothing from the file is ever run.
 * Tensors become descriptors (storage, offset, sizes, strides) and their data
 * is read only when that array is asked for.
 */
import { InputError } from '../errors.js';
import { printable } from './printable.js';
import type { ArrayEntry } from './arrays.js';
import { allocateArray, countElements, formatShape, MAX_ELEMENTS, type Allocate, type NdArray } from './ndarray.js';
import { MAX_PICKLE_DEPTH, parsePickle, type PickleHooks, type PyObject } from './pickle.js';
import { decodeRaw, RAW_ITEM_SIZE, type RawDtype } from './raw.js';
import { readChunks, type ByteSource } from './source.js';
import { crc32, readZipMember, zipMemberDataOffset, type ZipEntry } from './zip.js';

/** Element type of each storage class torch writes. */
const STORAGE_DTYPES: Record<string, RawDtype> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  ByteStorage: 'uint8',
  CharStorage: 'int8',
  ShortStorage: 'int16',
  IntStorage: 'int32',
  LongStorage: 'int64',
  BoolStorage: 'bool',
};

/** Globals a tensor or container pickle may name; nothing else is accepted. */
const ALLOWED_GLOBALS = new Set([
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
  'torch._tensor._rebuild_from_type_v2',
  'torch.Tensor',
  'torch.nn.parameter.Parameter',
  'collections.OrderedDict',
]);

/** Largest data.pkl accepted: it describes tensors, their data is elsewhere. */
const MAX_PICKLE_BYTES = 64 * 1024 * 1024;

/** The pickle and every member name a torch.save archive must have. */
const PICKLE_NAME = /^([^/]+)\/data\.pkl$/;

interface Storage {
  readonly key: string;
  readonly dtype: RawDtype;
  readonly numel: number;
}

interface TensorRef {
  readonly storage: Storage;
  readonly offset: number;
  readonly size: number[];
  readonly stride: number[];
}

/** True when the member names look like torch.save's archive (`<name>/data.pkl`). */
export function isTorchArchive(entries: readonly ZipEntry[]): boolean {
  return entries.some((entry) => PICKLE_NAME.test(entry.name));
}

/**
 * Lists the tensors of a torch.save archive. Keys are paths through dicts
 * (their keys) and lists/tuples (their indices) joined with '/', with the
 * dotted spelling as an alias; a file holding one bare tensor has the key ''.
 * Other values (numbers, strings) are skipped.
 *
 * @throws InputError for a refused global, a malformed pickle, or a storage
 *   that does not match its member.
 */
export async function listTorchArrays(source: ByteSource, entries: readonly ZipEntry[]): Promise<ArrayEntry[]> {
  const where = source.name;
  const pickles = entries.filter((entry) => PICKLE_NAME.test(entry.name));
  if (pickles.length !== 1) throw damaged(where, `expected one data.pkl, found ${pickles.length}`);
  const prefix = PICKLE_NAME.exec(pickles[0].name)![1];
  const byName = new Map(entries.map((entry) => [entry.name, entry]));
  const byteOrder = byName.get(`${prefix}/byteorder`);
  let littleEndian = true;
  if (byteOrder) {
    const text = new TextDecoder().decode(await readZipMember(source, byteOrder)).trim();
    if (text !== 'little' && text !== 'big') throw damaged(where, `byteorder is '${printable(text, 20)}'`);
    littleEndian = text === 'little';
  }
  if (pickles[0].size > MAX_PICKLE_BYTES) throw damaged(where, `data.pkl declares ${pickles[0].size} bytes; torch writes kilobytes (tensor data lives in separate members)`);
  const pickle = await readZipMember(source, pickles[0]);
  const root = parsePickle(pickle, where, torchHooks(where));

  return collectTensors(root, where, pickle.length).map(({ path, tensor }) => {
    const key = path.join('/');
    const member = byName.get(`${prefix}/data/${tensor.storage.key}`);
    const label = key === '' ? where : `${where}#${printable(key)}`;
    if (!member) throw damaged(where, `tensor '${printable(key)}' uses storage ${printable(tensor.storage.key)}, which the archive lacks`);
    checkTensor(tensor, member, label);
    return {
      key,
      aliases: path.length > 1 ? [path.join('.')] : [],
      shape: tensor.size,
      dtype: tensor.storage.dtype,
      read: async (allocate) =>
        member.method === 0 && member.compressedSize === member.size && isContiguous(tensor)
          ? readStoredTensor(source, member, tensor, littleEndian, label, allocate)
          : readTensor(tensor, await readZipMember(source, member), littleEndian, allocate),
    };
  });
}

/** How the interpreter may rebuild torch objects: tensors, storages, OrderedDicts; nothing else. */
function torchHooks(where: string): PickleHooks {
  const hooks: PickleHooks = {
    isAllowedGlobal: (module, name) => ALLOWED_GLOBALS.has(`${module}.${name}`) || (module === 'torch' && name.endsWith('Storage')),
    call: (callable, args) => {
      const name = `${callable.module}.${callable.name}`;
      switch (name) {
        case 'collections.OrderedDict': {
          if (args.length === 0) return { kind: 'dict', entries: [] };
          const items = args[0];
          if (args.length === 1 && isKind(items, 'list')) {
            return { kind: 'dict', entries: items.items.map((pair) => {
              if (!isKind(pair, 'tuple') || pair.items.length !== 2) throw damaged(where, 'OrderedDict built from something other than pairs');
              return [pair.items[0], pair.items[1]] as [PyObject, PyObject];
            }) };
          }
          throw damaged(where, 'OrderedDict built from unexpected arguments');
        }
        case 'torch._utils._rebuild_tensor':
        case 'torch._utils._rebuild_tensor_v2':
          return { kind: 'opaque', value: buildTensor(args, where) };
        case 'torch._utils._rebuild_parameter':
        case 'torch._utils._rebuild_parameter_with_state':
          // nn.Parameter(data, requires_grad): only the data matters.
          if (args.length < 1) throw damaged(where, `${name} without arguments`);
          return args[0];
        case 'torch._tensor._rebuild_from_type_v2': {
          // (func, type, args, state): a tensor subclass rebuilt by func(*args).
          const [func, , inner] = args;
          if (!isKind(func, 'global') || !isKind(inner, 'tuple')) throw damaged(where, `${name} with unexpected arguments`);
          return hooks.call(func, inner.items);
        }
        default:
          throw new InputError(`refused to call ${printable(name)} from a pickle (${where}): only tensors and plain containers are read`, {
            where,
            hint: 'save only tensors, e.g. torch.save({k: v.detach().cpu() for k, v in acts.items()}, path)',
          });
      }
    },
    persistentLoad: (pid) => {
      // ('storage', torch.FloatStorage, key, location, numel)
      if (!isKind(pid, 'tuple') || pid.items.length < 5 || pid.items[0] !== 'storage') throw damaged(where, 'unexpected persistent id');
      const [, type, key, , numel] = pid.items;
      if (!isKind(type, 'global') || typeof key !== 'string' || typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) {
        throw damaged(where, 'malformed storage reference');
      }
      const dtype = STORAGE_DTYPES[type.name];
      if (dtype === undefined) {
        throw new InputError(`unsupported tensor type ${printable(`${type.module}.${type.name}`)} (${where})`, {
          where,
          hint: 'pwcca reads float16/bfloat16/float32/float64, int8-64, uint8 and bool tensors; save t.float() instead',
        });
      }
      return { kind: 'opaque', value: { key, dtype, numel } satisfies Storage };
    },
  };
  return hooks;
}

function buildTensor(args: PyObject[], where: string): TensorRef {
  const [storage, offset, size, stride] = args;
  if (!isKind(storage, 'opaque') || !isStorage(storage.value) || typeof offset !== 'number' || !isKind(size, 'tuple') || !isKind(stride, 'tuple')) {
    throw damaged(where, 'tensor rebuilt from unexpected arguments');
  }
  const ints = (items: PyObject[]): number[] =>
    items.map((item) => {
      if (typeof item !== 'number' || !Number.isSafeInteger(item) || item < 0) throw damaged(where, 'tensor size or stride is not a non-negative integer');
      return item;
    });
  const sizes = ints(size.items);
  const strides = ints(stride.items);
  if (sizes.length !== strides.length) throw damaged(where, `tensor has ${sizes.length} sizes and ${strides.length} strides`);
  if (!Number.isSafeInteger(offset) || offset < 0) throw damaged(where, `tensor storage offset ${offset}`);
  return { storage: storage.value, offset, size: sizes, stride: strides };
}

/** Every tensor reachable through dicts, lists and tuples, with its path. */
function collectTensors(root: PyObject, where: string, pickleBytes: number): { path: string[]; tensor: TensorRef }[] {
  const found: { path: string[]; tensor: TensorRef }[] = [];
  const onPath = new Set<object>();
  // Shared (memoised) containers can be reached along many paths: a few hundred bytes of
  // pickle can nest lists that each hold the previous one twice, 2^60 paths. Bound the walk
  // by the pickle's size, as every legitimate path costs at least a byte of it.
  let budget = 16 * pickleBytes + 1024;
  const visit = (value: PyObject, path: string[]): void => {
    if (--budget < 0) throw damaged(where, 'the pickle refers to its own objects too many times');
    if (path.length > MAX_PICKLE_DEPTH) throw damaged(where, `objects nested deeper than ${MAX_PICKLE_DEPTH}`);
    if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return;
    if (onPath.has(value)) return; // a container holding itself
    onPath.add(value);
    if (value.kind === 'opaque' && isTensor(value.value)) found.push({ path, tensor: value.value });
    else if (value.kind === 'dict') for (const [key, item] of value.entries) visit(item, [...path, String(key)]);
    else if (value.kind === 'list' || value.kind === 'tuple') value.items.forEach((item, i) => visit(item, [...path, String(i)]));
    onPath.delete(value);
  };
  visit(root, []);
  return found;
}

function isStorage(value: unknown): value is Storage {
  return typeof value === 'object' && value !== null && 'numel' in value && 'dtype' in value && !('stride' in value);
}

function isTensor(value: unknown): value is TensorRef {
  return typeof value === 'object' && value !== null && 'storage' in value && 'stride' in value;
}

/** Sizes, strides and offset against the storage and its member, before anything is allocated. */
function checkTensor(tensor: TensorRef, member: ZipEntry, label: string): void {
  const { storage, size, stride, offset } = tensor;
  const itemSize = RAW_ITEM_SIZE[storage.dtype];
  if (member.size !== storage.numel * itemSize) {
    throw damaged(label, `storage ${printable(storage.key)} declares ${storage.numel} ${storage.dtype} values (${storage.numel * itemSize} bytes), its member holds ${member.size}`);
  }
  const elements = countElements(size);
  if (elements > MAX_ELEMENTS) throw damaged(label, `tensor of shape ${formatShape(size)} has more than ${MAX_ELEMENTS} elements`);
  if (elements === 0) return;
  const last = size.reduce((sum, n, axis) => sum + (n - 1) * stride[axis], offset);
  if (last >= storage.numel) {
    throw damaged(label, `tensor of shape ${formatShape(size)} (offset ${offset}, strides ${stride.join(',')}) reaches element ${last} of a ${storage.numel}-element storage`);
  }
}

/**
 * The tensor's elements in C order, following its offset and strides (views,
 * transposes), converted once into `allocate(count)`. A strided tensor's
 * stored elements are gathered first at their stored width (not as float64),
 * so no second float64 copy of the storage is made.
 */
function readTensor(tensor: TensorRef, bytes: Uint8Array, littleEndian: boolean, allocate?: Allocate): NdArray {
  const { storage, size, offset } = tensor;
  const itemSize = RAW_ITEM_SIZE[storage.dtype];
  const count = countElements(size);
  const stored = isContiguous(tensor) ? bytes.subarray(offset * itemSize, (offset + count) * itemSize) : gatherElements(tensor, bytes, itemSize, count);
  const data = allocateArray(allocate, count);
  decodeRaw(storage.dtype, stored, data, 0, littleEndian);
  return { shape: size, dtype: storage.dtype, data, fortranOrder: false };
}

/** C-ordered without gaps: the tensor is one run of its storage from its offset. */
function isContiguous({ size, stride }: TensorRef): boolean {
  return size.every((_, axis) => size[axis] === 1 || stride[axis] === countElements(size.slice(axis + 1)));
}

/**
 * A contiguous tensor in a stored (uncompressed) member, as torch.save
 * writes them: decoded chunk by chunk from its place in the file through
 * one reused read buffer, so the storage's raw bytes are never held whole.
 * The CRC-32 covers the whole member, so every chunk is read and checked,
 * and only the tensor's run of elements is decoded.
 */
async function readStoredTensor(source: ByteSource, member: ZipEntry, tensor: TensorRef, littleEndian: boolean, label: string, allocate?: Allocate): Promise<NdArray> {
  const { storage, size, offset } = tensor;
  const itemSize = RAW_ITEM_SIZE[storage.dtype];
  const count = countElements(size);
  const dataOffset = await zipMemberDataOffset(source, member);
  const data = allocateArray(allocate, count);
  let crc = 0;
  await readChunks(source, dataOffset, member.size, itemSize, (chunk, first) => {
    crc = crc32(chunk, crc);
    const from = Math.max(first, offset);
    const to = Math.min(first + chunk.length / itemSize, offset + count);
    if (from < to) decodeRaw(storage.dtype, chunk.subarray((from - first) * itemSize, (to - first) * itemSize), data, from - offset, littleEndian);
  });
  if (crc !== member.crc32) throw damaged(label, `storage ${printable(storage.key)} fails its CRC-32 check`);
  return { shape: size, dtype: storage.dtype, data, fortranOrder: false };
}

/** The raw bytes of a strided tensor's elements, in C order (an odometer over the index, tracking the storage position). */
function gatherElements(tensor: TensorRef, bytes: Uint8Array, itemSize: number, count: number): Uint8Array {
  const { size, stride, offset } = tensor;
  const out = new Uint8Array(count * itemSize);
  const index = size.map(() => 0);
  let position = offset;
  for (let i = 0; i < count; i++) {
    const from = position * itemSize;
    for (let k = 0; k < itemSize; k++) out[i * itemSize + k] = bytes[from + k];
    for (let axis = size.length - 1; axis >= 0; axis--) {
      if (++index[axis] < size[axis]) {
        position += stride[axis];
        break;
      }
      position -= (size[axis] - 1) * stride[axis];
      index[axis] = 0;
    }
  }
  return out;
}

function isKind<K extends 'list' | 'tuple' | 'dict' | 'global' | 'opaque'>(
  value: PyObject | undefined,
  kind: K,
): value is Extract<PyObject, { kind: K }> {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && value.kind === kind;
}

function damaged(where: string, detail: string): InputError {
  return new InputError(`damaged torch.save file (${where}): ${detail}`, {
    where,
    hint: 'the file is damaged or was not written by torch.save; save it again with torch.save(obj, path)',
  });
}


/**
 * NumPy .npz archives (np.savez, np.savez_compressed): a zip of .npy members,
 * each parsed by the .npy parser. Members are listed from their headers alone
 * and read one at a time; stored members are decoded in chunks straight from
 * their place in the file.
 */
import { InputError } from '../errors.js';
import { printable } from './printable.js';
import type { ArrayEntry } from './arrays.js';
import { allocateArray, countElements, type Allocate, type NdArray } from './ndarray.js';
import { checkNpyHeader, decodeNpyData, MAX_NPY_HEADER_BYTES, parseNpy, parseNpyHeader, type NpyHeader } from './npy.js';
import { readChunks, type ByteSource } from './source.js';
import { crc32, readZipMember, readZipMemberPrefix, zipMemberDataOffset, type ZipEntry } from './zip.js';


/** Options for reading .npy members. */
export interface NpzOptions {
  /** Element type to assume for `|V2` members (ml_dtypes bfloat16). */
  readonly dtype?: 'bfloat16';
}

/**
 * Lists the arrays of a .npz archive whose central directory is `entries`.
 * Keys are member names without '.npy' (the names given to np.savez).
 *
 * @throws InputError when a member is not a .npy file or its header is damaged.
 */
export async function listNpzArrays(source: ByteSource, entries: readonly ZipEntry[], options: NpzOptions = {}): Promise<ArrayEntry[]> {
  const arrays: ArrayEntry[] = [];
  for (const entry of entries) {
    if (entry.name.endsWith('/')) continue; // a folder entry holds nothing
    const key = entry.name.endsWith('.npy') ? entry.name.slice(0, -4) : entry.name;
    const where = `${source.name}#${printable(key)}`;
    const prefix = await readZipMemberPrefix(source, entry, MAX_NPY_HEADER_BYTES + 12);
    const header = parseNpyHeader(prefix, where, options);
    // Header against the member's size: a lying shape fails here, before any allocation.
    checkMemberSize(header, entry.size, where);
    const npyOffset = entry.method === 0 ? await zipMemberDataOffset(source, entry) : undefined;
    arrays.push({
      key,
      aliases: key === entry.name ? [] : [entry.name],
      shape: header.shape,
      dtype: header.dtype,
      npyOffset,
      check: () => checkNpyHeader(header, entry.size, where),
      read: async (allocate) => {
        checkNpyHeader(header, entry.size, where);
        if (npyOffset === undefined) return parseNpy(await readZipMember(source, entry), where, options, allocate);
        return readStoredMember(source, entry, header, npyOffset, where, allocate);
      },
    });
  }
  return arrays;
}

/** A stored member decoded chunk by chunk at its offset, through one reused read buffer: the raw bytes are never held whole. */
async function readStoredMember(source: ByteSource, entry: ZipEntry, header: NpyHeader, npyOffset: number, where: string, allocate?: Allocate): Promise<NdArray> {
  const data = allocateArray(allocate, countElements(header.shape));
  // The CRC covers the whole member: carry it over the header and every chunk.
  let crc = crc32(await source.read(npyOffset, header.dataOffset));
  // Fortran order: each chunk is converted into one reused scratch array (sized by the first, largest chunk) before being scattered to its C positions.
  let scratch: Float64Array | undefined;
  await readChunks(source, npyOffset + header.dataOffset, header.byteLength, header.itemSize, (chunk, first) => {
    crc = crc32(chunk, crc);
    if (header.fortranOrder) scratch ??= new Float64Array(chunk.length / header.itemSize);
    decodeNpyData(header, chunk, first, data, scratch);
  });
  if (crc !== entry.crc32) {
    throw new InputError(`damaged .npz member (${where}): it fails its CRC-32 check`, { where, hint: 'the archive is damaged; write it again with np.savez' });
  }
  return { shape: header.shape, dtype: header.dtype, data, fortranOrder: header.fortranOrder };
}

function checkMemberSize(header: NpyHeader, memberSize: number, where: string): void {
  if (header.dataOffset + header.byteLength !== memberSize) {
    throw new InputError(
      `damaged .npz member (${where}): its header declares ${header.byteLength} bytes of data, the member holds ${Math.max(0, memberSize - header.dataOffset)}`,
      { where, hint: 'the archive is damaged; write it again with np.savez' },
    );
  }
}

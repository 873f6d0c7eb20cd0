/**
 * Recognises an input's format from its first bytes, never from its name:
 * activation dumps often arrive as `acts.bin`, `layer3` or on standard input.
 */
import { InputError } from '../errors.js';
import { hasHdf5Signature } from './hdf5.js';
import { describeBytes, hasNpyMagic } from './npy.js';
import { hasSafetensorsShape } from './safetensors.js';
import { hasZipMagic } from './zip.js';

/**
 * What the first bytes say. 'zip' is an .npz or a torch.save file: which one
 * is decided from the member names (see `load.ts`).
 */
export type InputFormat = 'npy' | 'arrow-file' | 'arrow-stream' | 'zip' | 'hdf5' | 'safetensors';

/** Bytes `detectFormat` wants to see (fewer only when the file is shorter); 1032 covers an HDF5 user block of 512 or 1024. */
export const DETECT_BYTES = 1032;

const SUPPORTED =
  'pwcca reads .npy (np.save), .npz (np.savez), torch.save files, safetensors, HDF5, Arrow IPC files (.arrow, Feather v2) and Arrow IPC streams (.arrows)';

/** The pickle torch.save wrote before PyTorch 1.6: protocol 2, then the LONG1 magic 0x1950a86a20f9469cfc6c. */
const LEGACY_TORCH_MAGIC = Uint8Array.of(0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19);

/**
 * The format of an input from its first bytes (`DETECT_BYTES` of them).
 *
 * - npy: "\x93NUMPY".
 * - zip (.npz, torch.save): "PK\x03\x04" (or an empty archive's end record).
 * - HDF5: "\x89HDF\r\n\x1a\n" at 0 or after a user block.
 * - safetensors: a little-endian uint64 header length, then '{'.
 * - Arrow IPC file (.arrow, Feather v2): "ARROW1".
 * - Arrow IPC stream: the continuation marker 0xFFFFFFFF and a metadata
 *   length, or (pre-1.0 streams) a positive int32 length that is a multiple
 *   of 8, as the format pads metadata to 8 bytes.
 *
 * @throws InputError naming `source`, with a specific message for pickles
 *   (never loaded), legacy torch.save files, Feather v1, Parquet, gzip and text,
 *   each with a conversion recipe.
 */
export function detectFormat(bytes: Uint8Array, source: string): InputFormat {
  if (hasNpyMagic(bytes)) return 'npy';
  if (startsWith(bytes, 'ARROW1')) return 'arrow-file';
  if (hasZipMagic(bytes)) return 'zip';
  if (hasHdf5Signature(bytes)) return 'hdf5';
  // Before the stream test: a safetensors header length is a plausible legacy Arrow length too.
  if (hasSafetensorsShape(bytes)) return 'safetensors';
  // Before the stream test: a zip or pickle prefix also reads as a plausible legacy length.
  const other = knownOtherFormat(bytes);
  if (other) throw new InputError(`${other.what} (${source}): first bytes ${describeBytes(bytes.subarray(0, 8))}`, { where: source, hint: other.hint });
  if (bytes.length >= 8) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
    const first = view.getInt32(0, true);
    if (first === -1 && view.getInt32(4, true) > 0) return 'arrow-stream';
    if (first > 0 && first % 8 === 0 && first < 2 ** 30) return 'arrow-stream';
  }
  throw new InputError(`unknown file format (${source}): first bytes ${describeBytes(bytes.subarray(0, 8))}`, {
    where: source,
    hint: `${SUPPORTED}; from Python: np.save(path, acts) with acts of shape (datapoints, neurons)`,
  });
}

/** Formats users plausibly pass by mistake, with what to do instead. */
function knownOtherFormat(bytes: Uint8Array): { what: string; hint: string } | undefined {
  if (LEGACY_TORCH_MAGIC.every((byte, i) => bytes[i] === byte)) {
    return {
      what: 'a legacy torch.save file (the pre-1.6 format, not a zip)',
      hint: 're-save it once in the current format: python -c "import torch; torch.save(torch.load(\'old.pt\'), \'new.pt\')"',
    };
  }
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5) {
    return {
      what: 'a Python pickle, which pwcca never loads',
      hint: `unpickling runs arbitrary code; save the array with np.save(path, np.asarray(x)) instead (${SUPPORTED})`,
    };
  }
  if (startsWith(bytes, 'PAR1')) {
    return { what: 'a Parquet file', hint: 'write Arrow IPC instead: pyarrow.feather.write_feather(pyarrow.parquet.read_table(path), out_path)' };
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    return { what: 'a gzip-compressed file', hint: 'decompress it first (gunzip FILE), or save with np.savez_compressed, which pwcca reads' };
  }
  if (startsWith(bytes, 'FEA1')) {
    return { what: 'a Feather v1 file', hint: 'write Feather v2 (pyarrow.feather.write_feather(table, path, version=2, compression="uncompressed"))' };
  }
  const head = bytes.subarray(0, 8);
  if (head.length > 0 && head.every((byte) => (byte >= 0x20 && byte < 0x7f) || byte === 0x09 || byte === 0x0a || byte === 0x0d)) {
    return {
      what: 'a text file (CSV or similar)',
      hint: 'convert it once in Python: np.save(path, np.loadtxt(csv_path, delimiter=",", ndmin=2))',
    };
  }
  return undefined;
}

function startsWith(bytes: Uint8Array, text: string): boolean {
  if (bytes.length < text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[i] !== text.charCodeAt(i)) return false;
  return true;
}

/**
 * Recognises an input's format from its first bytes, never from its name:
 * activation dumps often arrive as `acts.bin`, `layer3` or on standard input.
 */
import { InputError } from '../errors.js';
import { describeBytes, hasNpyMagic } from './npy.js';

export type InputFormat = 'npy' | 'arrow-file' | 'arrow-stream';

/** Bytes `detectFormat` wants to see (fewer only when the file is shorter). */
export const DETECT_BYTES = 8;

const SUPPORTED = 'pwcca reads .npy (np.save), Arrow IPC files (.arrow, Feather v2) and Arrow IPC streams (.arrows)';

/**
 * The format of an input from its first (at least 8) bytes.
 *
 * - npy: "\x93NUMPY".
 * - Arrow IPC file (.arrow, Feather v2): "ARROW1".
 * - Arrow IPC stream: the continuation marker 0xFFFFFFFF and a metadata
 *   length, or (pre-1.0 streams) a positive int32 length that is a multiple
 *   of 8, as the format pads metadata to 8 bytes.
 *
 * @throws InputError naming `source`, with a specific message for pickles
 *   (never loaded), zip archives (.npz, PyTorch .pt), Feather v1 and HDF5.
 */
export function detectFormat(bytes: Uint8Array, source: string): InputFormat {
  if (hasNpyMagic(bytes)) return 'npy';
  if (startsWith(bytes, 'ARROW1')) return 'arrow-file';
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
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5) {
    return {
      what: 'a Python pickle, which pwcca never loads',
      hint: `unpickling runs arbitrary code; save the array with np.save(path, np.asarray(x)) instead (${SUPPORTED})`,
    };
  }
  if (startsWith(bytes, 'PK\x03\x04') || startsWith(bytes, 'PK\x05\x06')) {
    return {
      what: 'a zip archive (.npz from np.savez, or a PyTorch .pt file)',
      hint: 'save each array separately with np.save(path, array) (for a tensor: np.save(path, t.detach().cpu().numpy()))',
    };
  }
  if (startsWith(bytes, 'FEA1')) {
    return { what: 'a Feather v1 file', hint: 'write Feather v2 (pyarrow.feather.write_feather(table, path, version=2, compression="uncompressed"))' };
  }
  if (startsWith(bytes, '\x89HDF')) {
    return { what: 'an HDF5 file', hint: 'read the dataset in Python and np.save(path, dataset[...]) it' };
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

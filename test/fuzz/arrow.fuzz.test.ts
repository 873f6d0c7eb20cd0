import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'vitest';
import { Bool, DataType, Table, tableFromArrays, tableFromIPC, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';
import { decodeCompressedWith } from '../../src/io/arrow-codecs.js';
import { validateArrowIpc } from '../../src/io/arrow-validate.js';
import { parseArrow } from '../../src/io/arrow.js';
import { checkFinite } from '../../src/io/load.js';
import { buildListTable, compressedIpc } from '../io/arrow-helpers.js';
import { fuzzFormat } from './harness.js';

/** What the loader does with Arrow bytes: parse (structure checks first), then the finiteness check. */
function parse(bytes: Uint8Array, source: string): Float64Array {
  const array = parseArrow(bytes, source);
  checkFinite({ rows: array.shape[0], cols: array.data.length / array.shape[0], data: array.data }, source);
  return array.data;
}

/**
 * apache-arrow's own per-value reading (Vector.get), independent of the buffer
 * conversion in parseArrow. Only called on inputs parseArrow accepted, so the
 * structure is known to be sound.
 */
function reference(bytes: Uint8Array): Float64Array | undefined {
  const table = decodeCompressedWith(validateArrowIpc(bytes, 'reference').compressed, () => tableFromIPC(bytes));
  const columns = table.schema.fields.map((_, i) => table.getChildAt(i)!);
  const numeric = (type: DataType) => DataType.isFloat(type) || DataType.isInt(type) || DataType.isBool(type);
  const used = columns.filter((column) => numeric(column.type) || DataType.isFixedSizeList(column.type));
  const out: number[] = [];
  for (let row = 0; row < table.numRows; row++) {
    for (const column of used) {
      const value = column.get(row);
      // Iterating a list's vector goes through get(), which decodes float16 (toArray would give raw bits).
      if (DataType.isFixedSizeList(column.type)) out.push(...Array.from(value as Vector, (item) => Number(item)));
      else out.push(Number(value));
    }
  }
  return Float64Array.from(out);
}

const formats = join(process.cwd(), 'fixtures/formats');
const columns = new Table({
  a: vectorFromArray(Float32Array.from({ length: 12 }, (_, i) => i / 4)),
  b: vectorFromArray(BigInt64Array.from({ length: 12 }, (_, i) => BigInt(i * 1000 - 5000))),
  c: vectorFromArray(Array.from({ length: 12 }, (_, i) => i % 3 === 0), new Bool()),
  d: vectorFromArray(Float64Array.from({ length: 12 }, (_, i) => -i)),
});
const list = buildListTable(Float32Array.from({ length: 10 * 6 }, (_, i) => i - 30), 6, { batches: 3, metadata: { 'pwcca:shape': '[10, 2, 3]', 'pwcca:layout': 'nhw' } });
const repetitive = tableFromArrays({ x: Float64Array.from({ length: 400 }, (_, i) => i % 5), y: new Float64Array(400) });

describe('fuzz Arrow IPC', () => {
  fuzzFormat({
    name: 'Arrow file and stream',
    seeds: [
      { name: 'columns.arrow', bytes: tableToIPC(columns, 'file') },
      { name: 'columns.arrows', bytes: tableToIPC(columns, 'stream') },
      { name: 'list-3-batches.arrow', bytes: tableToIPC(list, 'file') },
      { name: 'list-3-batches.arrows', bytes: tableToIPC(list, 'stream') },
    ],
    parse,
    reference,
  });

  fuzzFormat({
    name: 'compressed Arrow (LZ4, ZSTD)',
    seeds: [
      { name: 'lz4.arrow', bytes: compressedIpc(repetitive, 'file', 'lz4') },
      { name: 'zstd.arrows', bytes: compressedIpc(repetitive, 'stream', 'zstd') },
      { name: 'fc1_lz4.feather (polars)', bytes: new Uint8Array(readFileSync(join(formats, 'fc1_lz4.feather'))) },
      { name: 'fc1_zstd.arrows (polars)', bytes: new Uint8Array(readFileSync(join(formats, 'fc1_zstd.arrows'))) },
    ],
    parse,
    reference,
  });
});

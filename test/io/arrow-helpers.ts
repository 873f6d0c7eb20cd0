/**
 * Builds Arrow tables in memory for the parser tests.
 */
import {
  Field,
  FixedSizeList,
  Float32,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  type DataType,
  type Data,
} from 'apache-arrow';

/** Typed arrays an Arrow child buffer can hold. */
export type ChildValues = Float32Array | Float64Array | Uint16Array | Int32Array;

/** One FixedSizeList<child>[size] column named `name` holding `values` (row-major N x size). */
export function buildListTable(
  values: ChildValues,
  size: number,
  options: { name?: string; childType?: DataType; metadata?: Record<string, string>; batches?: number } = {},
): Table {
  const childType = options.childType ?? new Float32();
  const listType = new FixedSizeList(size, new Field('item', childType, true));
  const schema = new Schema([new Field(options.name ?? 'acts', listType, true)], new Map(Object.entries(options.metadata ?? {})));
  const rows = values.length / size;
  const batchCount = options.batches ?? 1;
  const perBatch = Math.ceil(rows / batchCount);
  const batches: RecordBatch[] = [];
  for (let start = 0; start < rows; start += perBatch) {
    const length = Math.min(perBatch, rows - start);
    const child = makeData({ type: childType, length: length * size, data: values.subarray(start * size, (start + length) * size) } as never) as Data;
    const list = makeData({ type: listType, length, nullCount: 0, child });
    batches.push(new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, children: [list] })));
  }
  return new Table(batches);
}

/** The same table with schema metadata added. */
export function withMetadata(table: Table, metadata: Record<string, string>): Table {
  const schema = new Schema(table.schema.fields, new Map(Object.entries(metadata)));
  return new Table(table.batches.map((batch) => new RecordBatch(schema, batch.data)));
}

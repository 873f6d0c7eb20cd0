import { chmodSync, closeSync, rmSync, existsSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { tableToIPC } from 'apache-arrow';
import { InputError, PwccaError, UsageError } from '../../src/errors.js';
import { isReadableRegularFile } from '../../src/io/file-check.js';
import { loadMatrix, type LoadOptions } from '../../src/io/load.js';
import { openNpyRows } from '../../src/io/npy-stream.js';
import { temporaryFolder } from '../helpers/npy-file.js';
import { buildListTable } from './arrow-helpers.js';
import { buildNpy, iota } from './helpers.js';

const folder = temporaryFolder('pwcca-io-');
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function writeTemp(name: string, bytes: Uint8Array): string {
  const path = join(folder, name);
  writeFileSync(path, bytes);
  return path;
}

async function errorOf(path: string, options: LoadOptions = {}): Promise<PwccaError> {
  try {
    await loadMatrix(path, options);
  } catch (error) {
    expect(error).toBeInstanceOf(PwccaError);
    return error as PwccaError;
  }
  throw new Error('expected an error');
}

describe('loadMatrix from files', () => {
  it('loads a 2-D .npy file and describes it', async () => {
    const path = writeTemp('a.npy', buildNpy([3, 2], 'f4', [1, 2, 3, 4, 5, 6], { fortran: true }));
    const { matrix, info } = await loadMatrix(path);
    expect(matrix).toMatchObject({ rows: 3, cols: 2 });
    expect(Array.from(matrix.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(info).toEqual({
      path,
      format: 'npy',
      shape: [3, 2],
      dtype: 'float32',
      fortranOrder: true,
      layout: 'auto',
      reduction: 'none',
      spatialShape: [],
      datapoints: 3,
      neurons: 2,
    });
  });

  it('applies neurons-first and conv layouts', async () => {
    const path = writeTemp('t.npy', buildNpy([2, 3], 'f8', iota(6)));
    const { matrix } = await loadMatrix(path, { layout: 'neurons-first' });
    expect(matrix).toMatchObject({ rows: 3, cols: 2 });
    expect(Array.from(matrix.data)).toEqual([0, 3, 1, 4, 2, 5]);
    const conv = writeTemp('conv.npy', buildNpy([2, 3, 2, 2], 'f8', iota(24)));
    const mean = await loadMatrix(conv, { layout: 'nchw', conv: 'mean' });
    expect(mean.info).toMatchObject({ layout: 'nchw', reduction: 'mean', spatialShape: [2, 2], datapoints: 2, neurons: 3 });
    expect(Array.from(mean.matrix.data)).toEqual([1.5, 5.5, 9.5, 13.5, 17.5, 21.5]);
    expect(await errorOf(conv)).toBeInstanceOf(UsageError);
  });

  it('loads Arrow files and uses their layout metadata', async () => {
    const values = Float32Array.from(iota(2 * 2 * 3 * 4));
    const table = buildListTable(values, 24, { metadata: { 'pwcca:layout': 'nhwc', 'pwcca:shape': '[2, 2, 3, 4]' } });
    const path = writeTemp('acts.feather', tableToIPC(table, 'file'));
    const { matrix, info } = await loadMatrix(path);
    expect(info).toMatchObject({ format: 'arrow', shape: [2, 2, 3, 4], dtype: 'float32', layout: 'nhwc', reduction: 'flatten', datapoints: 12, neurons: 4 });
    expect(Array.from(matrix.data)).toEqual(iota(48));
  });

  it('names the first NaN or Inf by row and column of the matrix', async () => {
    const values = iota(20).map((v) => (v === 13 ? NaN : v === 17 ? Infinity : v));
    const path = writeTemp('nan.npy', buildNpy([5, 4], 'f8', values));
    const error = await errorOf(path);
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe(`NaN at row 3, column 1 (${path})`);
    expect(error.hint).toMatch(/clean or drop those datapoints/);
    // After a transpose the coordinates are the matrix's, not the file's.
    const inf = writeTemp('inf.npy', buildNpy([2, 2], 'f2', [1, Infinity, 2, 3]));
    expect((await errorOf(inf, { layout: 'neurons-first' })).message).toBe(`Infinity at row 1, column 0 (${inf})`);
  });

  it('checks the header against the file size before reading the data', async () => {
    const bytes = buildNpy([1000, 64], 'f4', new Array(64000).fill(0));
    const path = writeTemp('cut.npy', bytes.subarray(0, bytes.length - 256000 + 1200));
    expect((await errorOf(path)).message).toBe(`truncated .npy data (${path}): header says 1000x64 float32 = 256000 bytes, file has 1200`);
  });

  it('refuses an input over the memory limit before allocating', async () => {
    const path = writeTemp('big.npy', buildNpy([100, 10], 'f4', new Array(1000).fill(1)));
    const error = await errorOf(path, { memoryLimitBytes: 10_000 });
    expect(error.message).toMatch(/^input too large for memory .*: 100x10 float32 = 8000 bytes as float64, twice while reshaping, about 16000 bytes; the limit is 10000 bytes/);
  });

  it('explains missing files, directories and unreadable files', async () => {
    const missing = await errorOf(join(folder, 'nope.npy'));
    expect(missing).toBeInstanceOf(InputError);
    expect(missing.message).toMatch(/^file not found \(.*nope\.npy\)$/);
    expect(missing.hint).toMatch(/check the path/);
    const directory = join(folder, 'dir.npy');
    mkdirSync(directory);
    expect((await errorOf(directory)).message).toMatch(/is a directory/);
    expect((await errorOf(writeTemp('empty.npy', new Uint8Array(0)))).message).toMatch(/the file is empty/);
  });

  it.skipIf(process.getuid?.() === 0)('explains a permission problem', async () => {
    const path = writeTemp('secret.npy', buildNpy([2, 2], 'f8', [1, 2, 3, 4]));
    chmodSync(path, 0o000);
    const error = await errorOf(path);
    expect(error.message).toMatch(/permission denied/);
    expect(error.hint).toMatch(/chmod/);
  });
});

describe.skipIf(!process.env.PWCCA_BIG_TESTS)('loadMatrix on a file over 2 GiB (set PWCCA_BIG_TESTS=1; ~5 s, 4.3 GiB RAM)', () => {
  it('reads a 2.1 GB .npy in chunks (fs.readFile would refuse it)', async () => {
    const rows = 2 ** 19 + 8192;
    const header = buildNpy([rows, 1024], 'f4', [], { header: `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, 1024), }` });
    const path = join(folder, 'big.npy');
    // A sparse file: all zeros but the header, no disk space needed.
    const fd = openSync(path, 'w');
    writeSync(fd, header);
    ftruncateSync(fd, header.length + rows * 1024 * 4);
    closeSync(fd);
    const { matrix } = await loadMatrix(path);
    expect(matrix).toMatchObject({ rows, cols: 1024 });
  }, 120_000);
});

describe('loadMatrix from standard input', () => {
  it('reads - from the given stream, in several chunks', async () => {
    const bytes = buildNpy([4, 2], 'i4', iota(8, -4));
    const chunks = [bytes.subarray(0, 7), bytes.subarray(7, 100), bytes.subarray(100)].map((chunk) => Buffer.from(chunk));
    const { matrix, info } = await loadMatrix('-', { stdin: Readable.from(chunks) });
    expect(info).toMatchObject({ path: '-', format: 'npy', dtype: 'int32' });
    expect(Array.from(matrix.data)).toEqual(iota(8, -4));
  });

  it('reads an Arrow stream from standard input', async () => {
    const table = buildListTable(Float32Array.from(iota(6)), 3);
    const { matrix, info } = await loadMatrix('-', { stdin: Readable.from([Buffer.from(tableToIPC(table, 'stream'))]) });
    expect(info.format).toBe('arrow');
    expect(Array.from(matrix.data)).toEqual(iota(6));
  });

  // Process substitution needs a shell and a separate process: the built loader reads <(cat file).
  const builtLoader = join(process.cwd(), 'dist/io/load.js');
  it.skipIf(process.platform !== 'linux' || !existsSync(builtLoader))('reads an anonymous pipe (process substitution, /dev/fd/N) like a stream', () => {
    const path = join(folder, 'piped.npy');
    writeFileSync(path, buildNpy([2, 2], 'f8', [1, 2, 3, 4]));
    const script = `import(${JSON.stringify(builtLoader)}).then(async (m) => console.log(JSON.stringify(Array.from((await m.loadMatrix(process.argv[1])).matrix.data))))`;
    const output = execFileSync('bash', ['-c', `"${process.execPath}" -e '${script}' <(cat "${path}")`], { encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual([1, 2, 3, 4]);
  });

  it.skipIf(process.platform === 'win32')('refuses a named pipe (FIFO) and a device at once, without opening them', async () => {
    const path = join(folder, 'x.npy');
    execFileSync('mkfifo', [path]);
    // No writer ever opens the FIFO: opening it for reading would block forever.
    const fifo = await errorOf(path);
    expect(fifo.message).toBe(`a named pipe (FIFO), not a regular file (${path})`);
    expect(fifo.exitCode).toBe(3);
    expect(fifo.hint).toMatch(/standard input/);
    expect((await errorOf('/dev/zero')).message).toBe('a device, not a regular file (/dev/zero)');
    await expect(openNpyRows(path)).rejects.toThrow(/it is a pipe|named pipe/);
    expect(await isReadableRegularFile(path)).toBe(false);
    expect(await isReadableRegularFile('/dev/zero')).toBe(false);
  });

  it('fails on the first bytes of a stream of another format, without reading it all', async () => {
    // An endless stream: only the first chunk may be read.
    let chunks = 0;
    const endless = new Readable({ read() { chunks++; this.push(Buffer.alloc(65536)); } });
    const error = await errorOf('-', { stdin: endless });
    expect(error.message).toMatch(/unknown file format \(standard input\): first bytes 00 00 00 00/);
    expect(chunks).toBeLessThan(10);
  });

  it('names standard input in errors', async () => {
    const error = await errorOf('-', { stdin: Readable.from([Buffer.from('a,b\n1,2\n')]) });
    expect(error.message).toMatch(/text file .*\(standard input\)/);
  });
});

const ORACLE = '/work/shared/oracle';

interface OracleFile {
  shape: number[];
  dtype: string;
  fortran_order: boolean;
}

describe.skipIf(!existsSync(ORACLE))('loadMatrix on the oracle files', () => {
  const cases = existsSync(ORACLE) ? readdirSync(ORACLE).filter((name) => existsSync(join(ORACLE, name, 'expected.json'))) : [];

  it.each(cases)('%s: shapes and dtypes match expected.json', async (name) => {
    const expected = JSON.parse(readFileSync(join(ORACLE, name, 'expected.json'), 'utf8'));
    for (const side of ['a', 'b'] as const) {
      const file: OracleFile = expected.files[side];
      const layout = file.shape.length > 2 ? 'nhwc' : 'auto';
      const { matrix, info } = await loadMatrix(join(ORACLE, name, `${side}.npy`), { layout });
      expect(info.shape).toEqual(file.shape);
      expect(info.dtype).toBe(file.dtype);
      expect(info.fortranOrder).toBe(file.fortran_order);
      expect(matrix.rows).toBe(expected.n_datapoints);
      expect(matrix.cols).toBe(side === 'a' ? expected.neurons_a : expected.neurons_b);
    }
  });

  it.skipIf(!existsSync(join(ORACLE, 'conv4d')))('conv4d (40, 6, 6, 12) with nhwc flatten is 1440 x 12', async () => {
    const { matrix, info } = await loadMatrix(join(ORACLE, 'conv4d', 'a.npy'), { layout: 'nhwc', conv: 'flatten' });
    expect(matrix).toMatchObject({ rows: 1440, cols: 12 });
    expect(info).toMatchObject({ shape: [40, 6, 6, 12], spatialShape: [6, 6], reduction: 'flatten' });
    const mean = await loadMatrix(join(ORACLE, 'conv4d', 'a.npy'), { layout: 'nhwc', conv: 'mean' });
    expect(mean.matrix).toMatchObject({ rows: 40, cols: 12 });
  });
});

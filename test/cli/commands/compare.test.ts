/**
 * `pwcca compare` run in process through main(argv, context): exit codes,
 * stdout that parses, and one-line errors with hints on stderr.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot, runMain } from '../../helpers/cli.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildMatrix } from '../../../src/types.js';
import { randomMatrix } from '../../helpers/random.js';
import { npyBytes, writeMatrixNpy } from '../../helpers/npy-file.js';
import { correlatedPair } from '../../metrics/helpers.js';
import { useTemporaryFolders } from '../../helpers/temp.js';

const temporaryFolder = useTemporaryFolders();

const root = repositoryRoot;
const example = join(root, 'fixtures/oracle/small_f64');


let folder: string;
let a: string;
let b: string;

beforeAll(() => {
  folder = temporaryFolder();
  const pair = correlatedPair(200, 8, 6, 3);
  a = writeMatrixNpy(folder, 'a.npy', pair.x);
  b = writeMatrixNpy(folder, 'b.npy', pair.y, '<f4');
});

describe('pwcca compare', () => {
  it('prints a table with the PWCCA and CCA distances', async () => {
    const run = await runMain(['compare', join(example, 'a.npy'), join(example, 'b.npy')]);
    expect(run.code).toBe(0);
    // Equal ranks: the mean of both directions, the oracle's symmetric_distance 0.1250323.
    expect(run.stdout).toMatch(/^PWCCA\s+distance 0\.125032/m);
    expect(run.stdout).toMatch(/^CCA\s+distance 0\.461137/m);
    expect(run.stderr).toBe('');
  });

  it('--format json parses and carries the documented fields', async () => {
    const run = await runMain(['compare', a, b, '--format', 'json', '--method', 'all']);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.method).toBe('all');
    expect(doc.similarity).toBe(doc.pwcca.similarity);
    expect(doc.distance).toBeCloseTo(1 - doc.similarity, 15);
    for (const key of ['path', 'shape', 'dtype', 'datapoints', 'neurons', 'rank', 'droppedNeurons']) {
      expect(doc.inputs.a).toHaveProperty(key);
    }
    expect(doc.inputs.b.dtype).toBe('float32');
    expect(doc.cca.coefficients).toHaveLength(6);
    expect(doc.pwcca.side).toBe('b');
    expect(doc.pwcca.weights).toHaveLength(6);
    expect(Object.keys(doc.pwcca.directional)).toEqual(['a', 'b']);
    expect(doc.svcca.dims.a).toBeGreaterThan(0);
    expect(Array.isArray(doc.warnings)).toBe(true);
  });

  it('--format distance prints only the distance, equal to the JSON value; --quiet changes nothing on stdout', async () => {
    const bare = await runMain(['compare', a, b, '--format', 'distance']);
    const json = JSON.parse((await runMain(['compare', a, b, '--format', 'json'])).stdout);
    expect(bare.code).toBe(0);
    expect(bare.stdout).toBe(`${json.distance}\n`);
    expect((await runMain(['compare', a, b, '--quiet'])).stdout).toBe((await runMain(['compare', a, b])).stdout);
  });

  it('--format csv prints a header and one row', async () => {
    const run = await runMain(['compare', a, b, '--format', 'csv', '--method', 'cca']);
    const [header, row, ...rest] = run.stdout.split('\n');
    expect(header.split(',').slice(0, 6)).toEqual(['a', 'b', 'method', 'variant', 'similarity', 'distance']);
    expect(row.split(',')).toHaveLength(header.split(',').length);
    expect(rest).toEqual(['']);
  });

  it('--max-memory decides the route: a pair that does not fit is streamed (rows-read progress), with the same numbers', async () => {
    const run = (...extra: string[]) => runMain(['compare', a, b, '--format', 'json', ...extra], undefined, {}, { tty: true });
    const [capped, loaded] = [await run('--max-memory', '1K'), await run()];
    expect([capped.code, loaded.code]).toEqual([0, 0]);
    expect(capped.stderr).toMatch(/rows read/);
    expect(loaded.stderr).not.toMatch(/rows read/);
    expect(Math.abs(JSON.parse(capped.stdout).similarity - JSON.parse(loaded.stdout).similarity)).toBeLessThan(1e-12);
    const bad = await runMain(['compare', a, b, '--max-memory', 'lots']);
    expect([bad.code, bad.stderr.trim()]).toEqual([2, "pwcca: --max-memory takes a size like 512M or 2G, got 'lots'"]);
  });

  it('--stream (row chunks) and --no-stream give the same numbers', async () => {
    const streamed = JSON.parse((await runMain(['compare', a, b, '--format', 'json', '--method', 'all', '--stream'])).stdout);
    const loaded = JSON.parse((await runMain(['compare', a, b, '--format', 'json', '--method', 'all', '--no-stream'])).stdout);
    expect(Math.abs(streamed.pwcca.similarity - loaded.pwcca.similarity)).toBeLessThan(1e-12);
    expect(Math.abs(streamed.cca.mean - loaded.cca.mean)).toBeLessThan(1e-12);
    expect(Math.abs(streamed.svcca.similarity - loaded.svcca.similarity)).toBeLessThan(1e-12);
    expect(streamed.inputs.b).toEqual(loaded.inputs.b);
  });

  it('a large pair on two threads (--jobs 2) gives the numbers of one thread', async () => {
    // 16400 x 64 float64 = 8.4 MB per file: above the threshold for worker threads, and cheap to compare.
    const big = correlatedPair(16400, 64, 64, 11);
    const x = writeMatrixNpy(folder, 'big-x.npy', big.x);
    const y = writeMatrixNpy(folder, 'big-y.npy', big.y);
    const one = JSON.parse((await runMain(['compare', x, y, '--format', 'json', '--jobs', '1'])).stdout);
    const two = JSON.parse((await runMain(['compare', x, y, '--format', 'json', '--jobs', '2'])).stdout);
    expect(Math.abs(one.pwcca.similarity - two.pwcca.similarity)).toBeLessThan(1e-12);
    expect(Math.abs(one.cca.mean - two.cca.mean)).toBeLessThan(1e-12);
    expect(two.inputs.a.rank).toBe(one.inputs.a.rank);
  });

  it('reads standard input for -', async () => {
    const fromFile = await runMain(['compare', a, b, '--format', 'distance']);
    const fromStdin = await runMain(['compare', '-', b, '--format', 'distance'], readFileSync(a));
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout).toBe(fromFile.stdout);
  });

  it('--out writes the data to a file and nothing to stdout', async () => {
    const out = join(folder, 'result.json');
    const run = await runMain(['compare', a, b, '--format', 'json', '--out', out]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8')).schemaVersion).toBe(1);
  });

  it('--help shows examples and exit codes; --version prints the version', async () => {
    const help = await runMain(['compare', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Examples:');
    expect(help.stdout).toContain('Exit codes:');
    const version = await runMain(['--version']);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
  });
});

describe('pwcca compare: bad input gets a one-line error, a hint and its exit code', () => {
  const expectError = async (args: string[], code: number, pattern: RegExp, input?: Uint8Array) => {
    const run = await runMain(args, input);
    expect(run.code).toBe(code);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^pwcca: /);
    expect(lines[0]).toMatch(pattern);
    expect(lines.some((line) => line.startsWith('hint: '))).toBe(true);
    return run;
  };

  it('unknown flag: usage error (2)', async () => {
    const run = await runMain(['compare', a, b, '--frobnicate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--frobnicate');
  });

  it('missing file: input error (3) naming it', async () => {
    await expectError(['compare', join(folder, 'missing.npy'), b], 3, /missing\.npy/);
  });

  it('mismatched datapoints: input error (3) with both shapes and a transpose hint', async () => {
    const transposed = writeMatrixNpy(folder, 't.npy', randomMatrix(6, 200, 5));
    const run = await expectError(['compare', a, transposed], 3, /\[200, 8\].*\[6, 200\]/);
    expect(run.stderr).toContain('--layout neurons-first');
  });

  it('NaN: input error (3) naming the file and the first bad row and column', async () => {
    const data = randomMatrix(50, 4, 9);
    data.data[17 * 4 + 2] = Number.NaN;
    const bad = writeMatrixNpy(folder, 'nan.npy', data);
    const other = writeMatrixNpy(folder, 'ok50.npy', randomMatrix(50, 4, 10));
    await expectError(['compare', bad, other], 3, /nan\.npy.*row 17.*column 2|row 17.*column 2.*nan\.npy/);
  });

  it('Inf: input error (3)', async () => {
    const data = randomMatrix(50, 4, 9);
    data.data[3] = Number.POSITIVE_INFINITY;
    const bad = writeMatrixNpy(folder, 'inf.npy', data);
    await expectError(['compare', bad, bad], 3, /inf\.npy/);
  });

  it('too few datapoints: numeric error (4)', async () => {
    const x = writeMatrixNpy(folder, 'few-x.npy', randomMatrix(10, 9, 1));
    const y = writeMatrixNpy(folder, 'few-y.npy', randomMatrix(10, 9, 2));
    await expectError(['compare', x, y], 4, /too few datapoints/);
  });

  it('all neurons constant: numeric error (4) naming the file', async () => {
    const constant = writeMatrixNpy(folder, 'constant.npy', buildMatrix(200, 3, new Float64Array(600).fill(2.5)));
    await expectError(['compare', constant, a], 4, /constant\.npy/);
  });

  it('conv activations without a layout: usage error (2) showing the shape and flags', async () => {
    const conv = join(folder, 'conv.npy');
    writeFileSync(conv, npyBytes([10, 3, 4, 4], new Float64Array(480).map((_, i) => Math.sin(i))));
    const run = await expectError(['compare', conv, conv], 2, /\[10, 3, 4, 4\]/);
    expect(run.stderr).toMatch(/--layout nchw/);
  });

  it('flattened conv maps of different spatial size: input error (3) suggesting --conv mean', async () => {
    const small = join(folder, 'conv-small.npy');
    const large = join(folder, 'conv-large.npy');
    writeFileSync(small, npyBytes([10, 3, 4, 4], new Float64Array(480).map((_, i) => Math.sin(i))));
    writeFileSync(large, npyBytes([10, 3, 5, 5], new Float64Array(750).map((_, i) => Math.cos(i))));
    const run = await expectError(['compare', small, large, '--layout', 'nchw'], 3, /spatial/);
    expect(run.stderr).toContain('--conv mean');
  });

  it('truncated file: input error (3)', async () => {
    const bytes = npyBytes([100, 4], randomMatrix(100, 4, 1).data);
    const truncated = join(folder, 'truncated.npy');
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 100));
    await expectError(['compare', truncated, a], 3, /truncated\.npy/);
  });

  it('a pickle is refused, never evaluated: input error (3)', async () => {
    const pickle = join(folder, 'acts.pkl');
    writeFileSync(pickle, Buffer.from([0x80, 0x04, 0x95, 0x10, 0, 0, 0, 0, 0, 0, 0]));
    await expectError(['compare', pickle, a], 3, /acts\.pkl/);
  });

  it('an object-dtype .npy is refused: input error (3)', async () => {
    const header = "{'descr': '|O', 'fortran_order': False, 'shape': (3, 2), }";
    const padded = header + ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
    const prefix = Buffer.from([0x93, ...Buffer.from('NUMPY'), 1, 0, padded.length & 0xff, padded.length >> 8]);
    const objectFile = join(folder, 'object.npy');
    writeFileSync(objectFile, Buffer.concat([prefix, Buffer.from(padded, 'latin1'), Buffer.from([0x80, 0x04, 0x4e, 0x2e])]));
    await expectError(['compare', objectFile, a], 3, /object\.npy/);
  });

  it('a 1-D array: input error (3) with a reshape hint', async () => {
    const vector = join(folder, 'vector.npy');
    writeFileSync(vector, npyBytes([200], new Float64Array(200).map((_, i) => i)));
    await expectError(['compare', vector, a], 3, /vector\.npy/);
  });
});

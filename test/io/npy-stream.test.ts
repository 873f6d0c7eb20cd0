import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { loadNpyHeader, openNpyRows } from '../../src/io/npy-stream.js';
import { computeMoments, crossCovariance } from '../../src/metrics/side.js';
import { createExecutor, InlineExecutor, type Executor } from '../../src/engine/executor.js';
import { streamCentredProducts, streamColumnMeans } from '../../src/engine/stream-moments.js';
import { buildMatrix } from '../../src/types.js';
import { randomMatrix } from '../helpers/random.js';
import { npyBytes, temporaryFolder, writeMatrixNpy } from '../helpers/npy-file.js';

const folder = temporaryFolder('pwcca-npy-stream-');
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function relativeDiff(a: Float64Array, b: Float64Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

async function readAll(path: string, chunkRows: number): Promise<{ rows: number[]; data: number[] }> {
  const reader = await openNpyRows(path);
  const rows: number[] = [];
  const data: number[] = [];
  try {
    for await (const chunk of reader.chunks(chunkRows)) {
      rows.push(chunk.rows);
      data.push(...chunk.data);
    }
  } finally {
    await reader.close();
  }
  return { rows, data };
}

describe('openNpyRows', () => {
  it('yields every row once, in order, in chunks of the asked size (float64 and float32)', async () => {
    const m = randomMatrix(37, 5, 1);
    for (const dtype of ['<f8', '<f4'] as const) {
      const path = writeMatrixNpy(folder, `rows${dtype.slice(1)}.npy`, m, dtype);
      const { rows, data } = await readAll(path, 10);
      expect(rows).toEqual([10, 10, 10, 7]);
      const expected = dtype === '<f8' ? Array.from(m.data) : Array.from(Float32Array.from(m.data));
      expect(data).toEqual(expected);
    }
  });

  it('starts a new pass on every call and reports the header', async () => {
    const path = writeMatrixNpy(folder, 'twice.npy', randomMatrix(9, 3, 2));
    const reader = await openNpyRows(path);
    try {
      expect([reader.rows, reader.cols, reader.header.dtype]).toEqual([9, 3, 'float64']);
      for (let pass = 0; pass < 2; pass++) {
        let count = 0;
        for await (const chunk of reader.chunks(4)) count += chunk.rows;
        expect(count).toBe(9);
      }
    } finally {
      await reader.close();
    }
  });

  it('names the file, row and column of the first NaN or Inf when asked to check', async () => {
    const m = randomMatrix(20, 4, 3);
    m.data[13 * 4 + 2] = Number.NaN;
    m.data[17 * 4 + 1] = Number.POSITIVE_INFINITY;
    const path = writeMatrixNpy(folder, 'nan.npy', m);
    const reader = await openNpyRows(path);
    try {
      const drain = async () => {
        for await (const chunk of reader.chunks(8, { checkFinite: true })) void chunk;
      };
      await expect(drain()).rejects.toThrow(InputError);
      await expect(drain()).rejects.toThrow(/NaN at row 13, column 2 of .*nan\.npy/);
    } finally {
      await reader.close();
    }
  });

  it('refuses Fortran-ordered and 3-D arrays, which the in-memory loader handles', async () => {
    const fortran = join(folder, 'fortran.npy');
    const bytes = Buffer.from(npyBytes([3, 2], [1, 2, 3, 4, 5, 6]));
    writeFileSync(fortran, Buffer.from(bytes.toString('latin1').replace("'fortran_order': False", "'fortran_order': True "), 'latin1'));
    expect((await loadNpyHeader(fortran)).fortranOrder).toBe(true);
    await expect(openNpyRows(fortran)).rejects.toThrow(/Fortran order/);
    const cube = join(folder, 'cube.npy');
    writeFileSync(cube, npyBytes([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]));
    await expect(openNpyRows(cube)).rejects.toThrow(/cannot stream/);
  });

  it('reports a missing file as an input error', async () => {
    await expect(openNpyRows(join(folder, 'missing.npy'))).rejects.toThrow(InputError);
  });
});

describe('streamed moments', () => {
  const inline = new InlineExecutor();
  const requests = [
    { a: 0, b: 0 },
    { a: 1, b: 1 },
    { a: 0, b: 1 },
  ];

  async function streamed(a: string, b: string, chunkRows: number, executor: Executor = inline) {
    const ma = await streamColumnMeans(a, { chunkRows });
    const mb = await streamColumnMeans(b, { chunkRows });
    const [xx, yy, xy] = await streamCentredProducts([a, b], [ma.mean, mb.mean], requests, executor, { chunkRows });
    const scale = (values: Float64Array) => values.map((v) => v / (ma.n - 1));
    return { n: ma.n, meanX: ma.mean, meanY: mb.mean, xx: scale(xx), yy: scale(yy), xy: scale(xy) };
  }

  for (const [seed, offset] of [[1, 0], [2, 1000], [3, -1e6]] as const) {
    it(`equals the in-memory moments to 1e-12 (seed ${seed}, offset ${offset})`, async () => {
      const x = randomMatrix(700, 23, seed);
      const base = randomMatrix(700, 41, seed + 10);
      const y = buildMatrix(700, 41, base.data.map((v, i) => v + 0.3 * x.data[Math.floor(i / 41) * 23 + (i % 23)] + offset));
      const a = writeMatrixNpy(folder, `moments-a-${seed}.npy`, x, '<f8');
      const b = writeMatrixNpy(folder, `moments-b-${seed}.npy`, y, '<f8');
      const mx = computeMoments(x);
      const my = computeMoments(y);
      const cross = crossCovariance(x, mx, y, my);
      for (const chunkRows of [256, 99, 700]) {
        const s = await streamed(a, b, chunkRows);
        expect(s.n).toBe(700);
        expect(relativeDiff(s.meanX, mx.mean)).toBeLessThan(1e-12);
        expect(relativeDiff(s.meanY, my.mean)).toBeLessThan(1e-12);
        expect(relativeDiff(s.xx, mx.covariance)).toBeLessThan(1e-12);
        expect(relativeDiff(s.yy, my.covariance)).toBeLessThan(1e-12);
        expect(relativeDiff(s.xy, cross)).toBeLessThan(1e-12);
      }
    });
  }

  it('is unaffected by a +1000 offset beyond 1e-9', async () => {
    const x = randomMatrix(500, 12, 5);
    const y = randomMatrix(500, 9, 6);
    const a = writeMatrixNpy(folder, 'offset-x.npy', x, '<f8');
    const moved = writeMatrixNpy(folder, 'offset-x-moved.npy', buildMatrix(500, 12, x.data.map((v) => v + 1000)), '<f8');
    const b = writeMatrixNpy(folder, 'offset-y.npy', y, '<f8');
    const plain = await streamed(a, b, 128);
    const shifted = await streamed(moved, b, 128);
    expect(relativeDiff(shifted.xx, plain.xx)).toBeLessThan(1e-9);
    expect(relativeDiff(shifted.xy, plain.xy)).toBeLessThan(1e-9);
  });

  it('gives the same sums, bit for bit, on worker threads as on this one', async () => {
    const x = randomMatrix(1300, 37, 7);
    const y = randomMatrix(1300, 29, 8);
    const a = writeMatrixNpy(folder, 'threads-x.npy', x, '<f8');
    const b = writeMatrixNpy(folder, 'threads-y.npy', y, '<f8');
    const workers = createExecutor(2);
    try {
      const threaded = await streamed(a, b, 128, workers);
      const here = await streamed(a, b, 128);
      expect(threaded.xx).toEqual(here.xx);
      expect(threaded.yy).toEqual(here.yy);
      expect(threaded.xy).toEqual(here.xy);
    } finally {
      await workers.close();
    }
  });

  it('reports a product that fails instead of returning its partial sums', async () => {
    const a = writeMatrixNpy(folder, 'fail-x.npy', randomMatrix(600, 6, 9), '<f8');
    const b = writeMatrixNpy(folder, 'fail-y.npy', randomMatrix(600, 5, 10), '<f8');
    const ma = await streamColumnMeans(a);
    // A mean of the wrong length makes every product with b fail, while the Gram matrix of a goes on.
    const bad = [ma.mean, new Float64Array(3)];
    await expect(streamCentredProducts([a, b], bad, requests, inline, { chunkRows: 100 })).rejects.toThrow(/mean/);
  });

  it('refuses files that end at different rows', async () => {
    const a = writeMatrixNpy(folder, 'rows-x.npy', randomMatrix(300, 4, 11), '<f8');
    const b = writeMatrixNpy(folder, 'rows-y.npy', randomMatrix(260, 4, 12), '<f8');
    const means = [new Float64Array(4), new Float64Array(4)];
    await expect(streamCentredProducts([a, b], means, requests, inline, { chunkRows: 100 })).rejects.toThrow(/different rows/);
  });

  it('names the file with too few rows', async () => {
    const a = writeMatrixNpy(folder, 'one-row.npy', randomMatrix(1, 4, 13), '<f8');
    await expect(streamColumnMeans(a)).rejects.toThrow(/too few datapoints: 1 row\(s\) in .*one-row\.npy/);
  });
});

describe('runCompare on the streamed route', () => {
  // Imported here so the reader tests above do not depend on the in-memory loader.
  const runCompare = async (a: string, b: string, stream: boolean) =>
    (await import('../../src/studies/compare.js')).runCompare(a, b, { method: 'all', stream });

  for (const [seed, offset] of [[11, 0], [12, 1000]] as const) {
    it(`gives the in-memory results to 1e-12 (seed ${seed}, +${offset} on b, float32 and float64 files)`, async () => {
      const x = randomMatrix(900, 30, seed);
      const noise = randomMatrix(900, 20, seed + 1);
      const y = buildMatrix(900, 20, noise.data.map((v, i) => v + 0.7 * x.data[Math.floor(i / 20) * 30 + (i % 20)] + offset));
      const a = writeMatrixNpy(folder, `cmp-a-${seed}.npy`, x, '<f4');
      const b = writeMatrixNpy(folder, `cmp-b-${seed}.npy`, y, '<f8');
      const memory = await runCompare(a, b, false);
      const streamed = await runCompare(a, b, true);
      const close = (s: number, m: number) => expect(Math.abs(s - m)).toBeLessThan(1e-12 * Math.max(1, Math.abs(m)));
      close(streamed.comparison.cca.mean, memory.comparison.cca.mean);
      close(streamed.comparison.pwcca.similarity, memory.comparison.pwcca.similarity);
      close(streamed.comparison.svcca!.similarity, memory.comparison.svcca!.similarity);
      expect(relativeDiff(streamed.comparison.cca.coefficients, memory.comparison.cca.coefficients)).toBeLessThan(1e-12);
      expect(streamed.inputs.a.rank).toBe(memory.inputs.a.rank);
      expect(streamed.comparison.datapoints).toBe(900);
    });
  }

  it('computes the products on two threads for a file of 8 MiB or more, to the one-thread results', async () => {
    const rows = 4200; // x 512 float32 columns: 8.2 MiB, over the threshold for threads
    const x = randomMatrix(rows, 512, 41);
    const noise = randomMatrix(rows, 300, 42);
    const y = buildMatrix(rows, 300, noise.data.map((v, i) => v + 0.5 * x.data[Math.floor(i / 300) * 512 + (i % 300)] + 1000));
    const a = writeMatrixNpy(folder, 'big-a.npy', x, '<f4');
    const b = writeMatrixNpy(folder, 'big-b.npy', y, '<f4');
    const { runCompare: run } = await import('../../src/studies/compare.js');
    const rowsRead: number[] = [];
    const one = await run(a, b, { method: 'all', stream: true, jobs: 1, onRowsRead: (read, total) => rowsRead.push(read / total) });
    expect(rowsRead.at(-1)).toBe(1);
    const two = await run(a, b, { method: 'all', stream: true, jobs: 2 });
    const memory = await run(a, b, { method: 'all', stream: false, jobs: 1 });
    expect(two.comparison.cca.coefficients).toEqual(one.comparison.cca.coefficients);
    expect(two.comparison.pwcca.similarity).toBe(one.comparison.pwcca.similarity);
    expect(Math.abs(two.comparison.pwcca.similarity - memory.comparison.pwcca.similarity)).toBeLessThan(1e-12);
    expect(Math.abs(two.comparison.svcca!.similarity - memory.comparison.svcca!.similarity)).toBeLessThan(1e-12);
    expect(relativeDiff(two.comparison.cca.coefficients, memory.comparison.cca.coefficients)).toBeLessThan(1e-11);
    expect(two.inputs.b.rank).toBe(300);
  }, 60_000);

  it('reports the first NaN of a streamed file with its row and column', async () => {
    const x = randomMatrix(300, 6, 21);
    x.data[250 * 6 + 4] = Number.NaN;
    const a = writeMatrixNpy(folder, 'nan-a.npy', x);
    const b = writeMatrixNpy(folder, 'nan-b.npy', randomMatrix(300, 5, 22));
    await expect(runCompare(a, b, true)).rejects.toThrow(/NaN at row 250, column 4 of .*nan-a\.npy/);
  });

  it('explains different numbers of datapoints without reading the data', async () => {
    const a = writeMatrixNpy(folder, 'rows-a.npy', randomMatrix(50, 4, 23));
    const b = writeMatrixNpy(folder, 'rows-b.npy', randomMatrix(60, 4, 24));
    await expect(runCompare(a, b, true)).rejects.toThrow(/different numbers of datapoints/);
  });
});

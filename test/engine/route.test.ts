/**
 * The engine's one routing decision: streamed or in memory, and how many
 * threads, for a single pair and for many. {@link decideRoute} is a pure
 * function of the files' sizes and the options; {@link chooseRoute} reads
 * those facts from the files.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  chooseRoute,
  decideRoute,
  PARALLEL_FILE_BYTES,
  PARALLEL_MIN_FLOPS,
  STREAM_MIN_VALUES,
  type RouteFile,
} from '../../src/engine/route.js';
import { loadNpyHeader } from '../../src/io/npy-stream.js';
import { npyBytes, writeMatrixNpy } from '../helpers/npy-file.js';
import { randomMatrix } from '../helpers/random.js';
import { useTemporaryFolders } from '../helpers/temp.js';

const temporaryFolder = useTemporaryFolders();

/** A 2-D C-ordered float32 .npy file as the route sees it. */
const npy = (rows: number, cols: number): RouteFile => ({ bytes: 128 + 4 * rows * cols, rows, cols, streamable: true });

describe('decideRoute', () => {
  it('streams streamable inputs from STREAM_MIN_VALUES values in the largest file, loads smaller ones', () => {
    const below = npy(STREAM_MIN_VALUES / 256 - 1, 256);
    const at = npy(STREAM_MIN_VALUES / 256, 256);
    expect(decideRoute([below, below], 1).stream).toBe(false);
    expect(decideRoute([below, at], 1).stream).toBe(true);
    // The 1,000,000 x 256 float32 pair (just under 1 GiB each) streams by default.
    expect(decideRoute([npy(1_000_000, 256), npy(1_000_000, 256)], 1).stream).toBe(true);
    expect(decideRoute([npy(1_000_000, 256), npy(1_000_000, 256)], 1, { stream: false }).stream).toBe(false);
  });

  it('streams small inputs on request, and never what cannot stream', () => {
    const small = npy(50, 3);
    expect(decideRoute([small, small], 1, { stream: true }).stream).toBe(true);
    const arrow: RouteFile = { bytes: 1e9, streamable: false };
    expect(decideRoute([npy(1_000_000, 256), arrow], 1).stream).toBe(false);
    expect(decideRoute([npy(1_000_000, 256), arrow], 1, { stream: true }).stream).toBe(false);
    expect(decideRoute([], 1, { stream: true }).stream).toBe(false);
  });

  it('streams when one pair would not fit in maxMemoryBytes, whatever its size', () => {
    const small = npy(1000, 100); // 0.8 MB as float64, plus 160 kB of covariance and eigenvectors
    expect(decideRoute([small, small], 1, { maxMemoryBytes: 10e6 }).stream).toBe(false);
    expect(decideRoute([small, small], 1, { maxMemoryBytes: 1e6 }).stream).toBe(true);
    // Only the two largest files are held for one pair: many small files fit.
    expect(decideRoute(Array.from({ length: 20 }, () => small), 190, { maxMemoryBytes: 3e6 }).stream).toBe(false);
  });

  it('gives a single pair two threads only when a file is large and jobs allow it', () => {
    const small = npy(50, 3);
    const large = npy(PARALLEL_FILE_BYTES / 4, 1);
    expect(decideRoute([small, small], 1, { jobs: 4 })).toMatchObject({ threads: 1, shares: 1 });
    expect(decideRoute([small, large], 1, { jobs: 4 })).toMatchObject({ threads: 2, shares: 2 });
    expect(decideRoute([small, large], 1, { jobs: 1 })).toMatchObject({ threads: 1, shares: 1 });
  });

  it('gives a single pair of small files two threads when its resampling tests are much work', () => {
    // 1000 x 200 float32 (0.8 MB, under PARALLEL_FILE_BYTES): one shuffle is about 2 * 1000 * 200^2 + 20 * 200^3 = 0.24 GFLOP.
    const medium = npy(1000, 200);
    expect(decideRoute([medium, medium], 1, { jobs: 2 })).toMatchObject({ threads: 1, shares: 1 });
    expect(decideRoute([medium, medium], 1, { jobs: 2, resamplesPerPair: 1 })).toMatchObject({ threads: 1, shares: 1 });
    expect(decideRoute([medium, medium], 1, { jobs: 2, resamplesPerPair: 100 })).toMatchObject({ threads: 2, shares: 2 });
    expect(decideRoute([medium, medium], 1, { jobs: 1, resamplesPerPair: 100 })).toMatchObject({ threads: 1, shares: 1 });
    // Tiny pairs stay on the calling thread whatever the count.
    expect(decideRoute([npy(50, 3), npy(50, 3)], 1, { jobs: 2, resamplesPerPair: 10_000 })).toMatchObject({ threads: 1, shares: 1 });
    // Many pairs: the resamples count in the run's work.
    const few = npy(300, 40);
    expect(decideRoute([few, few, few], 3, { jobs: 2 })).toMatchObject({ threads: 1 });
    expect(decideRoute([few, few, few], 3, { jobs: 2, resamplesPerPair: 1000 })).toMatchObject({ threads: 2 });
  });

  it('gives many pairs no more threads than jobs or pairs, and one thread when the work is tiny', () => {
    const tiny = npy(50, 3);
    expect(decideRoute([tiny, tiny, tiny], 3, { jobs: 8 })).toMatchObject({ threads: 1, shares: 1 });
    // 10000 x 512: each pair alone is 2 * 10000 * 512^2 = 5.2 GFLOP, far above PARALLEL_MIN_FLOPS.
    const wide = npy(10000, 512);
    expect(2 * 10000 * 512 ** 2).toBeGreaterThan(PARALLEL_MIN_FLOPS);
    expect(decideRoute([wide, wide, wide], 3, { jobs: 8 })).toMatchObject({ threads: 3, shares: 1 });
    expect(decideRoute([wide, wide, wide], 3, { jobs: 2 })).toMatchObject({ threads: 2, shares: 1 });
    expect(decideRoute([wide, wide, wide], 3, {})).toMatchObject({ threads: 1, shares: 1 });
  });
});

describe('chooseRoute', () => {
  let small: { id: string; path: string }[];
  let large: { id: string; path: string };
  let fortran: { id: string; path: string };

  beforeAll(() => {
    const folder = temporaryFolder('pwcca-route-');
    small = [0, 1, 2].map((seed) => ({ id: `s${seed}`, path: writeMatrixNpy(folder, `s${seed}.npy`, randomMatrix(50, 3, seed)) }));
    // Just at the size from which both streaming and two threads for one pair start (8 MiB of float64).
    const rows = STREAM_MIN_VALUES / 8;
    large = { id: 'big', path: writeMatrixNpy(folder, 'big.npy', randomMatrix(rows, 8, 9)) };
    const bytes = Buffer.from(npyBytes([rows, 8], randomMatrix(rows, 8, 10).data));
    const header = bytes.toString('latin1', 0, 128).replace("'fortran_order': False", "'fortran_order': True ");
    bytes.write(header, 0, 'latin1');
    fortran = { id: 'f', path: join(folder, 'fortran.npy') };
    writeFileSync(fortran.path, bytes);
  });

  it('reads the sizes and headers that decideRoute needs', async () => {
    expect(await chooseRoute([small[0], small[1]], 1, { jobs: 4 })).toMatchObject({ headers: null, threads: 1, shares: 1 });
    const route = await chooseRoute([small[0], large], 1, { jobs: 4 });
    expect(route).toMatchObject({ threads: 2, shares: 2 });
    expect([...route.headers!.keys()]).toEqual(['s0', 'big']);
    expect(route.headers!.get('big')!.shape).toEqual([STREAM_MIN_VALUES / 8, 8]);
    expect((await chooseRoute([small[0], large], 1, { stream: false })).headers).toBeNull();
  });

  it('streams 2-D C-ordered .npy files on request, and never a Fortran-ordered file, a layout option or standard input', async () => {
    const streamed = await chooseRoute(small, 3, { stream: true });
    expect([...streamed.headers!.keys()]).toEqual(['s0', 's1', 's2']);
    expect((await chooseRoute(small, 3, { stream: 'auto' })).headers).toBeNull(); // all far below STREAM_MIN_VALUES
    expect((await chooseRoute(small, 3, { stream: false })).headers).toBeNull();
    expect((await chooseRoute(small, 3, { stream: true, layout: 'neurons-first' })).headers).toBeNull();
    expect((await loadNpyHeader(fortran.path)).fortranOrder).toBe(true);
    expect((await chooseRoute([large, fortran], 1, {})).headers).toBeNull();
    expect((await chooseRoute([large, fortran], 1, { stream: true })).headers).toBeNull();
    expect((await chooseRoute([small[0], { id: 'in', path: '-' }], 1, { stream: true })).headers).toBeNull();
    expect((await chooseRoute([small[0], { id: 'x', path: join(temporaryFolder('pwcca-route-'), 'missing.npy') }], 1, { stream: true })).headers).toBeNull();
  });
});

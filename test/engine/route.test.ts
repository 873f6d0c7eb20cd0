/**
 * The engine's one routing decision: streamed or in memory, and how many
 * threads, for a single pair and for many.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { chooseRoute, PARALLEL_FILE_BYTES } from '../../src/engine/route.js';
import { writeMatrixNpy } from '../helpers/npy-file.js';
import { randomMatrix } from '../helpers/random.js';
import { useTemporaryFolders } from '../helpers/temp.js';

const temporaryFolder = useTemporaryFolders();
let small: { id: string; path: string }[];
let large: { id: string; path: string };

beforeAll(() => {
  const folder = temporaryFolder('pwcca-route-');
  small = [0, 1, 2].map((seed) => ({ id: `s${seed}`, path: writeMatrixNpy(folder, `s${seed}.npy`, randomMatrix(50, 3, seed)) }));
  // Just over the size from which a single pair gets two threads.
  const rows = Math.ceil(PARALLEL_FILE_BYTES / (8 * 8)) + 1;
  large = { id: 'big', path: writeMatrixNpy(folder, 'big.npy', randomMatrix(rows, 8, 9)) };
});

describe('chooseRoute', () => {
  it('gives a single pair two threads only when a file is large and jobs allow it', async () => {
    expect(await chooseRoute([small[0], small[1]], 1, { jobs: 4 })).toMatchObject({ headers: null, threads: 1, shares: 1 });
    expect(await chooseRoute([small[0], large], 1, { jobs: 4 })).toMatchObject({ headers: null, threads: 2, shares: 2 });
    expect(await chooseRoute([small[0], large], 1, { jobs: 1 })).toMatchObject({ threads: 1, shares: 1 });
  });

  it('gives many pairs no more threads than jobs or pairs, one share each', async () => {
    expect(await chooseRoute(small, 3, { jobs: 8 })).toMatchObject({ threads: 3, shares: 1 });
    expect(await chooseRoute(small, 3, { jobs: 2 })).toMatchObject({ threads: 2, shares: 1 });
    expect(await chooseRoute(small, 3, {})).toMatchObject({ threads: 1, shares: 1 });
  });

  it('streams 2-D .npy files on request, and never with a layout option or standard input', async () => {
    const streamed = await chooseRoute(small, 3, { stream: true });
    expect([...streamed.headers!.keys()]).toEqual(['s0', 's1', 's2']);
    expect((await chooseRoute(small, 3, { stream: 'auto' })).headers).toBeNull(); // all far below 1 GiB
    expect((await chooseRoute(small, 3, { stream: false })).headers).toBeNull();
    expect((await chooseRoute(small, 3, { stream: true, layout: 'neurons-first' })).headers).toBeNull();
    expect((await chooseRoute([small[0], { id: 'in', path: '-' }], 1, { stream: true })).headers).toBeNull();
    expect((await chooseRoute([small[0], { id: 'x', path: join(temporaryFolder('pwcca-route-'), 'missing.npy') }], 1, { stream: true })).headers).toBeNull();
  });
});

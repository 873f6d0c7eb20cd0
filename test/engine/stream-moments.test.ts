/**
 * Pass one of the streamed route: column means, and the first NaN or
 * infinite value named by row and column even when it sits in a later chunk
 * (found from the largest magnitude, then located).
 */
import { describe, expect, it } from 'vitest';
import { streamColumnMeans } from '../../src/engine/stream-moments.js';
import { expectClose } from '../helpers/expect-close.js';
import { writeMatrixNpy } from '../helpers/npy-file.js';
import { randomMatrix } from '../helpers/random.js';
import { useTemporaryFolders } from '../helpers/temp.js';

const temporaryFolder = useTemporaryFolders();

describe('streamColumnMeans', () => {
  it('gives the column means over chunks', async () => {
    const matrix = randomMatrix(1000, 4, 3);
    const path = writeMatrixNpy(temporaryFolder('pwcca-stream-moments-'), 'x.npy', matrix);
    const { n, mean, scaleExponent } = await streamColumnMeans(path, { chunkRows: 256 });
    const expected = [0, 1, 2, 3].map((c) => matrix.data.filter((_, i) => i % 4 === c).reduce((a, b) => a + b, 0) / 1000);
    expect([n, scaleExponent]).toEqual([1000, 0]);
    expectClose(Array.from(mean), expected, 1e-14, 'column means');
  });

  for (const [bad, text] of [[Number.POSITIVE_INFINITY, 'Infinity'], [Number.NEGATIVE_INFINITY, '-Infinity'], [Number.NaN, 'NaN']] as const) {
    it(`names the first ${text} by row and column when it is in a later chunk`, async () => {
      const matrix = randomMatrix(1000, 4, 4);
      matrix.data[700 * 4 + 3] = bad;
      matrix.data[900 * 4 + 1] = Number.NaN;
      const path = writeMatrixNpy(temporaryFolder('pwcca-stream-moments-'), 'x.npy', matrix);
      await expect(streamColumnMeans(path, { chunkRows: 256 })).rejects.toThrow(`${text} at row 700, column 3 of ${path}`);
    });
  }
});

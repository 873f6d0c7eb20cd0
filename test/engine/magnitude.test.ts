import { describe, expect, it } from 'vitest';
import { runPairs } from '../../src/engine/run-pairs.js';
import { writeMatrixNpy } from '../helpers/npy-file.js';
import { useTemporaryFolders } from '../helpers/temp.js';
import { correlatedPair, scaleMatrix } from '../metrics/helpers.js';

const temporary = useTemporaryFolders();

describe('extreme magnitudes through the engine', () => {
  // 600 x 12 and 600 x 9: small enough to be quick, streamed in several chunks of 256 rows.
  const { x, y } = correlatedPair(600, 12, 9, 23);

  const similarities = async (factor: number, options: Parameters<typeof runPairs>[2]) => {
    const folder = temporary();
    const files = [
      { id: 'a', path: writeMatrixNpy(folder, 'a.npy', scaleMatrix(x, factor)) },
      { id: 'b', path: writeMatrixNpy(folder, 'b.npy', scaleMatrix(y, 1 / factor >= 1e300 ? 1 : factor)) },
    ];
    const { outcomes } = await runPairs(files, [{ key: 'ab', a: 'a', b: 'b' }], { ...options, compare: { svcca: {}, cka: {} } });
    const [outcome] = outcomes;
    if (outcome.error) throw new Error(outcome.error.message);
    const c = outcome.comparison;
    return [c.pwcca.similarity, c.cca.similarity, c.svcca!.similarity, c.cka!.similarity];
  };

  it.each([
    ['in memory', { stream: false }],
    ['streamed', { stream: true, chunkRows: 256 }],
  ] as const)('%s: values scaled by 1e-300 ... 1e300 give the unscaled results', async (_route, options) => {
    const base = await similarities(1, options);
    const gaps: Record<string, number> = {};
    for (const factor of [1e-300, 1e-100, 1e100, 1e154, 1e300]) {
      const scaled = await similarities(factor, options);
      gaps[factor] = Math.max(...scaled.map((value, i) => Math.abs(value - base[i])));
    }
    expect(Math.max(...Object.values(gaps)), JSON.stringify(gaps)).toBeLessThanOrEqual(1e-10);
  }, 120_000);

  it('in memory, cross product split over two threads (a file of 8 MiB or more): the same', async () => {
    const big = correlatedPair(4200, 256, 8, 5);
    const run = async (factor: number) => {
      const folder = temporary();
      const files = [
        { id: 'a', path: writeMatrixNpy(folder, 'a.npy', scaleMatrix(big.x, factor)) },
        { id: 'b', path: writeMatrixNpy(folder, 'b.npy', scaleMatrix(big.y, factor)) },
      ];
      const { outcomes } = await runPairs(files, [{ key: 'ab', a: 'a', b: 'b' }], { stream: false, jobs: 2 });
      if (outcomes[0].error) throw new Error(outcomes[0].error.message);
      return outcomes[0].comparison.pwcca.similarity;
    };
    const base = await run(1);
    const gaps = [Math.abs((await run(1e-300)) - base), Math.abs((await run(1e300)) - base)];
    expect(Math.max(...gaps), gaps.join(', ')).toBeLessThanOrEqual(1e-10);
  }, 300_000);
});

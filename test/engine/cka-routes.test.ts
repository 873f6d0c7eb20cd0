import { describe, expect, it } from 'vitest';
import { runPairs } from '../../src/engine/run-pairs.js';
import { computeCka } from '../../src/metrics/cka.js';
import { crossCovariance, prepareSide } from '../../src/metrics/side.js';
import { writeMatrixNpy } from '../helpers/npy-file.js';
import { useTemporaryFolders } from '../helpers/temp.js';
import { correlatedPair, scaleMatrix } from '../metrics/helpers.js';

const temporary = useTemporaryFolders();

describe('CKA on every route', () => {
  it('in memory and streamed give the linear and debiased CKA of the matrices (three files, three pairs)', async () => {
    const first = correlatedPair(700, 10, 7, 31);
    const third = scaleMatrix(correlatedPair(700, 6, 5, 32).x, 1e200);
    const matrices = [first.x, first.y, third];
    const folder = temporary();
    const files = matrices.map((m, k) => ({ id: String(k), path: writeMatrixNpy(folder, `m${k}.npy`, m) }));
    const tasks = [
      { key: '01', a: '0', b: '1' },
      { key: '02', a: '0', b: '2' },
      { key: '12', a: '1', b: '2' },
    ];
    const expected = tasks.map(({ a, b }) => {
      const [x, y] = [matrices[Number(a)], matrices[Number(b)]];
      const px = prepareSide(x);
      const py = prepareSide(y);
      return computeCka(x, px, y, py, crossCovariance(x, px, y, py));
    });
    for (const stream of [false, true]) {
      const { outcomes, stats } = await runPairs(files, tasks, { stream, compare: { cka: {} } });
      expect(stats.streamed).toBe(stream);
      const gaps = outcomes.map((outcome, i) => {
        const cka = outcome.comparison!.cka!;
        return Math.max(Math.abs(cka.similarity - expected[i].similarity), Math.abs(cka.debiased! - expected[i].debiased!));
      });
      expect(Math.max(...gaps), `stream ${stream}: ${gaps.join(', ')}`).toBeLessThanOrEqual(1e-12);
    }
  }, 120_000);
});

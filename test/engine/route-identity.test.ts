/**
 * Every route gives the same numbers: the streamed route (chosen by default
 * from STREAM_MIN_VALUES values), the in-memory route on the calling thread
 * and on worker threads (files decoded straight into shared memory), and a
 * Fortran-ordered copy of a file (which cannot stream and is loaded). Needs
 * `npm run build` for the worker script (the suite's global setup).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerExecutor } from '../../src/engine/executor.js';
import { STREAM_MIN_VALUES } from '../../src/engine/route.js';
import { runPairs, type PairOutcome, type PairTask, type SourceFile } from '../../src/engine/run-pairs.js';
import { expectClose } from '../helpers/expect-close.js';
import { npyBytes } from '../helpers/npy-file.js';
import { seededNormal } from '../helpers/random.js';
import { useTemporaryFolders } from '../helpers/temp.js';

const temporaryFolder = useTemporaryFolders();
const cols = 64;
// Exactly STREAM_MIN_VALUES values per file: the default route streams them.
const rows = STREAM_MIN_VALUES / cols;
let files: SourceFile[];
let fortran: SourceFile;
let pool: WorkerExecutor;

/** Rows of a shared latent signal seen through each file's own mix, plus noise and an offset, in float32 steps. */
function networkMatrix(seed: number, latent: Float64Array, latentDims: number): Float64Array {
  const normal = seededNormal(seed);
  const mix = Float64Array.from({ length: latentDims * cols }, normal);
  const values = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let v = 5 + 0.5 * normal();
      for (let k = 0; k < latentDims; k++) v += latent[r * latentDims + k] * mix[k * cols + c];
      values[r * cols + c] = Math.fround(v);
    }
  }
  return values;
}

beforeAll(() => {
  const folder = temporaryFolder('pwcca-route-identity-');
  const latentDims = 16;
  const latent = Float64Array.from({ length: rows * latentDims }, seededNormal(1));
  const matrices = [2, 3, 4].map((seed) => networkMatrix(seed, latent, latentDims));
  files = matrices.map((values, k) => {
    const path = join(folder, `net${k}.npy`);
    writeFileSync(path, npyBytes([rows, cols], values, '<f4'));
    return { id: `net${k}`, path };
  });
  // net1 again, stored column by column (np.asfortranarray): the loader's route.
  const columnMajor = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) columnMajor[c * rows + r] = matrices[1][r * cols + c];
  const bytes = Buffer.from(npyBytes([rows, cols], columnMajor, '<f4'));
  bytes.write(bytes.toString('latin1', 0, 128).replace("'fortran_order': False", "'fortran_order': True "), 0, 'latin1');
  fortran = { id: 'net1-fortran', path: join(folder, 'net1-fortran.npy') };
  writeFileSync(fortran.path, bytes);
  pool = new WorkerExecutor(2);
});

afterAll(async () => {
  await pool?.close();
});

const tasks: PairTask[] = [
  { key: '0-1', a: 'net0', b: 'net1' },
  { key: '0-2', a: 'net0', b: 'net2' },
  { key: '1-2', a: 'net1', b: 'net2' },
];

/** The numbers of each pair: PWCCA (both directions), mean CCA, SVCCA and every canonical correlation. */
function numbers(outcomes: readonly PairOutcome[]): number[] {
  return outcomes.flatMap((outcome) => {
    if (outcome.error) throw new Error(`${outcome.task.key} failed: ${outcome.error.message}`);
    const c = outcome.comparison;
    return [c.pwcca.similarity, c.pwcca.directional.a, c.pwcca.directional.b, c.cca.mean, c.svcca!.similarity, ...c.cca.coefficients];
  });
}

const compare = { svcca: { dims: 8 } };

describe('routes of runPairs', () => {
  it('streams these files by default and gives the in-memory values to 1e-12, on one thread and on two workers', async () => {
    const streamed = await runPairs(files, tasks, { compare });
    expect(streamed.stats.streamed).toBe(true);
    const loaded = await runPairs(files, tasks, { compare, stream: false });
    expect(loaded.stats.streamed).toBe(false);
    const workers = await runPairs(files, tasks, { compare, stream: false, jobs: 2, executor: pool });
    const streamedWorkers = await runPairs(files, tasks, { compare, stream: true, jobs: 2, executor: pool });
    const reference = numbers(loaded.outcomes);
    expect(reference.every(Number.isFinite)).toBe(true);
    expectClose(numbers(streamed.outcomes), reference, 1e-12, 'streamed (default route) vs in memory');
    expectClose(numbers(workers.outcomes), reference, 1e-12, 'in memory on two workers vs one thread');
    expectClose(numbers(streamedWorkers.outcomes), reference, 1e-12, 'streamed on two workers vs in memory');
  });

  it('loads a Fortran-ordered copy of a file and gives the streamed values to 1e-12', async () => {
    const withFortran = [files[0], fortran, files[2]];
    const fortranTasks = tasks.map((task) => ({ ...task, a: task.a === 'net1' ? fortran.id : task.a, b: task.b === 'net1' ? fortran.id : task.b }));
    const loaded = await runPairs(withFortran, fortranTasks, { compare, jobs: 2, executor: pool });
    expect(loaded.stats.streamed).toBe(false);
    const streamed = await runPairs(files, tasks, { compare });
    expectClose(numbers(loaded.outcomes), numbers(streamed.outcomes), 1e-12, 'Fortran file loaded vs C file streamed');
  });
});

// Same-algorithm ratios of pwcca's decompositions against LAPACK through numpy,
// per core and in one run: CPU seconds of symmetricEigen and svd (vectors
// included) over CPU seconds of numpy.linalg.eigh (dsyevd) and
// numpy.linalg.svd(full_matrices=False) (dgesdd) on the same matrices, numpy
// limited to one thread. Used by `npm run bench` (rows D) and standalone:
//   npm run build && node scripts/linalg-vs-lapack.mjs [--ql] [sizes...]     (default 512 2048)
// --ql also times symmetricEigen's QL route (implicit QL instead of divide and conquer) in the same run.
// Prints the machine load (/proc/loadavg) before and after: the machine may be shared.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { random } from './timing-helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = (file) => import(pathToFileURL(path.join(here, '..', 'dist', file)).href);

/** User + system CPU seconds of fn (this process: pwcca's decompositions run on the calling thread). */
function cpuSeconds(fn) {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

function writeNpy64(file, rows, cols, data) {
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.set([0x93, ...Buffer.from('NUMPY'), 1, 0]);
  prefix.writeUInt16LE(header.length, 8);
  const fd = openSync(file, 'w');
  writeSync(fd, Buffer.concat([prefix, Buffer.from(header, 'latin1')]));
  writeSync(fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  closeSync(fd);
}

/** The machine's load averages (1, 5, 15 minutes), or null off Linux. */
export function loadAverage() {
  try {
    return readFileSync('/proc/loadavg', 'utf8').trim().split(/\s+/).slice(0, 3).join(' ');
  } catch {
    return null;
  }
}

/**
 * Times eigen and SVD of order n for each size, pwcca (current kernel backend)
 * and numpy in one run. Returns rows { name, pwcca, numpy } in CPU seconds
 * (numpy null when python3 with numpy is missing) and the numpy thread limit used.
 */
export async function decompositionRatios(sizes, { reps = (n) => (n > 1024 ? 1 : 3), python = 'python3', withQl = false } = {}) {
  const { symmetricEigen, symmetricEigenRoute, svd } = await dist('linalg/decompose.js');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'pwcca-lapack-'));
  try {
    const rows = [];
    const matrices = [];
    for (const n of sizes) {
      const g = random(n * n, n);
      const sym = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sym[i * n + j] = g[i * n + j] + g[j * n + i];
      const r = reps(n);
      for (const [kind, a, fn] of [
        ['eigen', sym, () => symmetricEigen(sym, n)],
        ['svd', g, () => svd(g, n, n)],
      ]) {
        const name = `${kind} ${n}`;
        let best = Infinity;
        for (let i = 0; i < r; i++) best = Math.min(best, cpuSeconds(fn));
        const file = path.join(tmp, `${kind}-${n}.npy`);
        writeNpy64(file, n, n, a);
        matrices.push({ name, kind, path: file, reps: r });
        const row = { name, pwcca: best, numpy: null, ql: null };
        if (withQl && kind === 'eigen') {
          row.ql = Infinity;
          for (let i = 0; i < r; i++) row.ql = Math.min(row.ql, cpuSeconds(() => symmetricEigenRoute(sym, n, n >= 1536, 'ql')));
        }
        rows.push(row);
      }
    }
    const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
    const out = spawnSync(python, [path.join(here, 'bench_baseline.py'), JSON.stringify({ task: 'decompose', matrices })], {
      encoding: 'utf8',
      env,
    });
    let threads = null;
    let error = null;
    if (out.status === 0) {
      const numpy = JSON.parse(out.stdout.trim().split('\n').pop());
      threads = numpy.threads;
      for (const row of rows) row.numpy = numpy[row.name] ?? null;
    } else {
      error = (out.stderr || String(out.error ?? 'python3 not found')).trim().split('\n').pop();
    }
    return { rows, threads, error };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const withQl = args.includes('--ql');
  const sizes = args.filter((a) => a !== '--ql').map(Number);
  const { kernelBackend } = await dist('linalg/wasm.js');
  console.log(`load before: ${loadAverage()}; kernels ${kernelBackend()}`);
  const { rows, threads, error } = await decompositionRatios(sizes.length ? sizes : [512, 2048], { withQl });
  for (const r of rows) {
    const ratio = r.numpy ? `${(r.pwcca / r.numpy).toFixed(2)}x` : 'no numpy';
    const ql = r.ql === null ? '' : `  (QL route ${r.ql.toFixed(3)} s${r.numpy ? `, ${(r.ql / r.numpy).toFixed(2)}x` : ''})`;
    console.log(`${r.name.padEnd(10)} pwcca ${r.pwcca.toFixed(3)} s  LAPACK ${r.numpy?.toFixed(3) ?? '-'} s  ratio ${ratio} (goal <= 2.0x)${ql}`);
  }
  console.log(`load after: ${loadAverage()}; numpy threads limited by ${threads ?? '-'}${error ? `; numpy failed: ${error}` : ''}`);
}

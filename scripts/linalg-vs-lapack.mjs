// Same-algorithm ratios of pwcca's decompositions against LAPACK through numpy,
// per core and in one run: CPU seconds of symmetricEigen and svd (vectors
// included) over CPU seconds of numpy.linalg.eigh (dsyevd) and
// numpy.linalg.svd(full_matrices=False) (dgesdd) on the same matrices, numpy
// limited to one thread. Used by `npm run bench` (rows D) and standalone:
//   npm run build && node scripts/linalg-vs-lapack.mjs [--ql] [--svd-routes] [--svd-only] [--nehalem] [--rss] [sizes...]
//   (default sizes 512 2048)
// --ql also times symmetricEigen's QL route (implicit QL instead of divide and conquer) in the same run.
// --svd-routes times svd's two routes (QR iteration, divide and conquer) alternately, same matrices.
// --svd-only skips the eigendecompositions.
// --svd-reduction=unblocked|blocked forces svd's bidiagonal reduction (default: svd's own choice, reductionFor).
// --nehalem also times numpy with OPENBLAS_CORETYPE=NEHALEM (OpenBLAS kernels limited to 128-bit SIMD,
//   like WebAssembly's).
// --rss prints the peak resident memory of a fresh process doing one svd of each size, per route.
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
export async function decompositionRatios(sizes, {
  reps = (n) => (n > 1024 ? 1 : 3), python = 'python3', withQl = false, svdRoutes = false, svdOnly = false, nehalem = false, reduction = undefined,
} = {}) {
  const { symmetricEigen, symmetricEigenRoute, svd, svdRoute, SVD_DC_MIN_ORDER } = await dist('linalg/decompose.js');
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
        if (svdOnly && kind === 'eigen') continue;
        const name = `${kind} ${n}`;
        let best = Infinity;
        const routes = { qr: Infinity, dc: Infinity };
        if (svdRoutes && kind === 'svd') {
          // Alternately, so that a change of load hits both routes alike; svd() runs one of them.
          for (let i = 0; i < r; i++) {
            routes.qr = Math.min(routes.qr, cpuSeconds(() => svdRoute(g, n, n, 'qr', reduction)));
            routes.dc = Math.min(routes.dc, cpuSeconds(() => svdRoute(g, n, n, 'dc', reduction)));
          }
          best = n >= SVD_DC_MIN_ORDER ? routes.dc : routes.qr;
        } else {
          for (let i = 0; i < r; i++) best = Math.min(best, cpuSeconds(fn));
        }
        const file = path.join(tmp, `${kind}-${n}.npy`);
        writeNpy64(file, n, n, a);
        matrices.push({ name, kind, path: file, reps: r });
        const row = { name, pwcca: best, numpy: null, numpyNehalem: null, ql: null, svdQr: null, svdDc: null };
        if (svdRoutes && kind === 'svd') {
          row.svdQr = routes.qr;
          row.svdDc = routes.dc;
        }
        if (withQl && kind === 'eigen') {
          row.ql = Infinity;
          for (let i = 0; i < r; i++) row.ql = Math.min(row.ql, cpuSeconds(() => symmetricEigenRoute(sym, n, n >= 1536, 'ql')));
        }
        rows.push(row);
      }
    }
    const runNumpy = (coreType) => {
      const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
      delete env.OPENBLAS_CORETYPE;
      delete env.OPENBLAS_L2_SIZE;
      if (coreType) env.OPENBLAS_CORETYPE = coreType;
      const out = spawnSync(python, [path.join(here, 'bench_baseline.py'), JSON.stringify({ task: 'decompose', matrices })], {
        encoding: 'utf8',
        env,
      });
      if (out.status === 0) return { numpy: JSON.parse(out.stdout.trim().split('\n').pop()), error: null };
      return { numpy: null, error: (out.stderr || String(out.error ?? 'python3 not found')).trim().split('\n').pop() };
    };
    const { numpy, error } = runNumpy(null);
    const threads = numpy?.threads ?? null;
    for (const row of rows) row.numpy = numpy?.[row.name] ?? null;
    if (nehalem && numpy) {
      const slow = runNumpy('NEHALEM').numpy;
      for (const row of rows) row.numpyNehalem = slow?.[row.name] ?? null;
    }
    return { rows, threads, error };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Peak resident memory (MiB) of a fresh Node process that makes a random
 * n x n matrix and runs one svd of it by `route` ('qr' or 'dc').
 */
export function svdPeakRss(n, route, reduction = undefined) {
  const code = `
    const { svdRoute } = await import(${JSON.stringify(pathToFileURL(path.join(here, '..', 'dist', 'linalg', 'decompose.js')).href)});
    const { random } = await import(${JSON.stringify(pathToFileURL(path.join(here, 'timing-helpers.mjs')).href)});
    const a = random(${n} * ${n}, ${n});
    svdRoute(a, ${n}, ${n}, ${JSON.stringify(route)}, ${reduction === undefined ? 'undefined' : JSON.stringify(reduction)});
    // VmHWM (Linux): getrusage's maxRSS carries the parent's peak over fork and exec.
    let kib = process.resourceUsage().maxRSS;
    try {
      const hwm = /VmHWM:\\s*(\\d+)/.exec((await import('node:fs')).readFileSync('/proc/self/status', 'utf8'));
      if (hwm) kib = Number(hwm[1]);
    } catch {}
    console.log(kib);`;
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(out.stderr);
  return Number(out.stdout.trim()) / 1024;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const flags = new Set(args.filter((a) => a.startsWith('--')));
  const reduction = args.find((a) => a.startsWith('--svd-reduction='))?.split('=')[1];
  const withQl = flags.has('--ql');
  const sizes = args.filter((a) => !a.startsWith('--')).map(Number);
  const { kernelBackend } = await dist('linalg/wasm.js');
  console.log(`load before: ${loadAverage()}; kernels ${kernelBackend()}`);
  const { rows, threads, error } = await decompositionRatios(sizes.length ? sizes : [512, 2048], {
    withQl, svdRoutes: flags.has('--svd-routes'), svdOnly: flags.has('--svd-only'), nehalem: flags.has('--nehalem'), reduction,
  });
  for (const r of rows) {
    const ratio = r.numpy ? `${(r.pwcca / r.numpy).toFixed(2)}x` : 'no numpy';
    const ql = r.ql === null ? '' : `  (QL route ${r.ql.toFixed(3)} s${r.numpy ? `, ${(r.ql / r.numpy).toFixed(2)}x` : ''})`;
    const routes = r.svdQr === null ? '' : `  (QR route ${r.svdQr.toFixed(3)} s, divide and conquer ${r.svdDc.toFixed(3)} s)`;
    const slow = r.numpyNehalem === null ? '' : `  LAPACK NEHALEM ${r.numpyNehalem.toFixed(3)} s, ratio ${(r.pwcca / r.numpyNehalem).toFixed(2)}x`;
    console.log(`${r.name.padEnd(10)} pwcca ${r.pwcca.toFixed(3)} s  LAPACK ${r.numpy?.toFixed(3) ?? '-'} s  ratio ${ratio} (goal <= 2.0x)${slow}${ql}${routes}`);
  }
  console.log(`load after: ${loadAverage()}; numpy threads limited by ${threads ?? '-'}${error ? `; numpy failed: ${error}` : ''}`);
  if (flags.has('--rss')) {
    for (const n of sizes.length ? sizes : [512, 2048]) {
      console.log(`svd ${n} peak RSS${reduction ? ` (${reduction})` : ''}: QR route ${svdPeakRss(n, 'qr', reduction).toFixed(0)} MiB, divide and conquer ${svdPeakRss(n, 'dc', reduction).toFixed(0)} MiB`);
    }
  }
}

// pwcca benchmarks against numpy (run by `npm run bench`, which builds first).
//
//   npm run bench                      all of B1-B5, the kernel figures (K) and the decompositions (D)
//   npm run bench -- --only B1,K       a selection (B1 B2 B3 B4 B5 P K D)
//
// B1, B2 and B4 also give the same-algorithm ratio (S lines): pwcca's CPU time over
// numpy's running pwcca's algorithm, both on one thread, each file prepared once.
//   npm run bench -- --quick           B2's numpy baseline times 12 of the 120 pairs and scales up
//
// Data are generated deterministically under os.tmpdir() and removed at the end.
// The numpy baselines (scripts/bench_baseline.py) run with python3 when numpy is
// importable; otherwise pwcca's own figures are printed and the baseline is
// marked as skipped. Never part of `npm test`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { uniform, writeNpy } from './bench-data.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const dist = (file) => import(pathToFileURL(path.join(root, 'dist', file)).href);
const args = process.argv.slice(2);
const onlyArg = args.includes('--only') ? args[args.indexOf('--only') + 1] : 'B1,B2,B3,B4,B5,P,K,D';
const only = new Set(onlyArg.split(',').map((s) => s.trim().toUpperCase()));
const quick = args.includes('--quick');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'pwcca-bench-'));
const rows = [];
const notes = [];

function log(message) {
  process.stderr.write(`${message}\n`);
}

// ------------------------------------------------------------------ data


/**
 * A family of "networks" that share a latent signal: network k sees the latent
 * through its own neuron mix plus private noise and a per-network offset, so
 * the canonical correlations spread over (0, 1) and the covariances have a
 * spectrum of several decades, as real activations do.
 */
function networkFiles(prefix, count, n, d, latentDims = 64) {
  const files = [];
  for (let k = 0; k < count; k++) {
    const latent = uniform(12345); // the same latent rows for every network
    const noise = uniform(1000 + k);
    const mixRand = uniform(77 + k);
    const mix = Float64Array.from({ length: latentDims * d }, () => mixRand());
    const z = new Float64Array(latentDims);
    files.push(
      writeNpy(path.join(tmp, `${prefix}${k}.npy`), n, d, (_, out) => {
        for (let i = 0; i < latentDims; i++) z[i] = latent();
        out.fill(0);
        for (let i = 0; i < latentDims; i++) {
          const zi = z[i];
          const o = i * d;
          for (let j = 0; j < d; j++) out[j] += zi * mix[o + j];
        }
        for (let j = 0; j < d; j++) out[j] += (0.3 + (0.7 * j) / d) * noise() + (k + 1) * 0.25;
      }),
    );
  }
  return files;
}

// --------------------------------------------------------------- runners

const python = (() => {
  const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  return probe.status === 0;
})();
if (!python) notes.push('python3 with numpy not found: numpy baselines skipped, pwcca figures only');

function baseline(job, env = {}) {
  if (!python) return null;
  const out = spawnSync('python3', [path.join(here, 'bench_baseline.py'), JSON.stringify(job)], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 1 << 24,
  });
  if (out.status !== 0) {
    notes.push(`numpy baseline ${job.task} failed: ${out.stderr.trim().split('\n').pop()}`);
    return null;
  }
  return JSON.parse(out.stdout.trim().split('\n').pop());
}

/** One compare in a fresh node process, under /usr/bin/time -v when present (peak RSS). */
function child(a, b, stream, reps = 1) {
  const script = path.join(here, 'bench-child.mjs');
  const useTime = spawnSync('/usr/bin/time', ['-v', 'true']).status === 0;
  const started = performance.now();
  const out = useTime
    ? spawnSync('/usr/bin/time', ['-v', process.execPath, script, a, b, String(stream), String(reps)], { encoding: 'utf8' })
    : spawnSync(process.execPath, [script, a, b, String(stream), String(reps)], { encoding: 'utf8' });
  const wall = (performance.now() - started) / 1000;
  if (out.status !== 0) throw new Error(`bench-child failed: ${out.stderr}`);
  const result = JSON.parse(out.stdout.trim().split('\n').pop());
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(out.stderr ?? '');
  return { ...result, wall, maxRssMiB: rss ? Number(rss[1]) / 1024 : null };
}

/** The product kernel's GFLOP/s on one core as pwcca runs it, measured by K in this run (null when K did not run). */
let productRate = null;

/**
 * Floating-point operations of the row products of a same-algorithm run: each
 * file's Gram matrix once (symmetric: n d^2) and each pair's cross product
 * (2 n da db). The decompositions and the d x d products come on top.
 */
async function rowProductFlops(which, files) {
  const { loadNpyHeader } = await dist('io/npy-stream.js');
  const shapes = await Promise.all(files.map(async (file) => (await loadNpyHeader(file)).shape));
  const used = which === 'one' ? shapes.slice(0, 2) : shapes;
  let flops = used.reduce((sum, [n, d]) => sum + n * d * d, 0);
  for (let i = 0; i < used.length; i++) for (let j = i + 1; j < used.length; j++) flops += 2 * used[i][0] * used[i][1] * used[j][1];
  return flops;
}

/**
 * Same-algorithm ratio: pwcca on one thread (scripts/bench-same.mjs, default
 * route) against numpy running pwcca's algorithm on one thread
 * (bench_baseline.py `same`), CPU time of each, each file prepared once.
 * With K's kernel rate, also the floor of that ratio: the row products alone
 * at the kernel's measured speed, over numpy's whole time.
 */
async function sameAlgorithm(label, which, files) {
  const out = spawnSync(process.execPath, [path.join(here, 'bench-same.mjs'), which, ...files], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (out.status !== 0) throw new Error(`bench-same failed: ${out.stderr}`);
  const ours = JSON.parse(out.stdout.trim().split('\n').pop());
  const numpy = baseline({ task: 'same', paths: files, pairs: which }, { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' });
  const cell = numpy ? `${(ours.cpuSeconds / numpy.cpuSeconds).toFixed(2)}x (goal <= 2.0x)` : 'skipped';
  rows.push(['S', `${label}, ${ours.pairs} pair(s), 1 thread each, CPU time (pwcca ${ours.streamed ? 'streamed' : 'in memory'})`, fmt(ours.cpuSeconds), fmt(numpy?.cpuSeconds), cell]);
  // The same numpy run on OpenBLAS's 128-bit SSE kernels, WebAssembly's SIMD width (but without FMA): what the
  // width alone costs OpenBLAS and LAPACK on this algorithm.
  const narrow = numpy && baseline({ task: 'same', paths: files, pairs: which }, { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1', OPENBLAS_CORETYPE: 'NEHALEM' });
  if (narrow && narrow.blas === 'Nehalem') {
    rows.push(['S', `  numpy on OpenBLAS's 128-bit kernels (Nehalem: no FMA) instead of ${numpy.blas ?? 'its own'}`, fmt(ours.cpuSeconds), fmt(narrow.cpuSeconds), `${(ours.cpuSeconds / narrow.cpuSeconds).toFixed(2)}x; numpy ${(narrow.cpuSeconds / numpy.cpuSeconds).toFixed(2)}x slower than with ${numpy.blas ?? 'its own'}`]);
  }
  if (numpy && productRate) {
    const products = (await rowProductFlops(which, files)) / (productRate * 1e9);
    rows.push(['S', `  floor: pwcca's row products alone at K's ${productRate.toFixed(1)} GFLOP/s`, fmt(products), fmt(numpy.cpuSeconds), `${(products / numpy.cpuSeconds).toFixed(2)}x numpy's whole time`]);
  }
  if (numpy) {
    const diff = Math.max(...ours.values.flatMap((v, i) => v.map((x, k) => Math.abs(x - numpy.values[i][k]))));
    notes.push(`S ${label}: max |pwcca - numpy| over directional PWCCA and mean CCA ${diff.toExponential(1)}`);
  }
}

const fmt = (s) => (s === null || s === undefined ? '-' : `${s.toFixed(2)} s`);
const ratio = (ours, theirs) => (theirs ? `${(ours / theirs).toFixed(2)}x` : 'skipped');
const median = (values) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];

function freeBytes(dir) {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

// -------------------------------------------------------------- benchmarks

async function kernelFigures() {
  const { centredCrossProduct, centredCrossProductInto, columnMeans } = await dist('linalg/kernels.js');
  const { setKernelBackend, availableKernelBackends } = await dist('linalg/wasm.js');
  const n = 10000;
  const d = 512;
  const rnd = uniform(5);
  const x = Float64Array.from({ length: n * d }, rnd);
  const y = Float64Array.from({ length: n * d }, rnd);
  const mx = columnMeans(x, n, d);
  const my = columnMeans(y, n, d);
  const flops = 2 * n * d * d;
  // CPU seconds, best of 4: the products run on this thread, and on a shared
  // machine a busy core stretches wall time, not CPU time.
  const best = (fn) => {
    let t = Infinity;
    for (let i = 0; i < 4; i++) {
      const start = process.cpuUsage();
      fn();
      const used = process.cpuUsage(start);
      t = Math.min(t, (used.user + used.system) / 1e6);
    }
    return t;
  };
  // Plain kernel (centredCrossProductInto never takes the Strassen route) and
  // the product as pwcca runs it (Strassen-Winograd at this size), per backend.
  const plain = {};
  const effective = {};
  for (const backend of availableKernelBackends()) {
    setKernelBackend(backend);
    plain[backend] = flops / best(() => centredCrossProductInto(x, mx, d, y, my, d, n, new Float64Array(d * d))) / 1e9;
    effective[backend] = flops / best(() => centredCrossProduct(x, mx, d, y, my, d, n)) / 1e9;
  }
  setKernelBackend(undefined);
  const numpy = baseline({ task: 'kernel', n, d });
  const numpy1 = baseline({ task: 'kernel', n, d }, { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' });
  const gf = (v) => (v ? `${v.toFixed(1)} GFLOP/s` : 'skipped');
  const of1 = (v) => (v && numpy1 ? `${(v / numpy1.gflopsCpu).toFixed(2)} of numpy 1 thread (CPU time)` : '');
  for (const backend of ['relaxed', 'simd', 'js']) {
    if (plain[backend] === undefined) {
      rows.push(['K', `X^T Y ${n}x${d}, ${backend} kernels`, 'unavailable', '', '']);
      continue;
    }
    const numpyCell = backend === 'relaxed' ? `numpy 1 thread: ${gf(numpy1?.gflopsCpu)}` : backend === 'simd' ? `numpy all threads (wall): ${gf(numpy?.gflops)}` : '';
    rows.push(['K', `X^T Y ${n}x${d} (centred, f64), ${backend} kernel, 1 core, CPU time`, gf(plain[backend]), numpyCell, of1(plain[backend])]);
    if (backend !== 'js') {
      rows.push(['K', `  same, as pwcca runs it (Strassen-Winograd, effective)`, gf(effective[backend]), '', of1(effective[backend])]);
    }
  }
  const { kernelBackend } = await dist('linalg/wasm.js');
  productRate = Math.max(plain[kernelBackend()] ?? 0, effective[kernelBackend()] ?? 0) || null;
  if (plain.relaxed && plain.simd) {
    rows.push(['K', 'relaxed-SIMD FMA vs plain SIMD kernel', `${(plain.relaxed / plain.simd).toFixed(2)}x`, '', 'goal: faster (+17% on the micro-kernel)']);
  }
}

/**
 * Same-algorithm ratios of the decompositions, per core: pwcca's symmetricEigen
 * and svd (vectors included) against LAPACK's dsyevd and dgesdd through numpy on
 * one thread, CPU time, in this run (scripts/linalg-vs-lapack.mjs), with the load.
 */
async function decompositions() {
  const { decompositionRatios, loadAverage } = await import(pathToFileURL(path.join(here, 'linalg-vs-lapack.mjs')).href);
  const { kernelBackend } = await dist('linalg/wasm.js');
  const before = loadAverage();
  log(`D: eigen and SVD at 512 and 2048, pwcca (${kernelBackend()} kernels) and numpy ...`);
  const { rows: figures, threads, error } = await decompositionRatios([512, 2048]);
  for (const r of figures) {
    rows.push(['D', `${r.name} (vectors), ${kernelBackend()} kernels, CPU time, 1 core vs LAPACK 1 thread`, fmt(r.pwcca), fmt(r.numpy), r.numpy ? `${ratio(r.pwcca, r.numpy)} (goal <= 2.0x)` : 'skipped']);
  }
  notes.push(`D load average before ${before ?? '-'}, after ${loadAverage() ?? '-'}; numpy limited to one thread by ${threads ?? '-'}${error ? `; numpy failed: ${error}` : ''}`);
}

/**
 * P: the cost of a permutation test (issue: < 8x the plain compare, >= 10x
 * faster than numpy re-running the reference per shuffle). Both pwcca runs are
 * the CLI in a fresh process, as a user runs them; numpy times 10 shuffles
 * and is scaled to 100.
 */
async function permutations() {
  log('P: generating 2 x 10000 x 512 float32 ...');
  const [a, b] = networkFiles('p-', 2, 10000, 512);
  const cli = (...extra) => {
    const started = performance.now();
    const out = spawnSync(process.execPath, [path.join(root, 'bin/pwcca.js'), 'compare', a, b, '--format', 'json', '--quiet', ...extra], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (out.status !== 0) throw new Error(`pwcca compare failed: ${out.stderr}`);
    return (performance.now() - started) / 1000;
  };
  log('P: pwcca plain and with --permutations 100 ...');
  const plain = cli();
  const permuted = cli('--permutations', '100');
  log('P: numpy, reference per permutation ...');
  const numpy = baseline({ task: 'permutations', a, b, permutations: 10 });
  const numpy100 = numpy ? numpy.seconds * 10 : null;
  log('P: numpy running pwcca\'s per-shuffle algorithm (BLAS on every core) ...');
  const floor = baseline({ task: 'permutations_same', a, b, permutations: 20 });
  const floor100 = floor ? floor.seconds * 5 : null;
  rows.push(['P', 'compare 10000x512 --permutations 100 vs the plain compare (CLI, fresh process, wall)', fmt(permuted), fmt(plain), `${(permuted / plain).toFixed(2)}x (goal < 8x)`]);
  rows.push(['P', '  vs numpy re-running google/svcca per permutation (10 timed, x10)', fmt(permuted), fmt(numpy100), numpy100 ? `${(numpy100 / permuted).toFixed(2)}x faster (goal >= 10x)` : 'skipped']);
  // What OpenBLAS/LAPACK take for the 100 shuffles alone with pwcca's own algorithm (prepared once, then per shuffle
  // one n x r x r product, an SVD and the weights), over pwcca's plain compare: the ratio no float64 implementation of
  // the test beats on this machine.
  rows.push(['P', '  floor: numpy+OpenBLAS running the same per-shuffle algorithm, 100 shuffles (20 timed, x5), over pwcca\'s plain compare', fmt(floor100), fmt(plain), floor100 ? `${(floor100 / plain).toFixed(2)}x the plain compare; pwcca ${(permuted / floor100).toFixed(2)}x numpy's time` : 'skipped']);
}

async function b1() {
  log('B1: generating 2 x 10000 x 512 float32 ...');
  const [a, b] = networkFiles('b1-', 2, 10000, 512);
  log('B1: pwcca ...');
  const ours = child(a, b, 'auto', 3);
  const inProcess = median(ours.seconds);
  log('B1: numpy ...');
  const numpy = baseline({ task: 'b1', a, b, reps: 3 });
  rows.push(['B1', 'compare 10000x512 f32 pair, PWCCA+CCA, default flags (in-process, median of 3)', fmt(inProcess), fmt(numpy?.seconds), `${ratio(inProcess, numpy?.seconds)} (goal <= 0.8x)`]);
  rows.push(['B1', '  first run in a fresh process (incl. wasm compile)', fmt(ours.seconds[0]), fmt(numpy?.all?.[0]), ratio(ours.seconds[0], numpy?.all?.[0])]);
  log('B1: same-algorithm ratio ...');
  await sameAlgorithm('compare 10000x512', 'one', [a, b]);
  notes.push(`B1 values: pwcca paper-PWCCA ${ours.pwcca.toFixed(6)}, CCA mean ${ours.cca.toFixed(6)}; numpy reference compute_pwcca ${numpy?.pwcca?.toFixed(6) ?? '-'}, CCA mean ${numpy?.cca?.toFixed(6) ?? '-'} (route ${ours.route}, kernels ${ours.kernels})`);
}

async function b2() {
  const count = 16;
  log(`B2: generating ${count} x 10000 x 512 float32 ...`);
  const files = networkFiles('b2-', count, 10000, 512);
  const { defaultJobs } = await dist('engine/executor.js');
  const jobs = defaultJobs();
  log(`B2: pwcca pairwise (the CLI), ${jobs} worker threads ...`);
  // The real command, as a user runs it: discovery, one load and prepare per
  // file, all 120 pairs on the worker pool, the CSV written to stdout.
  const started = performance.now();
  const cli = spawnSync(process.execPath, [path.join(root, 'bin/pwcca.js'), 'pairwise', ...files, '--jobs', String(jobs), '--format', 'csv', '--quiet'], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const ours = (performance.now() - started) / 1000;
  if (cli.status !== 0) throw new Error(`pwcca pairwise failed: ${cli.stderr}`);
  const pairs = cli.stdout.trim().split('\n').slice(1);
  if (pairs.length !== (count * (count - 1)) / 2) throw new Error(`pwcca pairwise wrote ${pairs.length} pairs`);
  log('B2: numpy (120 pairs, both sides recomputed per pair) ...');
  const numpy = baseline({ task: 'b2', paths: files, pairs: quick ? 12 : undefined });
  rows.push(['B2', `pairwise ${count} nets x 10000x512, ${pairs.length} pairs (${jobs} threads)`, fmt(ours), fmt(numpy?.seconds), numpy ? `${(numpy.seconds / ours).toFixed(2)}x faster (goal >= 5x)` : 'skipped']);
  log('B2: same-algorithm ratio, pairwise 8 x 10000x512 ...');
  await sameAlgorithm('pairwise 8 x 10000x512', 'all', files.slice(0, 8));
  if (numpy && numpy.timedPairs < numpy.pairs) notes.push(`B2 numpy time scaled from ${numpy.timedPairs} of ${numpy.pairs} pairs (--quick)`);
}

async function b3() {
  const n = 400000;
  const d = 1024;
  const need = 2 * n * d * 4 + (256 << 20);
  if (freeBytes(tmp) < need) {
    notes.push(`B3 skipped: needs ${(need / 2 ** 30).toFixed(1)} GiB free in ${tmp}`);
    return;
  }
  log(`B3: generating 2 x ${n} x ${d} float32 (${((n * d * 4) / 1e9).toFixed(1)} GB each) ...`);
  const rx = uniform(31);
  const ry = uniform(32);
  const x = new Float64Array(d);
  const a = writeNpy(path.join(tmp, 'b3-a.npy'), n, d, (r, out) => {
    for (let j = 0; j < d; j++) x[j] = rx() + (j % 7 === 0 ? 0.5 * rx() : 0);
    out.set(x);
  });
  // Rows of b are computed from the same rows of a (regenerated from the same seed), plus a +1000 offset.
  const rx2 = uniform(31);
  const b = writeNpy(path.join(tmp, 'b3-b.npy'), n, d, (r, out) => {
    for (let j = 0; j < d; j++) x[j] = rx2() + (j % 7 === 0 ? 0.5 * rx2() : 0);
    for (let j = 0; j < d; j++) out[j] = 0.6 * x[j] + 0.3 * x[(5 * j + 1) % d] + 0.5 * ry() + 1000;
  });
  log('B3: pwcca (streamed) ...');
  const ours = child(a, b, 'auto', 1);
  log('B3: numpy (memory-mapped, chunked float64 moments) ...');
  const numpy = baseline({ task: 'b3', a, b });
  const rss = ours.maxRssMiB === null ? 'RSS not measured' : `peak RSS ${ours.maxRssMiB.toFixed(0)} MiB (goal < 400)`;
  rows.push(['B3', `compare 2 x ${n}x${d} f32 .npy (1.6 GB each), streamed`, fmt(ours.seconds[0]), fmt(numpy?.seconds), `${ratio(ours.seconds[0], numpy?.seconds)}; ${rss}`]);
  if (numpy) {
    const diff = Math.abs(ours.cca - numpy.cca);
    notes.push(`B3 CCA mean pwcca ${ours.cca.toFixed(12)} vs numpy float64 ${numpy.cca.toFixed(12)} (|diff| ${diff.toExponential(1)}, +1000 offset on b); numpy peak RSS ${numpy.maxRssMiB.toFixed(0)} MiB; process wall ${fmt(ours.wall)}`);
  }
  rmSync(a, { force: true });
  rmSync(b, { force: true });
}

async function b4() {
  log('B4: generating 2 x 20000 x 2048 float32 ...');
  const [a, b] = networkFiles('b4-', 2, 20000, 2048, 128);
  log('B4: pwcca ...');
  const ours = child(a, b, 'auto', 1);
  log('B4: numpy ...');
  const numpy = baseline({ task: 'b4', a, b });
  rows.push(['B4', 'compare 20000x2048 f32 pair (wide layers), default flags', fmt(ours.seconds[0]), fmt(numpy?.seconds), `${ratio(ours.seconds[0], numpy?.seconds)} (goal <= 0.2x: 5x faster)`]);
  if (ours.maxRssMiB) rows.push(['B4', '  peak RSS', `${ours.maxRssMiB.toFixed(0)} MiB`, '', '']);
  log('B4: same-algorithm ratio ...');
  await sameAlgorithm('compare 20000x2048', 'one', [a, b]);
}

/**
 * Two 1,000,000 x 256 float32 files (just under 1 GiB each) compared with the
 * CLI's default flags, as a new user runs it: peak RSS and time, against
 * numpy's chunked float64 moments on the same files (bench_baseline.py b3).
 */
async function b5() {
  const n = 1_000_000;
  const d = 256;
  const need = 2 * n * d * 4 + (256 << 20);
  if (freeBytes(tmp) < need) {
    notes.push(`B5 skipped: needs ${(need / 2 ** 30).toFixed(1)} GiB free in ${tmp}`);
    return;
  }
  log(`B5: generating 2 x ${n} x ${d} float32 (${((n * d * 4) / 1e9).toFixed(2)} GB each) ...`);
  const [a, b] = networkFiles('b5-', 2, n, d, 32);
  log('B5: pwcca compare, default flags ...');
  const useTime = spawnSync('/usr/bin/time', ['-v', 'true']).status === 0;
  const command = [path.join(root, 'bin/pwcca.js'), 'compare', a, b, '--format', 'json'];
  const started = performance.now();
  const out = useTime
    ? spawnSync('/usr/bin/time', ['-v', process.execPath, ...command], { encoding: 'utf8', maxBuffer: 1 << 26 })
    : spawnSync(process.execPath, command, { encoding: 'utf8', maxBuffer: 1 << 26 });
  const wall = (performance.now() - started) / 1000;
  if (out.status !== 0) throw new Error(`pwcca compare failed: ${out.stderr}`);
  const field = (name) => {
    const match = new RegExp(`${name}: ([\\d.:]+)`).exec(out.stderr ?? '');
    return match ? match[1] : null;
  };
  const rss = field('Maximum resident set size \\(kbytes\\)');
  const cpu = field('User time \\(seconds\\)') === null ? null : Number(field('User time \\(seconds\\)')) + Number(field('System time \\(seconds\\)'));
  const report = JSON.parse(out.stdout);
  log('B5: numpy (memory-mapped, chunked float64 moments) ...');
  const numpy = baseline({ task: 'b3', a, b });
  const rssCell = rss === null ? 'RSS not measured' : `peak RSS ${(Number(rss) / 1024).toFixed(0)} MiB (goal < 400 MB)`;
  rows.push(['B5', `compare 2 x ${n}x${d} f32 .npy (1.02 GB each), default flags, wall`, fmt(wall), fmt(numpy?.seconds), `${ratio(wall, numpy?.seconds)} (goal <= 1.0x); ${rssCell}`]);
  rows.push(['B5', '  same, CPU time (all threads)', fmt(cpu), fmt(numpy?.cpuSeconds), ratio(cpu, numpy?.cpuSeconds)]);
  const cca = report.comparison?.cca?.mean ?? report.cca?.mean;
  if (numpy) notes.push(`B5 CCA mean pwcca ${cca} vs numpy ${numpy.cca}; numpy peak RSS ${numpy.maxRssMiB.toFixed(0)} MiB`);
  rmSync(a, { force: true });
  rmSync(b, { force: true });
}

// -------------------------------------------------------------------- main

try {
  const { kernelBackend } = await dist('linalg/wasm.js');
  const { loadAverage } = await import(pathToFileURL(path.join(here, 'linalg-vs-lapack.mjs')).href);
  log(`pwcca bench: ${os.cpus().length} cores, node ${process.version}, kernels ${kernelBackend()}, data in ${tmp}`);
  notes.push(`machine: ${os.cpus().length} cores, kernels ${kernelBackend()}, load average at the start ${loadAverage() ?? '-'}`);
  if (only.has('K')) await kernelFigures();
  if (only.has('D')) await decompositions();
  if (only.has('B1')) await b1();
  if (only.has('B2')) await b2();
  if (only.has('B3')) await b3();
  if (only.has('B4')) await b4();
  if (only.has('B5')) await b5();
  if (only.has('P')) await permutations();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const header = ['', 'benchmark', 'pwcca', 'numpy', 'ratio (pwcca/numpy time)'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
const line = (r) => r.map((c, i) => String(c).padEnd(widths[i])).join('  ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
notes.push(`load average at the end ${(await import(pathToFileURL(path.join(here, 'linalg-vs-lapack.mjs')).href)).loadAverage() ?? '-'}`);
for (const note of notes) console.log(`note: ${note}`);

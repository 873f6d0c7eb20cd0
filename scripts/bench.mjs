// pwcca benchmarks against numpy (run by `npm run bench`, which builds first).
//
//   npm run bench                      all of B1-B4 and the kernel figures
//   npm run bench -- --only B1,K       a selection (B1 B2 B3 B4 K)
//   npm run bench -- --quick           B2's numpy baseline times 12 of the 120 pairs and scales up
//
// Data are generated deterministically under os.tmpdir() and removed at the end.
// The numpy baselines (scripts/bench_baseline.py) run with python3 when numpy is
// importable; otherwise pwcca's own figures are printed and the baseline is
// marked as skipped. Never part of `npm test`.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const dist = (file) => import(pathToFileURL(path.join(root, 'dist', file)).href);
const args = process.argv.slice(2);
const onlyArg = args.includes('--only') ? args[args.indexOf('--only') + 1] : 'B1,B2,B3,B4,K';
const only = new Set(onlyArg.split(',').map((s) => s.trim().toUpperCase()));
const quick = args.includes('--quick');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'pwcca-bench-'));
const rows = [];
const notes = [];

function log(message) {
  process.stderr.write(`${message}\n`);
}

// ------------------------------------------------------------------ data

/** xorshift32 uniform in [-0.5, 0.5): deterministic and fast enough for 800 M values. */
function uniform(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296 - 0.5;
  };
}

function npyHeader(shape) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.set([0x93, ...Buffer.from('NUMPY'), 1, 0]);
  prefix.writeUInt16LE(header.length, 8);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1')]);
}

/**
 * Writes an n x d float32 .npy file row chunk by row chunk: `row(r, out)` fills
 * one row. Memory stays at one chunk whatever n is.
 */
function writeNpy(file, n, d, row) {
  const fd = openSync(file, 'w');
  writeSync(fd, npyHeader([n, d]));
  const chunkRows = 4096;
  const chunk = new Float32Array(chunkRows * d);
  const line = new Float64Array(d);
  for (let r0 = 0; r0 < n; r0 += chunkRows) {
    const count = Math.min(chunkRows, n - r0);
    for (let r = 0; r < count; r++) {
      row(r0 + r, line);
      chunk.set(line, r * d);
    }
    writeSync(fd, new Uint8Array(chunk.buffer, 0, count * d * 4));
  }
  closeSync(fd);
  return file;
}

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

const fmt = (s) => (s === null || s === undefined ? '-' : `${s.toFixed(2)} s`);
const ratio = (ours, theirs) => (theirs ? `${(ours / theirs).toFixed(2)}x` : 'skipped');
const median = (values) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];

function freeBytes(dir) {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

// -------------------------------------------------------------- benchmarks

async function kernelFigures() {
  const { centredCrossProduct, columnMeans } = await dist('linalg/kernels.js');
  const { setKernelBackend, kernelBackend } = await dist('linalg/wasm.js');
  const n = 10000;
  const d = 512;
  const rnd = uniform(5);
  const x = Float64Array.from({ length: n * d }, rnd);
  const y = Float64Array.from({ length: n * d }, rnd);
  const mx = columnMeans(x, n, d);
  const my = columnMeans(y, n, d);
  const flops = 2 * n * d * d;
  const figures = {};
  for (const backend of ['wasm', 'js']) {
    try {
      setKernelBackend(backend);
    } catch {
      continue;
    }
    let best = Infinity;
    for (let i = 0; i < 4; i++) {
      const t = performance.now();
      centredCrossProduct(x, mx, d, y, my, d, n);
      best = Math.min(best, (performance.now() - t) / 1000);
    }
    figures[kernelBackend()] = flops / best / 1e9;
  }
  setKernelBackend(undefined);
  const numpy = baseline({ task: 'kernel', n, d });
  const numpy1 = baseline({ task: 'kernel', n, d }, { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' });
  const gf = (v) => (v ? `${v.toFixed(1)} GFLOP/s` : 'skipped');
  rows.push(['K', `X^T Y ${n}x${d} (centred, f64), wasm SIMD 1 core`, gf(figures.wasm), `numpy matmul: ${gf(numpy?.gflops)}`, numpy ? `${(figures.wasm / numpy.gflops).toFixed(2)} of numpy` : '']);
  rows.push(['K', 'same, TypeScript fallback 1 core', gf(figures.js), `numpy 1 thread: ${gf(numpy1?.gflops)}`, numpy1 ? `${(figures.wasm / numpy1.gflops).toFixed(2)} (wasm/numpy 1 thr)` : '']);
}

async function b1() {
  log('B1: generating 2 x 10000 x 512 float32 ...');
  const [a, b] = networkFiles('b1-', 2, 10000, 512);
  log('B1: pwcca ...');
  const ours = child(a, b, false, 3);
  const inProcess = median(ours.seconds);
  log('B1: numpy ...');
  const numpy = baseline({ task: 'b1', a, b, reps: 3 });
  rows.push(['B1', 'compare 10000x512 f32 pair, PWCCA+CCA (in-process, median of 3)', fmt(inProcess), fmt(numpy?.seconds), `${ratio(inProcess, numpy?.seconds)} (goal <= 1.0x)`]);
  rows.push(['B1', '  first run in a fresh process (incl. wasm compile)', fmt(ours.seconds[0]), fmt(numpy?.all?.[0]), ratio(ours.seconds[0], numpy?.all?.[0])]);
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
  rows.push(['B2', `pairwise ${count} nets x 10000x512, ${pairs.length} pairs (${jobs} threads)`, fmt(ours), fmt(numpy?.seconds), numpy ? `${(numpy.seconds / ours).toFixed(2)}x faster (goal >= 4x)` : 'skipped']);
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
  const ours = child(a, b, false, 1);
  log('B4: numpy ...');
  const numpy = baseline({ task: 'b4', a, b });
  rows.push(['B4', 'compare 20000x2048 f32 pair (wide layers)', fmt(ours.seconds[0]), fmt(numpy?.seconds), ratio(ours.seconds[0], numpy?.seconds)]);
}

// -------------------------------------------------------------------- main

try {
  const { kernelBackend } = await dist('linalg/wasm.js');
  log(`pwcca bench: ${os.cpus().length} cores, node ${process.version}, kernels ${kernelBackend()}, data in ${tmp}`);
  if (only.has('K')) await kernelFigures();
  if (only.has('B1')) await b1();
  if (only.has('B2')) await b2();
  if (only.has('B3')) await b3();
  if (only.has('B4')) await b4();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const header = ['', 'benchmark', 'pwcca', 'numpy', 'ratio (pwcca/numpy time)'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
const line = (r) => r.map((c, i) => String(c).padEnd(widths[i])).join('  ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
for (const note of notes) console.log(`note: ${note}`);

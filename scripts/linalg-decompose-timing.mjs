// Timing of symmetricEigen and svd, current build against a baseline build, in one run.
// Usage: npx tsc -p tsconfig.build.json && node scripts/build-wasm.mjs &&
//        node scripts/linalg-decompose-timing.mjs [sizes...]      (default 256 512 1024)
//   LINALG_BASE=dir   a baseline copy of dist/linalg (e.g. from `git stash; npm run build; cp -r dist /tmp/base-dist`)
//   KERNELS=js        time the current code with the TypeScript kernels too
//   REPS=n            repetitions (best of), default 3 (1 above 1024)
// The SVD input is shaped like pwcca's whitened cross-covariance: singular
// values spread over [0, 1], a cluster near 1 and many near 0, with random
// singular vectors (products of random Householder reflectors).
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { bestSeconds, random } from './timing-helpers.mjs';

const load = async (dir) => import(pathToFileURL(path.join(path.resolve(dir), 'decompose.js')).href);
const current = await load(process.env.LINALG_DIST ?? 'dist/linalg');
const base = process.env.LINALG_BASE ? await load(process.env.LINALG_BASE) : null;
const wasmMod = await import(pathToFileURL(path.resolve(process.env.LINALG_DIST ?? 'dist/linalg', 'wasm.js')).href);


/** Applies `count` random Householder reflectors to the rows (side 'left') or columns of the n x n row-major a. */
function reflect(a, n, count, seed, side) {
  const v = random(n * count, seed);
  for (let t = 0; t < count; t++) {
    const u = v.subarray(t * n, (t + 1) * n);
    let nn = 0;
    for (let i = 0; i < n; i++) nn += u[i] * u[i];
    const beta = 2 / nn;
    if (side === 'left') {
      const w = new Float64Array(n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) w[j] += u[i] * a[i * n + j];
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] -= beta * u[i] * w[j];
    } else {
      for (let i = 0; i < n; i++) {
        let d = 0;
        for (let j = 0; j < n; j++) d += a[i * n + j] * u[j];
        for (let j = 0; j < n; j++) a[i * n + j] -= beta * d * u[j];
      }
    }
  }
}

function ccaLike(n) {
  const r = random(n, 99);
  const s = Array.from({ length: n }, (_, i) => {
    const x = r[i] + 0.5;
    if (i < n / 10) return 1 - 1e-4 * x; // near 1
    if (i < n / 2) return x; // spread
    return 1e-6 * x; // near 0
  });
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) a[i * n + i] = s[i];
  reflect(a, n, 12, 5, 'left');
  reflect(a, n, 12, 6, 'right');
  return a;
}


const sizes = process.argv.slice(2).map(Number);
const withJs = process.env.KERNELS === 'js';
for (const n of sizes.length ? sizes : [256, 512, 1024]) {
  const reps = Number(process.env.REPS ?? (n > 1024 ? 1 : 3));
  const g = random(n * n, 1);
  const sym = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sym[i * n + j] = g[i * n + j] + g[j * n + i];
  const m = ccaLike(n);
  const row = (label, f) => {
    const cur = bestSeconds(() => f(current), reps, { warmUp: false });
    let js = NaN;
    if (withJs) {
      wasmMod.setKernelBackend('js');
      js = bestSeconds(() => f(current), reps, { warmUp: false });
      wasmMod.setKernelBackend(undefined);
    }
    const b = base ? bestSeconds(() => f(base), reps, { warmUp: false }) : NaN;
    const parts = [`${label.padEnd(18)} now ${cur.toFixed(3)} s`];
    if (withJs) parts.push(`js ${js.toFixed(3)} s`);
    if (base) parts.push(`base ${b.toFixed(3)} s  speed-up ${(b / cur).toFixed(2)}x`);
    console.log(parts.join('  '));
  };
  row(`eigen ${n}`, (mod) => mod.symmetricEigen(sym, n));
  row(`svd ${n} random`, (mod) => mod.svd(g, n, n));
  row(`svd ${n} cca-like`, (mod) => mod.svd(m, n, n));
}

// Timing of the linear-algebra kernels against ml-matrix, on one core.
// Usage: npx tsc -p tsconfig.build.json && node scripts/linalg-timing.mjs [what...]
//   what: eigen, svd, cross, gram, mmul (default: all). LINALG_DIST overrides the
//   directory holding the compiled linalg modules (default dist/linalg).
// ml-matrix runs are skipped with SKIP_ML=1.
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { bestSeconds, random } from './timing-helpers.mjs';
import { Matrix, EigenvalueDecomposition, SingularValueDecomposition } from 'ml-matrix';

const dist = path.resolve(process.env.LINALG_DIST ?? 'dist/linalg');
const { symmetricEigen, svd } = await import(pathToFileURL(path.join(dist, 'decompose.js')).href);
const { centredCrossProduct, centredGram, columnMeans, multiply } = await import(
  pathToFileURL(path.join(dist, 'kernels.js')).href
);
const skipMl = process.env.SKIP_ML === '1';
const what = process.argv.slice(2);
const want = (name) => what.length === 0 || what.includes(name);

const toMl = (a, r, c) => new Matrix(Array.from({ length: r }, (_, i) => Array.from(a.subarray(i * c, (i + 1) * c))));
const fmt = (s) => `${s.toFixed(3)} s`;

const n = Number(process.env.N ?? 512);
if (want('eigen')) {
  const g = random(n * n, 1);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = g[i * n + j] + g[j * n + i];
  const ours = bestSeconds(() => symmetricEigen(a, n), 3);
  const ml = skipMl ? NaN : bestSeconds(() => new EigenvalueDecomposition(toMl(a, n, n), { assumeSymmetric: true }), 1);
  console.log(`symmetricEigen ${n}: ours ${fmt(ours)}  ml-matrix ${fmt(ml)}`);
}
if (want('svd')) {
  const a = random(n * n, 2);
  const ours = bestSeconds(() => svd(a, n, n), 3);
  const ml = skipMl ? NaN : bestSeconds(() => new SingularValueDecomposition(toMl(a, n, n), { autoTranspose: true }), 1);
  console.log(`svd ${n}x${n}: ours ${fmt(ours)}  ml-matrix ${fmt(ml)}`);
}
const rows = Number(process.env.ROWS ?? 10000);
if (want('cross')) {
  const x = random(rows * n, 3);
  const y = random(rows * n, 4);
  const mx = columnMeans(x, rows, n);
  const my = columnMeans(y, rows, n);
  const ours = bestSeconds(() => centredCrossProduct(x, mx, n, y, my, n, rows), 3);
  const ml = skipMl
    ? NaN
    : bestSeconds(() => {
        const X = toMl(x, rows, n).subRowVector(Array.from(mx));
        const Y = toMl(y, rows, n).subRowVector(Array.from(my));
        X.transpose().mmul(Y);
      }, 1);
  const gflops = (2 * rows * n * n) / ours / 1e9;
  console.log(`centredCrossProduct ${rows}x${n}: ours ${fmt(ours)} (${gflops.toFixed(2)} GFLOP/s)  ml-matrix ${fmt(ml)}`);
}
if (want('gram')) {
  const x = random(rows * n, 5);
  const mx = columnMeans(x, rows, n);
  const ours = bestSeconds(() => centredGram(x, mx, n, rows), 3);
  console.log(`centredGram ${rows}x${n}: ours ${fmt(ours)}`);
}
if (want('mmul')) {
  const a = random(n * n, 6);
  const b = random(n * n, 7);
  const ours = bestSeconds(() => multiply(a, n, n, b, n), 3);
  const ml = skipMl ? NaN : bestSeconds(() => toMl(a, n, n).mmul(toMl(b, n, n)), 1);
  console.log(`multiply ${n}: ours ${fmt(ours)} (${((2 * n ** 3) / ours / 1e9).toFixed(2)} GFLOP/s)  ml-matrix ${fmt(ml)}`);
}

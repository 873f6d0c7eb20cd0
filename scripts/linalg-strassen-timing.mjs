// Strassen-Winograd cross product vs the plain kernel, same process, one core.
// Usage: npm run build && node scripts/linalg-strassen-timing.mjs
//   ROWS (10000), D (512): shape of both operands. BEFORE_DIST: a copy of dist/
//   built before the change (its linalg/kernels.js is timed as well; keep it at
//   <dir>/dist so that it finds its own ../../dist/linalg/kernels.wasm).
// The plain kernel is reached through centredCrossProductInto, which never takes
// the Strassen route; centredCrossProduct does for large products.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { bestSeconds, random } from './timing-helpers.mjs';

const load = (dir) => import(pathToFileURL(path.resolve(dir, 'linalg/kernels.js')).href);
const { centredCrossProduct, centredCrossProductInto, columnMeans } = await load('dist');
const before = process.env.BEFORE_DIST ? await load(process.env.BEFORE_DIST) : null;

const maxAbs = (a) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const rel = (a, b) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m / maxAbs(b);
};

const rows = Number(process.env.ROWS ?? 10000);
const d = Number(process.env.D ?? 512);
const reps = Number(process.env.REPS ?? 5);
const x = random(rows * d, 3);
const y = random(rows * d, 4);
const mx = columnMeans(x, rows, d);
const my = columnMeans(y, rows, d);
const plain = () => {
  const out = new Float64Array(d * d);
  centredCrossProductInto(x, mx, d, y, my, d, rows, out);
  return out;
};
const strassen = () => centredCrossProduct(x, mx, d, y, my, d, rows);
const gf = (s) => ((2 * rows * d * d) / s / 1e9).toFixed(2);
for (let round = 0; round < 2; round++) {
  const tPlain = bestSeconds(plain, reps);
  const tStrassen = bestSeconds(strassen, reps);
  const tBefore = before ? bestSeconds(() => before.centredCrossProduct(x, mx, d, y, my, d, rows), reps) : NaN;
  console.log(
    `${rows}x${d} by ${rows}x${d}: plain ${tPlain.toFixed(3)} s (${gf(tPlain)} GFLOP/s eq.)  ` +
      `strassen ${tStrassen.toFixed(3)} s (${gf(tStrassen)})  speed-up ${((tPlain / tStrassen - 1) * 100).toFixed(1)}%` +
      (before ? `  pre-change dist ${tBefore.toFixed(3)} s` : ''),
  );
}
const reference = plain();
console.log(`max |strassen - plain| / max |plain| = ${rel(strassen(), reference).toExponential(2)}`);

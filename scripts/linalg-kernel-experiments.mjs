// Experiments for the centred cross-product micro-kernel (not part of the build or tests).
// node scripts/linalg-kernel-experiments.mjs
import { random } from './timing-helpers.mjs';
const rows = 10000, p = 512, q = 512;
const x = random(rows * p, 1), y = random(rows * q, 2);
const mx = new Float64Array(p), my = new Float64Array(q);

function pack(src, mean, cols, r0, len, dst, stride) {
  for (let r = 0; r < len; r++) { const off = (r0 + r) * cols; for (let c = 0; c < cols; c++) dst[c * stride + r] = src[off + c] - mean[c]; }
}
function k24(pa, p, pb, q, len, R, out) {
  for (let i = 0; i + 2 <= p; i += 2) { const a0 = i * R, a1 = a0 + R;
    for (let j = 0; j + 4 <= q; j += 4) { const b0 = j * R, b1 = b0 + R, b2 = b1 + R, b3 = b2 + R;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      for (let r = 0; r < len; r++) { const x0 = pa[a0 + r], x1 = pa[a1 + r], y0 = pb[b0 + r], y1 = pb[b1 + r], y2 = pb[b2 + r], y3 = pb[b3 + r];
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3; s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3; }
      const o0 = i * q + j, o1 = o0 + q;
      out[o0] += s00; out[o0 + 1] += s01; out[o0 + 2] += s02; out[o0 + 3] += s03; out[o1] += s10; out[o1 + 1] += s11; out[o1 + 2] += s12; out[o1 + 3] += s13; } }
}
function k44(pa, p, pb, q, len, R, out) {
  for (let i = 0; i + 4 <= p; i += 4) { const a0 = i * R, a1 = a0 + R, a2 = a1 + R, a3 = a2 + R;
    for (let j = 0; j + 4 <= q; j += 4) { const b0 = j * R, b1 = b0 + R, b2 = b1 + R, b3 = b2 + R;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let r = 0; r < len; r++) { const x0 = pa[a0 + r], x1 = pa[a1 + r], x2 = pa[a2 + r], x3 = pa[a3 + r], y0 = pb[b0 + r], y1 = pb[b1 + r], y2 = pb[b2 + r], y3 = pb[b3 + r];
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3; s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
        s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3; s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3; }
      let o = i * q + j;
      out[o] += s00; out[o + 1] += s01; out[o + 2] += s02; out[o + 3] += s03; o += q;
      out[o] += s10; out[o + 1] += s11; out[o + 2] += s12; out[o + 3] += s13; o += q;
      out[o] += s20; out[o + 1] += s21; out[o + 2] += s22; out[o + 3] += s23; o += q;
      out[o] += s30; out[o + 1] += s31; out[o + 2] += s32; out[o + 3] += s33; } }
}
function k34(pa, p, pb, q, len, R, out) {
  for (let i = 0; i + 3 <= p; i += 3) { const a0 = i * R, a1 = a0 + R, a2 = a1 + R;
    for (let j = 0; j + 4 <= q; j += 4) { const b0 = j * R, b1 = b0 + R, b2 = b1 + R, b3 = b2 + R;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0, s20 = 0, s21 = 0, s22 = 0, s23 = 0;
      for (let r = 0; r < len; r++) { const x0 = pa[a0 + r], x1 = pa[a1 + r], x2 = pa[a2 + r], y0 = pb[b0 + r], y1 = pb[b1 + r], y2 = pb[b2 + r], y3 = pb[b3 + r];
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3; s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
        s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3; }
      let o = i * q + j;
      out[o] += s00; out[o + 1] += s01; out[o + 2] += s02; out[o + 3] += s03; o += q;
      out[o] += s10; out[o + 1] += s11; out[o + 2] += s12; out[o + 3] += s13; o += q;
      out[o] += s20; out[o + 1] += s21; out[o + 2] += s22; out[o + 3] += s23; } }
}
// Outer-product form: pack rows as-is (row-major block, centred), loop r outer, accumulate 4x8 tile in registers? Instead: k loop inside over packed panels of width 4.
function run(name, kernel, R, pp = p) {
  const pa = new Float64Array(p * R), pb = new Float64Array(q * R), out = new Float64Array(p * q);
  const t = performance.now();
  for (let r0 = 0; r0 < rows; r0 += R) { const len = Math.min(R, rows - r0); pack(x, mx, p, r0, len, pa, R); pack(y, my, q, r0, len, pb, R); kernel(pa, pp, pb, q, len, R, out); }
  const dt = (performance.now() - t) / 1000;
  console.log(`${name} R=${R}: ${dt.toFixed(3)} s ${(2 * rows * pp * q / dt / 1e9).toFixed(2)} GFLOP/s`);
}
for (let rep = 0; rep < 2; rep++) {
  for (const R of [64, 128, 256]) { run('2x4', k24, R); run('4x4', k44, R); run('3x4', k34, R, 510); }
}
function k26(pa, p, pb, q, len, R, out) {
  for (let i = 0; i + 2 <= p; i += 2) { const a0 = i * R, a1 = a0 + R;
    for (let j = 0; j + 6 <= q; j += 6) { const b0 = j * R, b1 = b0 + R, b2 = b1 + R, b3 = b2 + R, b4 = b3 + R, b5 = b4 + R;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s04 = 0, s05 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0, s14 = 0, s15 = 0;
      for (let r = 0; r < len; r++) { const x0 = pa[a0 + r], x1 = pa[a1 + r];
        let y = pb[b0 + r]; s00 += x0 * y; s10 += x1 * y;
        y = pb[b1 + r]; s01 += x0 * y; s11 += x1 * y;
        y = pb[b2 + r]; s02 += x0 * y; s12 += x1 * y;
        y = pb[b3 + r]; s03 += x0 * y; s13 += x1 * y;
        y = pb[b4 + r]; s04 += x0 * y; s14 += x1 * y;
        y = pb[b5 + r]; s05 += x0 * y; s15 += x1 * y; }
      let o = i * q + j;
      out[o] += s00; out[o + 1] += s01; out[o + 2] += s02; out[o + 3] += s03; out[o + 4] += s04; out[o + 5] += s05; o += q;
      out[o] += s10; out[o + 1] += s11; out[o + 2] += s12; out[o + 3] += s13; out[o + 4] += s14; out[o + 5] += s15; } }
}
function packOnly(pa, p, pb, q, len, R, out) {}
console.log('--');
for (let rep = 0; rep < 2; rep++) {
  run('pack only', packOnly, 128);
  run('2x6', k26, 128, 512); run('2x6', k26, 256, 512);
}

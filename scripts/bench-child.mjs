// One `compare` in a fresh process, for scripts/bench.mjs (which runs it under
// /usr/bin/time -v to read the peak RSS). Prints one JSON line.
// Usage: node scripts/bench-child.mjs a.npy b.npy [stream: auto|true|false] [reps]
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const [a, b, streamArg = 'auto', repsArg = '1'] = process.argv.slice(2);
const dist = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'dist');
const load = (file) => import(pathToFileURL(path.join(dist, file)).href);
const stream = streamArg === 'auto' ? 'auto' : streamArg === 'true';
const { kernelBackend } = await load('linalg/wasm.js');

let compare;
let route = 'runCompare';
try {
  const { runCompare } = await load('studies/compare.js');
  const { defaultJobs } = await load('engine/executor.js');
  compare = async () => {
    // The CLI's defaults: one thread per core, as numpy's BLAS uses them.
    const report = await runCompare(a, b, { method: 'pwcca', stream, jobs: defaultJobs() });
    return { pwcca: report.comparison.pwcca.similarity, cca: report.comparison.cca.mean };
  };
} catch (error) {
  // src/io/load.ts not there yet: the same engine calls, reading the files with npy-stream.
  route = 'engine';
  const { openNpyRows } = await load('io/npy-stream.js');
  const side = await load('metrics/side.js');
  const { comparePrepared } = await load('metrics/compare.js');
  const readAll = async (file) => {
    const reader = await openNpyRows(file);
    const data = new Float64Array(reader.rows * reader.cols);
    for await (const chunk of reader.chunks(4096, { checkFinite: true })) data.set(chunk.data, chunk.start * reader.cols);
    await reader.close();
    return { rows: reader.rows, cols: reader.cols, data };
  };
  compare = async () => {
    let px, py, cross;
    const { statSync } = await import('node:fs');
    const big = Math.max(statSync(a).size, statSync(b).size) >= 2 ** 30; // this fallback keeps the old 1 GiB rule
    if (stream === true || (stream === 'auto' && big)) {
      const ra = await openNpyRows(a);
      const rb = await openNpyRows(b);
      const chunkRows = Math.max(256, Math.floor((16 << 20) / (8 * Math.max(ra.cols, rb.cols)) / 256) * 256);
      let first = true;
      const pass = async function* () {
        const checkFinite = first;
        first = false;
        const xs = ra.chunks(chunkRows, { checkFinite });
        const ys = rb.chunks(chunkRows, { checkFinite });
        for (;;) {
          const [x, y] = await Promise.all([xs.next(), ys.next()]);
          if (x.done || y.done) return;
          yield { rows: x.value.rows, x: x.value.data, y: y.value.data };
        }
      };
      const m = await side.streamPairMoments(ra.cols, rb.cols, pass);
      await ra.close();
      await rb.close();
      px = side.prepareFromMoments(m.x);
      py = side.prepareFromMoments(m.y);
      cross = m.crossCovariance;
    } else {
      const x = await readAll(a);
      const y = await readAll(b);
      px = side.prepareSide(x);
      py = side.prepareSide(y);
      cross = side.crossCovariance(x, px, y, py);
    }
    const r = comparePrepared(px, py, cross, {});
    return { pwcca: r.pwcca.similarity, cca: r.cca.mean };
  }
}

const times = [];
let result;
for (let i = 0; i < Number(repsArg); i++) {
  const t = performance.now();
  result = await compare();
  times.push((performance.now() - t) / 1000);
}
console.log(JSON.stringify({ ...result, seconds: times, route, kernels: kernelBackend() }));

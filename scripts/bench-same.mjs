// One run of pairs on ONE thread in a fresh process, for the same-algorithm
// ratios of scripts/bench.mjs: the engine as `compare` / `pairwise` run it
// (default route), each file read and prepared once. Prints one JSON line
// with the CPU seconds of the run (module loading excluded).
// Usage: node scripts/bench-same.mjs one|all a.npy b.npy [c.npy ...]
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [which, ...paths] = process.argv.slice(2);
const dist = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'dist');
const { runPairs } = await import(pathToFileURL(path.join(dist, 'engine/run-pairs.js')).href);
const files = paths.map((file, k) => ({ id: String(k), path: file }));
const tasks = [];
for (let i = 0; i < files.length; i++) for (let j = i + 1; j < files.length; j++) tasks.push({ key: `${i}-${j}`, a: String(i), b: String(j) });
const run = which === 'one' ? tasks.slice(0, 1) : tasks;
const cpu = process.cpuUsage();
const wall = performance.now();
const { outcomes, stats } = await runPairs(files, run, { jobs: 1 });
const used = process.cpuUsage(cpu);
const failed = outcomes.find((outcome) => outcome.error);
if (failed) throw new Error(`${failed.task.key}: ${failed.error.message}`);
console.log(JSON.stringify({
  cpuSeconds: (used.user + used.system) / 1e6,
  seconds: (performance.now() - wall) / 1000,
  pairs: run.length,
  streamed: stats.streamed,
  values: outcomes.map((o) => [o.comparison.pwcca.directional.a, o.comparison.pwcca.directional.b, o.comparison.cca.mean]),
}));

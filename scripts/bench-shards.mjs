// Sharding overhead: one pairwise run against the same run split into shards
// that run one after the other (as a job array would on one node), by total
// CPU time. The tiled split keeps the files each shard reads (and prepares
// again) few, so all shards together should cost at most 1.3x one run.
//
//   npm run bench:shards                                  64 networks x 2000x256 in 8 shards
//   npm run bench:shards -- --networks 16 --shards 4      smaller
//
// Data are generated deterministically under os.tmpdir() and removed at the
// end. Exit code 1 when the ratio is over the target. Never part of `npm test`.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { uniform, writeNpy } from './bench-data.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = path.join(here, '..', 'bin', 'pwcca.js');
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const networks = option('--networks', 64);
const rows = option('--rows', 2000);
const cols = option('--cols', 256);
const shards = option('--shards', 8);
const target = 1.3;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'pwcca-bench-shards-'));

function log(message) {
  process.stderr.write(`${message}\n`);
}

/** ROOT/net<k>/fc.npy: networks sharing a 32-dimensional latent signal through their own mix, plus private noise. */
function writeNetworks(root) {
  const latentDims = 32;
  const latentRandom = uniform(12345);
  const latent = Float64Array.from({ length: rows * latentDims }, () => latentRandom());
  for (let k = 0; k < networks; k++) {
    const mixRandom = uniform(77 + k);
    const noise = uniform(1000 + k);
    const mix = Float64Array.from({ length: latentDims * cols }, () => mixRandom());
    mkdirSync(path.join(root, `net${String(k).padStart(3, '0')}`), { recursive: true });
    writeNpy(path.join(root, `net${String(k).padStart(3, '0')}`, 'fc.npy'), rows, cols, (r, line) => {
      for (let j = 0; j < cols; j++) {
        let sum = 0;
        for (let i = 0; i < latentDims; i++) sum += latent[r * latentDims + i] * mix[i * cols + j];
        line[j] = sum + (0.5 + k / networks) * noise();
      }
    });
  }
}

/** Runs pwcca on one thread; returns its CPU seconds (user + system) and wall seconds. */
function timed(pwccaArgs) {
  const useTime = spawnSync('/usr/bin/time', ['-f', '%U %S', 'true']).status === 0;
  const started = performance.now();
  const run = useTime
    ? spawnSync('/usr/bin/time', ['-f', 'cpu %U %S', process.execPath, bin, ...pwccaArgs], { encoding: 'utf8' })
    : spawnSync(process.execPath, [bin, ...pwccaArgs], { encoding: 'utf8' });
  const wall = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`pwcca ${pwccaArgs.join(' ')} failed (${run.status}): ${run.stderr}`);
  const cpuLine = run.stderr.split('\n').find((line) => line.startsWith('cpu '));
  const cpu = cpuLine ? cpuLine.split(' ').slice(1).reduce((sum, value) => sum + Number(value), 0) : wall;
  return { cpu, wall };
}

/** Distance of every pair in a journal, by pair. */
function distances(file) {
  const out = new Map();
  for (const line of readFileSync(file, 'utf8').trim().split('\n').slice(1)) {
    const record = JSON.parse(line);
    if (record.type === 'pair') out.set(`${record.layer} ${record.a} ${record.b}`, record.values?.pwcca?.distance);
  }
  return out;
}

try {
  const root = path.join(tmp, 'runs');
  log(`bench-shards: writing ${networks} networks of ${rows}x${cols} float32 under ${tmp}`);
  writeNetworks(root);
  const pairs = (networks * (networks - 1)) / 2;

  log(`bench-shards: one run of ${pairs} pairs on one thread`);
  const single = timed(['pairwise', root, '--jobs', '1', '--no-stream', '--quiet', '--out', path.join(tmp, 'single.ndjson')]);

  let shardCpu = 0;
  let shardWall = 0;
  const parts = [];
  for (let k = 1; k <= shards; k++) {
    log(`bench-shards: shard ${k}/${shards}`);
    const part = path.join(tmp, `part-${k}.ndjson`);
    const run = timed(['pairwise', root, '--shard', `${k}/${shards}`, '--jobs', '1', '--no-stream', '--quiet', '--out', part]);
    shardCpu += run.cpu;
    shardWall += run.wall;
    parts.push(part);
  }
  const merged = path.join(tmp, 'merged.ndjson');
  const merge = spawnSync(process.execPath, [bin, 'merge', ...parts, '--out', merged, '--quiet'], { encoding: 'utf8' });
  if (merge.status !== 0) throw new Error(`merge failed: ${merge.stderr}`);
  const [got, want] = [distances(merged), distances(path.join(tmp, 'single.ndjson'))];
  const differ = [...want].filter(([key, value]) => got.get(key) !== value).length;

  const plan = spawnSync(process.execPath, [bin, 'plan', root, '--shards', String(shards), '--format', 'json', '--no-time'], { encoding: 'utf8' });
  const planned = plan.status === 0 ? JSON.parse(plan.stdout) : null;

  const ratio = shardCpu / single.cpu;
  const rowsOut = [
    ['', 'CPU s', 'wall s'],
    ['one run', single.cpu.toFixed(1), single.wall.toFixed(1)],
    [`${shards} shards, one after the other`, shardCpu.toFixed(1), shardWall.toFixed(1)],
  ];
  console.log(`pwcca sharding overhead: ${networks} networks x ${rows}x${cols} float32, ${pairs} pairs, ${shards} shards (jobs 1)`);
  for (const row of rowsOut) console.log(`  ${row[0].padEnd(34)}${row[1].padStart(10)}${row[2].padStart(10)}`);
  if (planned) {
    console.log(
      `  files per shard ${planned.filesPerShard.min}..${planned.filesPerShard.max} of ${planned.files} (2n/sqrt(S) = ${((2 * networks) / Math.sqrt(shards)).toFixed(1)}); ` +
        `model's estimate of the added work: ${planned.overhead.toFixed(2)}x`,
    );
  }
  console.log(`  merged distances identical to the single run: ${differ === 0 ? 'yes' : `no, ${differ} of ${want.size} differ`}`);
  console.log(`  total CPU of the shards / one run = ${ratio.toFixed(2)} (target <= ${target}): ${ratio <= target ? 'ok' : 'OVER'}`);
  if (ratio > target || differ > 0) process.exitCode = 1;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

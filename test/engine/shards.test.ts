import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { buildShardPlan, parseShardSpec, selectShard, type ShardMatrix, type ShardPlan } from '../../src/engine/shards.js';
import { seededRandom } from '../helpers/random.js';

/** A pairwise layer: n networks, every unordered pair once. */
function pairwiseLayer(id: string, n: number, weight: (i: number) => number = () => 1): ShardMatrix {
  const labels = Array.from({ length: n }, (_, i) => ({ name: `net${String(i).padStart(3, '0')}`, file: `${id}/net${i}.npy`, weight: weight(i) }));
  const pairs = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) pairs.push({ a: labels[i].name, b: labels[j].name });
  return { id, labels, pairs };
}

/** A convergence (run, layer): every step against the reference step. */
function convergenceStar(run: string, layer: string, steps: number, reference: number): ShardMatrix {
  const id = JSON.stringify([run, layer]);
  const labels = Array.from({ length: steps }, (_, s) => ({ name: String(s * 1000), file: `${run}/step_${s * 1000}/${layer}.npy`, weight: 1 }));
  const pairs = labels.filter((_, s) => s !== reference).map((label) => ({ a: label.name, b: labels[reference].name, key: JSON.stringify([run, layer, Number(label.name)]) }));
  return { id, labels, pairs };
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** The same matrices with matrices, labels and pairs listed in another order. */
function reordered(matrices: readonly ShardMatrix[], seed: number): ShardMatrix[] {
  const random = seededRandom(seed);
  return shuffled(matrices, random).map((m) => ({ id: m.id, labels: shuffled(m.labels, random), pairs: shuffled(m.pairs, random) }));
}

function allKeys(matrices: readonly ShardMatrix[]): string[] {
  return matrices.flatMap((m) => m.pairs.map((p) => p.key ?? JSON.stringify([m.id, p.a, p.b]))).sort();
}

/** Problems with a plan as a partition of `matrices`' pairs, as one list (empty when it is a partition). */
function partitionProblems(plan: ShardPlan, matrices: readonly ShardMatrix[], count: number): string[] {
  const problems: string[] = [];
  const keys = plan.shards.flatMap((shard) => shard.pairs.map((pair) => pair.key));
  const expected = allKeys(matrices);
  if (new Set(keys).size !== keys.length) problems.push(`${keys.length - new Set(keys).size} pair(s) in two shards`);
  const missing = expected.filter((key) => !keys.includes(key));
  if (missing.length > 0) problems.push(`missing pairs: ${missing.slice(0, 3).join(' ')}`);
  if (keys.length !== expected.length) problems.push(`${keys.length} pairs in shards, ${expected.length} expected`);
  if (plan.shards.length !== count) problems.push(`${plan.shards.length} shards, ${count} asked`);
  const empty = plan.shards.filter((shard) => shard.pairs.length === 0).map((shard) => shard.index);
  if (expected.length >= count && empty.length > 0) problems.push(`empty shards ${empty.join(',')}`);
  plan.shards.forEach((shard, k) => {
    if (shard.index !== k + 1) problems.push(`shard ${k} has index ${shard.index}`);
  });
  return problems;
}

/** Files a shard must read, worked out from its pairs and the input (not from the plan's own list). */
function filesNeeded(matrices: readonly ShardMatrix[], pairs: ShardPlan['shards'][number]['pairs']): string[] {
  const fileOf = new Map(matrices.flatMap((m) => m.labels.map((label) => [`${m.id}\u0000${label.name}`, label.file] as const)));
  return [...new Set(pairs.flatMap((pair) => [fileOf.get(`${pair.matrix}\u0000${pair.a}`)!, fileOf.get(`${pair.matrix}\u0000${pair.b}`)!]))].sort();
}

describe('buildShardPlan', () => {
  const cases: [string, ShardMatrix[], number][] = [
    ['one layer, 2 shards', [pairwiseLayer('conv1', 12)], 2],
    ['one layer, 7 shards', [pairwiseLayer('conv1', 30)], 7],
    ['one layer, as many shards as pairs', [pairwiseLayer('conv1', 6)], 15],
    ['three layers, 16 shards', ['conv1', 'conv2', 'fc'].map((id) => pairwiseLayer(id, 20)), 16],
    ['uneven weights, 5 shards', [pairwiseLayer('a', 25, (i) => 1 + (i % 5)), pairwiseLayer('b', 9, () => 10)], 5],
    ['convergence, 6 shards', ['conv1', 'fc'].flatMap((layer) => ['run0', 'run1'].map((run) => convergenceStar(run, layer, 9, 8))), 6],
    ['one shard', [pairwiseLayer('conv1', 10)], 1],
  ];

  it.each(cases)('splits every pair into exactly one non-empty shard: %s', (_, matrices, count) => {
    expect(partitionProblems(buildShardPlan(matrices, count), matrices, count)).toEqual([]);
  });

  it('leaves the extra shards empty, and none duplicated, when there are fewer pairs than shards', () => {
    const matrices = [pairwiseLayer('conv1', 3)]; // 3 pairs
    const plan = buildShardPlan(matrices, 5);
    expect(plan.shards.map((shard) => shard.pairs.length).sort()).toEqual([0, 0, 1, 1, 1]);
    expect(partitionProblems(plan, matrices, 5)).toEqual([]);
  });

  it('gives the same shards whatever order matrices, labels and pairs are listed in', () => {
    for (const [name, matrices, count] of cases) {
      const plan = buildShardPlan(matrices, count);
      for (const seed of [1, 2, 3]) expect(buildShardPlan(reordered(matrices, seed), count), `${name}, order ${seed}`).toEqual(plan);
    }
  });

  it('orders labels by code units, not by the locale, so every machine agrees', () => {
    // localeCompare puts 'b' before 'C' and 'ä' next to 'a'; code units put 'C' first and 'ä' last.
    const names = ['b', 'C', 'ä', 'a', 'D'];
    const matrix: ShardMatrix = {
      id: 'layer',
      labels: names.map((name) => ({ name, file: `${name}.npy`, weight: 1 })),
      pairs: names.flatMap((a, i) => names.slice(i + 1).map((b) => ({ a, b }))),
    };
    const first = buildShardPlan([matrix], 3).shards[0];
    const sorted = [...names].sort(); // Array.prototype.sort's default order is code-unit order
    expect(sorted).toEqual(['C', 'D', 'a', 'b', 'ä']);
    // The first shard starts from the first label in that order.
    expect([first.pairs[0].a, first.pairs[0].b]).toContain('C');
  });

  it('lists for each shard exactly the files its pairs read', () => {
    for (const [name, matrices, count] of cases) {
      const plan = buildShardPlan(matrices, count);
      const wrong = plan.shards.filter((shard) => JSON.stringify(shard.files) !== JSON.stringify(filesNeeded(matrices, shard.pairs)));
      expect(wrong.map((shard) => shard.index), name).toEqual([]);
    }
  });

  it('keeps the pair keys it is given and otherwise keys pairs by matrix and labels', () => {
    const star = convergenceStar('run0', 'fc', 4, 3);
    const layer = pairwiseLayer('conv1', 3);
    const keys = buildShardPlan([star, layer], 2).shards.flatMap((shard) => shard.pairs.map((pair) => pair.key));
    expect(keys.sort()).toEqual(
      [
        JSON.stringify(['run0', 'fc', 0]),
        JSON.stringify(['run0', 'fc', 1000]),
        JSON.stringify(['run0', 'fc', 2000]),
        JSON.stringify(['conv1', 'net000', 'net001']),
        JSON.stringify(['conv1', 'net000', 'net002']),
        JSON.stringify(['conv1', 'net001', 'net002']),
      ].sort(),
    );
  });

  it('tiles: with n networks over S shards no shard reads more than 2n / sqrt(S) files (a stripe reads all n)', () => {
    const n = 64;
    const seen: string[] = [];
    for (const count of [2, 4, 8, 16, 32]) {
      for (const weight of [() => 1, (i: number) => 1 + ((i * 7919) % 13) / 4]) {
        const plan = buildShardPlan([pairwiseLayer('conv1', n, weight)], count);
        const bound = (2 * n) / Math.sqrt(count);
        if (plan.summary.filesPerShard.max > bound) seen.push(`S=${count}: ${plan.summary.filesPerShard.max} files > ${bound.toFixed(1)}`);
      }
    }
    expect(seen).toEqual([]);
  });

  it('tiles several layers too: at most 2n / sqrt(S / layers) files per shard', () => {
    const n = 40;
    const layers = ['conv1', 'conv2', 'conv3', 'fc'];
    for (const count of [4, 8, 12, 16]) {
      const plan = buildShardPlan(layers.map((id) => pairwiseLayer(id, n)), count);
      expect(plan.summary.filesPerShard.max, `S=${count}`).toBeLessThanOrEqual((2 * n) / Math.sqrt(count / layers.length));
    }
  });

  it('keeps a convergence shard to its own steps plus the reference of each (run, layer) it touches', () => {
    const matrices = ['conv1', 'conv2', 'fc'].flatMap((layer) => ['run0', 'run1'].map((run) => convergenceStar(run, layer, 21, 20)));
    const plan = buildShardPlan(matrices, 8);
    const wasteful = plan.shards.filter((shard) => shard.files.length > shard.pairs.length + new Set(shard.pairs.map((p) => p.matrix)).size);
    expect(wasteful.map((shard) => shard.index)).toEqual([]);
    // Contiguous pieces: 6 (run, layer) matrices over 8 shards touch at most 6 + 7 pieces in all.
    expect(plan.shards.reduce((sum, shard) => sum + new Set(shard.pairs.map((p) => p.matrix)).size, 0)).toBeLessThanOrEqual(13);
  });

  it('balances estimated cost: every shard within 10% of the mean when shards hold 100 pairs or more', () => {
    const setups: [string, ShardMatrix[], number][] = [
      ['one layer', [pairwiseLayer('conv1', 64)], 16],
      ['uneven weights', [pairwiseLayer('conv1', 64, (i) => 1 + ((i * 7919) % 13) / 4)], 8],
      // fc's pairs cost 9x conv1's: it must get most of the shards.
      ['a heavier layer', [pairwiseLayer('conv1', 48), pairwiseLayer('fc', 48, () => 3)], 10],
      ['convergence', ['conv1', 'fc'].flatMap((layer) => ['run0', 'run1', 'run2'].map((run) => convergenceStar(run, layer, 401, 400))), 12],
    ];
    for (const [name, matrices, count] of setups) {
      const plan = buildShardPlan(matrices, count);
      expect(plan.summary.pairsPerShard.min, name).toBeGreaterThanOrEqual(100);
      expect(plan.summary.costShare.max * count, name).toBeLessThanOrEqual(1.1);
      expect(plan.summary.costShare.min * count, name).toBeGreaterThanOrEqual(0.9);
    }
  });

  it('estimates each shard as its pairs plus one preparation of each file it reads', () => {
    const matrices = [pairwiseLayer('a', 10, (i) => 1 + i), pairwiseLayer('b', 6, () => 2)];
    const prepareCost = 0.5;
    const weightOf = new Map(matrices.flatMap((m) => m.labels.map((label) => [`${m.id}\u0000${label.name}`, label.weight] as const)));
    const fileWeight = new Map(matrices.flatMap((m) => m.labels.map((label) => [label.file, label.weight] as const)));
    const plan = buildShardPlan(matrices, 3, { prepareCost });
    const expected = plan.shards.map(
      (shard) =>
        shard.pairs.reduce((sum, p) => sum + weightOf.get(`${p.matrix}\u0000${p.a}`)! * weightOf.get(`${p.matrix}\u0000${p.b}`)!, 0) +
        shard.files.reduce((sum, file) => sum + prepareCost * fileWeight.get(file)! ** 2, 0),
    );
    const got = plan.shards.map((shard) => shard.cost);
    expect(got.map((cost, k) => Math.abs(cost - expected[k]) / expected[k]).every((error) => error < 1e-12), `${got} vs ${expected}`).toBe(true);
    const singleRun = matrices.reduce(
      (sum, m) =>
        sum +
        m.pairs.reduce((s, p) => s + weightOf.get(`${m.id}\u0000${p.a}`)! * weightOf.get(`${m.id}\u0000${p.b}`)!, 0) +
        m.labels.reduce((s, label) => s + prepareCost * label.weight ** 2, 0),
      0,
    );
    expect(plan.summary.singleRunCost).toBeCloseTo(singleRun, 9);
    expect(plan.summary.totalCost).toBeGreaterThan(singleRun); // files read by two shards are prepared twice
  });

  it('summarizes pairs, files and cost shares per shard', () => {
    const plan = buildShardPlan([pairwiseLayer('conv1', 20)], 4);
    const { summary } = plan;
    expect(summary.shards).toBe(4);
    expect(summary.pairs).toBe(190);
    expect(summary.files).toBe(20);
    expect(summary.pairsPerShard.min).toBe(Math.min(...plan.shards.map((s) => s.pairs.length)));
    expect(summary.filesPerShard.max).toBe(Math.max(...plan.shards.map((s) => s.files.length)));
    expect(summary.costShare.min).toBeLessThanOrEqual(0.25);
    expect(summary.costShare.max).toBeGreaterThanOrEqual(0.25);
  });

  it('rejects malformed input with the ids it saw', () => {
    const layer = pairwiseLayer('conv1', 3);
    expect(() => buildShardPlan([layer, layer], 2)).toThrow(/'conv1' appears twice/);
    expect(() => buildShardPlan([{ ...layer, pairs: [{ a: 'net000', b: 'nope' }] }], 2)).toThrow(/unknown label/);
    expect(() => buildShardPlan([{ ...layer, pairs: [{ a: 'net000', b: 'net000' }] }], 2)).toThrow(/with itself/);
    expect(() => buildShardPlan([{ ...layer, pairs: [...layer.pairs, { a: 'net001', b: 'net000' }] }], 2)).toThrow(/same two labels/);
    expect(() => buildShardPlan([{ ...layer, labels: [{ ...layer.labels[0], weight: NaN }, ...layer.labels.slice(1)] }], 2)).toThrow(/weight NaN/);
    expect(() => buildShardPlan([layer], 0)).toThrow(/positive integer/);
  });
});

describe('parseShardSpec / selectShard', () => {
  it('reads K/S, 1-based', () => {
    expect(parseShardSpec('3/16')).toEqual({ index: 3, count: 16 });
    expect(parseShardSpec(' 1 / 1 ')).toEqual({ index: 1, count: 1 });
  });

  it.each(['0/4', '5/4', '3', '3/0', 'a/b', '-1/4', '1.5/4', ''])('rejects %j as a usage error', (text) => {
    expect(() => parseShardSpec(text)).toThrow(UsageError);
  });

  it('picks the shard K of a plan with S shards', () => {
    const plan = buildShardPlan([pairwiseLayer('conv1', 8)], 4);
    expect(selectShard(plan, { index: 2, count: 4 })).toBe(plan.shards[1]);
    expect(() => selectShard(plan, { index: 2, count: 5 })).toThrow(/plan with 4 shards/);
  });
});

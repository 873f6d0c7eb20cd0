/**
 * Hand-made pwcca reports for the plot tests, with the fields that the
 * significance tests add (linkage matrices, group tests, permutation nulls)
 * and the timestep scope.
 */

/** A deterministic generator (mulberry32) so documents are the same on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A symmetric distance matrix in [0, 1] with a zero diagonal: small within a group, large between. */
export function groupedDistances(groups: readonly string[], seed = 1): number[][] {
  const random = seeded(seed);
  const n = groups.length;
  const d = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const value = (groups[i] === groups[j] ? 0.15 : 0.6) + 0.2 * random();
      d[i][j] = value;
      d[j][i] = value;
    }
  }
  return d;
}

/**
 * Single-linkage merges of a distance matrix as a scipy-style linkage
 * (`[left, right, height, size]`, index n + k = row k): test data for the
 * dendrogram, not an expected value.
 */
export function singleLinkage(d: readonly (readonly number[])[]): number[][] {
  const n = d.length;
  let clusters = Array.from({ length: n }, (_, i) => ({ id: i, members: [i] }));
  const rows: number[][] = [];
  while (clusters.length > 1) {
    let best = { a: 0, b: 1, h: Infinity };
    for (let a = 0; a < clusters.length; a++) {
      for (let b = a + 1; b < clusters.length; b++) {
        let h = Infinity;
        for (const i of clusters[a].members) for (const j of clusters[b].members) h = Math.min(h, d[i][j]);
        if (h < best.h) best = { a, b, h };
      }
    }
    const [ca, cb] = [clusters[best.a], clusters[best.b]];
    rows.push([ca.id, cb.id, best.h, ca.members.length + cb.members.length]);
    const merged = { id: n + rows.length - 1, members: [...ca.members, ...cb.members] };
    clusters = clusters.filter((_, k) => k !== best.a && k !== best.b).concat([merged]);
  }
  return rows;
}

export interface PairwiseDocOptions {
  labels?: string[];
  groups?: (string | null)[];
  layers?: string[];
  methods?: string[];
  linkage?: boolean;
  groupTest?: boolean;
  scope?: string;
}

/** A pairwise report (schema version 1) over `labels`, one matrix per layer. */
export function pairwiseDocument(options: PairwiseDocOptions = {}): Record<string, unknown> {
  const labels = options.labels ?? ['gen/s1', 'gen/s2', 'gen/s3', 'mem/s1', 'mem/s2', 'mem/s3'];
  const groups = options.groups ?? labels.map((l) => l.split('/')[0]);
  const methods = options.methods ?? ['pwcca'];
  const scope = options.scope ?? 'layer';
  const groupNames = [...new Set(groups.filter((g): g is string => g !== null))];
  const layers = (options.layers ?? ['fc1', 'fc2']).map((layer, li) => {
    const byMethod: Record<string, { distance: number[][] }> = {};
    const clusters: Record<string, unknown> = {};
    const groupStats: Record<string, unknown> = {};
    const groupTest: Record<string, unknown> = {};
    methods.forEach((method, mi) => {
      const distance = groupedDistances(groups.map((g) => g ?? '-'), 10 * li + mi + 1);
      byMethod[method] = { distance };
      if (options.linkage) clusters[method] = { method: 'single', k: 2, linkage: singleLinkage(distance) };
      groupStats[method] = {
        within: groupNames.map((group) => ({ group, mean: 0.25, std: 0.05, count: 3 })),
        between: groupNames.flatMap((a, i) => groupNames.slice(i + 1).map((b) => ({ groupA: a, groupB: b, mean: 0.7, std: 0.04, count: 9 }))),
      };
      if (options.groupTest) {
        groupTest[method] = groupNames.flatMap((a, i) =>
          groupNames.slice(i + 1).map((b) => ({ groups: [a, b], statistic: 'between-within', observed: 0.45, nullMean: 0.01, nullStd: 0.05, pValue: 0.002, permutations: 999 })),
        );
      }
    });
    return {
      layer,
      labels,
      groups,
      methods: byMethod,
      groupStats: groupNames.length > 0 ? groupStats : null,
      ...(options.linkage ? { clusters } : {}),
      ...(options.groupTest ? { groupTest } : {}),
    };
  });
  const pairs = layers.flatMap((entry) => methods.map((method) => ({ layer: entry.layer, a: labels[0], b: labels[1], method, similarity: 0.5, distance: 0.5, datapoints: 500 })));
  return {
    schemaVersion: 1,
    command: 'pairwise',
    scope,
    mode: 'tree',
    root: 'runs',
    methods,
    options: { methods, variant: 'paper', crossLayer: false },
    summary: { pairs: pairs.length, ok: pairs.length, failed: 0 },
    files: [],
    layers,
    pairs,
    warnings: [],
  };
}

/** A T x T pairwise report with `"scope": "timestep"` and labels t0..t{T-1}. */
export function timestepDocument(steps: number): Record<string, unknown> {
  const labels = Array.from({ length: steps }, (_, t) => `t${t}`);
  const distance = labels.map((_, i) => labels.map((__, j) => Math.min(1, Math.abs(i - j) / steps + (i === j ? 0 : 0.05))));
  return {
    schemaVersion: 1,
    command: 'pairwise',
    scope: 'timestep',
    methods: ['pwcca'],
    options: { variant: 'paper' },
    layers: [{ layer: 'lstm', labels, groups: labels.map(() => null), methods: { pwcca: { distance } }, groupStats: null }],
    pairs: [{ layer: 'lstm', a: 't0', b: 't1', method: 'pwcca', distance: 0.1, datapoints: 800 }],
    warnings: [],
  };
}

/** A convergence report: `runs` runs, layers settling bottom-up, optional directions. */
export function convergenceDocument(options: { runs?: number; directions?: boolean } = {}): Record<string, unknown> {
  const runs = Array.from({ length: options.runs ?? 3 }, (_, i) => `seed${i}`);
  const layers = ['conv1', 'conv2', 'conv3', 'fc'];
  const steps = [0, 1000, 2000, 3000, 4000, 5000];
  const methods = ['pwcca', 'cca'];
  const table = methods.flatMap((method, mi) =>
    layers.flatMap((layer, depth) =>
      steps.map((step) => {
        const mean = Math.max(0, 0.8 - 0.2 * mi - (step / 5000) * (1.6 - 0.25 * depth));
        return { layer, step, method, mean: step === 5000 ? 0 : mean, std: runs.length > 1 && step < 5000 ? 0.04 : 0, runs: runs.length, failed: 0 };
      }),
    ),
  );
  const summary = methods.flatMap((method) =>
    layers.map((layer, depth) => {
      const first = steps.find((step) => table.every((row) => row.method !== method || row.layer !== layer || row.step < step || row.mean <= 0.05));
      return { layer, depth, method, convergenceStep: first ?? 5000, auc: 1, aucNormalised: 0.1 };
    }),
  );
  return {
    schemaVersion: 1,
    command: 'convergence',
    root: 'ckpt',
    layout: '<run>/<step>/<layer>',
    options: { methods, reference: 'last', referenceStep: 5000, threshold: 0.05, variant: 'paper', directions: options.directions ? 3 : null },
    runs,
    steps,
    layers,
    referenceStep: 5000,
    cells: [],
    table,
    summary: { threshold: 0.05, layers: summary, bottomUp: [] },
    ...(options.directions
      ? {
          directions: {
            requested: 3,
            earlyStep: 0,
            middleStep: 3000,
            steps: [4000, 5000],
            tracks: [],
            mean: layers.flatMap((layer, depth) =>
              [4000, 5000].map((step) => ({
                layer,
                step,
                stable: { mean: 0.98 - 0.02 * depth, std: 0.01, runs: runs.length },
                unstable: { mean: 0.9 - 0.15 * depth, std: 0.03, runs: runs.length },
              })),
            ),
          },
        }
      : {}),
    stats: { comparisons: table.length, resumed: 0, failed: 0 },
    warnings: [],
  };
}

/** A compare report with 12 canonical correlations, PWCCA weights, SVCCA and (optionally) a permutation test. */
export function compareDocument(options: { significance?: boolean } = {}): Record<string, unknown> {
  const coefficients = [0.99, 0.97, 0.95, 0.9, 0.82, 0.7, 0.4, 0.3, 0.2, 0.12, 0.05, 0.02];
  const raw = coefficients.map((_, i) => 1 / (i + 2));
  const total = raw.reduce((s, v) => s + v, 0);
  const weights = raw.map((v) => v / total);
  const random = seeded(7);
  const nullValues = Array.from({ length: 200 }, () => 0.3 + 0.05 * (random() + random() + random() - 1.5));
  return {
    schemaVersion: 1,
    command: 'compare',
    method: 'all',
    variant: 'paper',
    similarity: 0.81,
    distance: 0.19,
    datapoints: 400,
    inputs: { a: { path: 'acts/run1/conv2.npy' }, b: { path: 'acts/run2/conv2.npy' } },
    cca: { similarity: 0.535, distance: 0.465, mean: 0.535, coefficients },
    pwcca: { variant: 'paper', similarity: 0.81, distance: 0.19, weights },
    svcca: { similarity: 0.76, distance: 0.24, coefficients: coefficients.slice(0, 8).map((c) => c * 0.98) },
    ...(options.significance
      ? { significance: { test: 'permutation', permutations: 200, seed: 7, pwcca: { observed: 0.81, nullMean: 0.3, nullStd: 0.04, pValue: 1 / 201, excess: 0.51, nullValues } } }
      : {}),
    warnings: [],
  };
}

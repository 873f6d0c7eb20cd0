import { describe, expect, it } from 'vitest';
import { CONVERGENCE_CSV_COLUMNS, toConvergenceCsv } from '../../src/report/convergence-csv.js';
import { buildConvergenceJson, toConvergenceJson } from '../../src/report/convergence-json.js';
import { toConvergenceTable } from '../../src/report/convergence-table.js';
import type { ConvergenceCell, ConvergenceReport } from '../../src/studies/convergence/run.js';

/** A hand-built report: one run, two layers, three steps, PWCCA and CCA, one failed comparison. */
function sampleReport(): ConvergenceReport {
  const cell = (layer: string, step: number, method: 'pwcca' | 'cca', distance: number | null, extra: Partial<ConvergenceCell> = {}): ConvergenceCell => ({
    run: 'ckpt',
    layer,
    step,
    method,
    similarity: distance === null ? null : 1 - distance,
    distance,
    reference: step === 20,
    ...extra,
  });
  const failure = { kind: 'input', message: 'different numbers of datapoints: a has 10, b has 12', hint: 'use the same probe inputs', where: 'ckpt/10/fc.npy', exitCode: 3 };
  const cells: ConvergenceCell[] = [
    cell('conv', 0, 'pwcca', 0.25, { directional: { step: 0.75, reference: 0.7, sideTie: false } }),
    cell('conv', 0, 'cca', 0.5),
    cell('conv', 10, 'pwcca', 0.03125, { directional: { step: 0.96875, reference: 0.9, sideTie: false } }),
    cell('conv', 10, 'cca', 0.125),
    cell('conv', 20, 'pwcca', 0),
    cell('conv', 20, 'cca', 0),
    cell('fc', 0, 'pwcca', 0.5, { directional: { step: 0.5, reference: 0.5, sideTie: true } }),
    cell('fc', 0, 'cca', 0.75),
    cell('fc', 10, 'pwcca', null, { error: failure }),
    cell('fc', 10, 'cca', null, { error: failure }),
    cell('fc', 20, 'pwcca', 0),
    cell('fc', 20, 'cca', 0),
  ];
  const points = (['pwcca', 'cca'] as const).flatMap((method) =>
    ['conv', 'fc'].flatMap((layer) =>
      [0, 10, 20].map((step) => {
        const c = cells.find((x) => x.layer === layer && x.step === step && x.method === method)!;
        return { layer, step, method, mean: c.distance, std: c.distance === null ? null : 0, runs: c.distance === null ? 0 : 1, failed: c.error ? 1 : 0 };
      }),
    ),
  );
  return {
    schemaVersion: 1,
    root: 'ckpt',
    layout: '<step>/<layer>',
    options: {
      methods: ['pwcca', 'cca'],
      reference: 'last',
      referenceStep: 20,
      threshold: 0.05,
      variant: 'paper',
      epsilon: null,
      svcca: null,
      layout: 'auto',
      conv: 'flatten',
      byLayer: false,
      directions: null,
      directionsSteps: null,
    },
    runs: ['ckpt'],
    groups: [],
    steps: [0, 10, 20],
    layers: ['conv', 'fc'],
    referenceStep: 20,
    cells,
    points,
    summary: {
      threshold: 0.05,
      layers: [
        { layer: 'conv', depth: 0, method: 'pwcca', convergenceStep: 10, auc: 2.8125, aucNormalised: 0.140625 },
        { layer: 'fc', depth: 1, method: 'pwcca', convergenceStep: 20, auc: 5, aucNormalised: 0.25 },
        { layer: 'conv', depth: 0, method: 'cca', convergenceStep: 20, auc: 3.75, aucNormalised: 0.1875 },
        { layer: 'fc', depth: 1, method: 'cca', convergenceStep: 20, auc: 7.5, aucNormalised: 0.375 },
      ],
      bottomUp: [
        { method: 'pwcca', spearman: 1, pValue: null, layersConverged: 2, orderedFraction: null, orderedSteps: 0, failedLayers: [] },
        { method: 'cca', spearman: null, pValue: null, layersConverged: 2, orderedFraction: null, orderedSteps: 0, failedLayers: [] },
      ],
    },
    warnings: ['run ckpt has no checkpoint for 1 step(s)'],
    stats: { comparisons: 4, resumed: 0, failed: 1, loads: 6, prepares: 6, evictions: 0, streamed: false },
  };
}

describe('convergence CSV', () => {
  it('has one row per run, layer, step and method, with the documented columns', () => {
    const text = toConvergenceCsv(sampleReport());
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe(CONVERGENCE_CSV_COLUMNS.join(','));
    expect(lines[0].startsWith('run,layer,step,method,similarity,distance')).toBe(true);
    expect(lines).toHaveLength(1 + 12);
    expect(text).toMatchSnapshot();
  });
});

describe('convergence JSON', () => {
  it('carries the documented top-level fields and round-trips', () => {
    const doc = JSON.parse(toConvergenceJson(sampleReport()));
    for (const key of ['schemaVersion', 'options', 'steps', 'layers', 'cells', 'summary', 'warnings']) expect(doc).toHaveProperty(key);
    expect(doc.command).toBe('convergence');
    expect(doc.cells[0]).toMatchObject({ run: 'ckpt', layer: 'conv', step: 0, method: 'pwcca', similarity: 0.75, distance: 0.25 });
    expect(doc.cells[8].error.message).toMatch(/different numbers of datapoints/);
    expect(doc.summary.layers[0]).toMatchObject({ layer: 'conv', method: 'pwcca', convergenceStep: 10, auc: 2.8125 });
    expect(doc.summary.bottomUp[0]).toMatchObject({ method: 'pwcca', spearman: 1 });
    expect(doc).not.toHaveProperty('directions');
    expect(buildConvergenceJson(sampleReport()).stats).toEqual({ comparisons: 4, resumed: 0, failed: 1 });
  });
});

describe('convergence table', () => {
  it('renders a layers x steps grid per method, the summary and the failures', () => {
    const text = toConvergenceTable(sampleReport());
    expect(text).toMatch(/^PWCCA distance to step 20$/m);
    expect(text).toMatch(/^conv\s+0\.2500\s+0\.0313\s+0\.0000\s+10\s+0\.1406$/m);
    expect(text).toMatch(/^fc\s+0\.5000\s+error\s+0\.0000\s+20\s+0\.2500$/m);
    expect(text).toMatch(/1 comparison failed/);
    expect(text).toMatchSnapshot();
  });

  it('shows mean ± std with several runs', () => {
    const report = { ...sampleReport(), runs: ['a', 'b'] };
    const text = toConvergenceTable(report);
    expect(text).toMatch(/mean ± std over 2 runs/);
    expect(text).toMatch(/0\.2500±0\.0000/);
  });
});

import { describe, expect, test } from 'vitest';
import { InputError, UsageError } from '../../src/errors.js';
import { buildPlotDocument, type CompareDocument, type ConvergenceDocument, type PairwiseDocument } from '../../src/plot/document.js';
import { buildFigures } from '../../src/plot/figures.js';
import { buildGridSpec, shortenLabels, truncateMiddle, type VlSpec } from '../../src/plot/specs/common.js';
import { buildCoefficientRows, buildCompareFigures } from '../../src/plot/specs/compare.js';
import { buildConvergenceFigures, buildCurvePoints } from '../../src/plot/specs/convergence.js';
import { buildDendrogram } from '../../src/plot/specs/dendrogram.js';
import { buildGroupSummaryBars } from '../../src/plot/specs/group-summary.js';
import { buildPairwiseFigures, heatmapOrder } from '../../src/plot/specs/pairwise.js';
import { compareDocument, convergenceDocument, pairwiseDocument } from './documents.js';

/** Every unit view (with a mark) inside a spec, depth first. */
function units(spec: VlSpec): VlSpec[] {
  const children = ['layer', 'vconcat', 'hconcat', 'concat'].flatMap((key) => (Array.isArray(spec[key]) ? (spec[key] as VlSpec[]) : []));
  return [...(spec.mark ? [spec] : []), ...children.flatMap(units)];
}

function markType(unit: VlSpec): string {
  return typeof unit.mark === 'string' ? unit.mark : (unit.mark as { type: string }).type;
}

const pairwise = (options = {}) => buildPlotDocument(pairwiseDocument(options), 'p.json') as PairwiseDocument;

describe('dendrogram', () => {
  // A, B, C, D: B+D at 0.1 (node 4), A+C at 0.3 (node 5), then 5+4 at 0.6.
  const linkage = [
    [1, 3, 0.1, 2],
    [0, 2, 0.3, 2],
    [5, 4, 0.6, 4],
  ];

  test('leaf order follows the tree, left child first, and each merge sits over the middle of its children', () => {
    const tree = buildDendrogram(linkage, 4);
    expect(tree.order).toEqual([0, 2, 1, 3]);
    expect(tree.maxHeight).toBe(0.6);
    const segments = tree.segments.map(({ x, x2, y, y2 }) => [x, x2, y, y2]);
    expect(segments).toEqual([
      [2.5, 2.5, 0, 0.1], [3.5, 3.5, 0, 0.1], [2.5, 3.5, 0.1, 0.1],
      [0.5, 0.5, 0, 0.3], [1.5, 1.5, 0, 0.3], [0.5, 1.5, 0.3, 0.3],
      [1, 1, 0.3, 0.6], [3, 3, 0.1, 0.6], [1, 3, 0.6, 0.6],
    ]);
  });

  test('a malformed linkage is an InputError', () => {
    expect(() => buildDendrogram(linkage.slice(0, 2), 4)).toThrow(InputError);
    expect(() => buildDendrogram([[1, 3, 0.1, 2], [1, 2, 0.3, 2], [5, 4, 0.6, 4]], 4)).toThrow(/refers to 1/);
    expect(() => buildDendrogram([[1, 5, 0.1, 2], [0, 2, 0.3, 2], [5, 4, 0.6, 4]], 4)).toThrow(/row 0 refers to 5/);
  });
});

describe('pairwise specs', () => {
  test('a heatmap per layer and method: rect cells over row and column, viridis on [0, 1], both axes in the linkage leaf order', () => {
    const doc = pairwise({ linkage: true, methods: ['pwcca', 'cca'] });
    const figures = buildPairwiseFigures(doc);
    expect(figures.map((f) => f.id)).toEqual(['heatmap-fc1-pwcca', 'groups-fc1-pwcca', 'heatmap-fc1-cca', 'groups-fc1-cca', 'heatmap-fc2-pwcca', 'groups-fc2-pwcca', 'heatmap-fc2-cca', 'groups-fc2-cca']);
    const matrix = doc.matrices[0];
    const { order } = heatmapOrder(matrix, 'pwcca');
    const tree = buildDendrogram(matrix.clusters?.pwcca.linkage as number[][], 6);
    expect(order).toEqual(tree.order.map((i) => matrix.labels[i]));
    const spec = figures[0].spec;
    expect(spec.vconcat).toHaveLength(2);
    const [dendrogram, cells] = units(spec);
    expect(markType(dendrogram)).toBe('rule');
    expect(markType(cells)).toBe('rect');
    const encoding = cells.encoding as Record<string, Record<string, unknown>>;
    expect([encoding.x.field, encoding.y.field, encoding.color.field]).toEqual(['col', 'row', 'distance']);
    expect(encoding.x.sort).toEqual(order);
    expect(encoding.y.sort).toEqual(order);
    expect(encoding.color.scale).toMatchObject({ scheme: 'viridis', domain: [0, 1] });
    const values = (cells.data as { values: { row: string; col: string; distance: number }[] }).values;
    expect(values).toHaveLength(36);
    expect(values[1]).toEqual({ row: matrix.labels[0], col: matrix.labels[1], distance: matrix.methods.pwcca.distance[0][1] });
    expect(figures[0].title).toMatch(/^PWCCA distance between networks, layer fc1 \(variant paper · N = 500 · 6 networks · ordered by single-linkage clustering \(k = 2\)\)$/);
    expect(figures[2].title).toMatch(/^mean CCA distance between networks, layer fc1 \(N = 500/);
  });

  test('without a linkage the report cluster order is used; group bands run along both axes', () => {
    const raw = pairwiseDocument();
    const layer = (raw.layers as Record<string, unknown>[])[0];
    layer.clusters = { pwcca: { linkage: 'average', k: 2, order: ['mem/s1', 'gen/s1', 'mem/s2', 'gen/s2', 'mem/s3', 'gen/s3'] } };
    const doc = buildPlotDocument(raw, 'p.json') as PairwiseDocument;
    const heatmap = buildPairwiseFigures(doc, { layer: 'fc1', method: 'pwcca' })[0];
    expect(heatmap.spec.vconcat).toBeUndefined();
    const all = units(heatmap.spec);
    expect((all[0].encoding as { x: { sort: string[] } }).x.sort).toEqual(['mem/s1', 'gen/s1', 'mem/s2', 'gen/s2', 'mem/s3', 'gen/s3']);
    const bands = all.filter((unit) => (unit.encoding as { color?: { field?: string } }).color?.field === 'group');
    expect(bands.map((unit) => Object.keys(unit.encoding as object).sort())).toEqual([
      ['color', 'tooltip', 'x', 'y', 'y2'],
      ['color', 'tooltip', 'x', 'x2', 'y'],
    ]);
    expect(heatmap.title).toMatch(/ordered by average-linkage clustering \(k = 2\)/);
  });

  test('group summary: a bar per group and pair of groups with mean +- std, and the group test p on between bars', () => {
    const bars = buildGroupSummaryBars(
      [{ group: 'gen', mean: 0.2, std: 0.05, count: 3 }, { group: 'mem', mean: 0.3, std: null, count: 3 }],
      [{ groupA: 'gen', groupB: 'mem', mean: 0.7, std: 0.1, count: 9 }],
      [{ groups: ['mem', 'gen'], pValue: 0.004, permutations: 249 }],
    );
    expect(bars.map(({ name, kind, low, high, pText }) => [name, kind, +low.toFixed(10), +high.toFixed(10), pText])).toEqual([
      ['within gen', 'within', 0.15, 0.25, ''],
      ['within mem', 'within', 0.3, 0.3, ''],
      ['gen vs mem', 'between', 0.6, 0.8, 'p = 0.004'],
    ]);
    const figure = buildPairwiseFigures(pairwise({ groupTest: true }))[1];
    const marks = units(figure.spec).map(markType);
    expect(marks).toEqual(['bar', 'rule', 'tick', 'tick', 'text']);
    expect(figure.title).toMatch(/p: permutation test of between - within \(999 permutations\)/);
  });

  test('--layer and --method select; an unknown name is a usage error that lists the choices', () => {
    const doc = pairwise({ methods: ['pwcca', 'cca'] });
    expect(buildFigures(doc, { layer: 'fc2', method: 'cca' }).map((f) => f.id)).toEqual(['heatmap-fc2-cca', 'groups-fc2-cca']);
    expect(() => buildFigures(doc, { layer: 'fc9' })).toThrow(UsageError);
    expect(() => buildFigures(doc, { layer: 'fc9' })).toThrow(/it has fc1, fc2/);
    expect(() => buildFigures(doc, { method: 'cka' })).toThrow(/--method cka: not in this report \(it has pwcca, cca\)/);
  });
});

describe('convergence specs', () => {
  const doc = buildPlotDocument(convergenceDocument({ directions: true }), 'c.json') as ConvergenceDocument;

  test('one line per layer in depth order over steps, y on [0, 1], a std band over runs, diamonds at the convergence steps', () => {
    const points = buildCurvePoints(doc, 'pwcca');
    expect([...new Set(points.map((p) => p.layer))]).toEqual(['conv1', 'conv2', 'conv3', 'fc']);
    expect(points.filter((p) => p.layer === 'conv1').map((p) => p.step)).toEqual([0, 1000, 2000, 3000, 4000, 5000]);
    const [figure, , directions] = buildConvergenceFigures(doc);
    const all = units(figure.spec);
    expect(all.map(markType)).toEqual(['area', 'line', 'rule', 'text', 'point']);
    const line = all[1].encoding as Record<string, Record<string, unknown>>;
    expect([line.x.field, line.y.field, line.color.field]).toEqual(['step', 'mean', 'layer']);
    expect(line.y.scale).toEqual({ domain: [0, 1] });
    expect(line.color.sort).toEqual(['conv1', 'conv2', 'conv3', 'fc']);
    const diamonds = (all[4].data as { values: { layer: string; step: number }[] }).values;
    const expected = (doc.summary.filter((s) => s.method === 'pwcca')).map((s) => [s.layer, s.convergenceStep]);
    expect(diamonds.map((d) => [d.layer, d.step])).toEqual(expected);
    expect(figure.title).toBe('PWCCA distance to step 5000 against training step (variant paper · 3 runs (band: ± std over runs) · 4 layers · ◆ convergence step (distance ≤ 0.05 from then on))');
    const dirEncoding = units(directions.spec)[1].encoding as Record<string, Record<string, unknown>>;
    expect(dirEncoding.strokeDash.field).toBe('set');
    expect(directions.title).toMatch(/^Stable vs unstable directions \(K = 3\)/);
  });

  test('--layer keeps one layer', () => {
    const figures = buildConvergenceFigures(doc, { layer: 'conv2', method: 'cca' });
    expect(figures.map((f) => f.id)).toEqual(['convergence-cca', 'directions']);
    const points = (units(figures[0].spec)[1].data as { values: { layer: string }[] }).values;
    expect(new Set(points.map((p) => p.layer))).toEqual(new Set(['conv2']));
  });
});

describe('compare specs', () => {
  test('canonical correlations sorted descending with each direction keeping its own PWCCA weight', () => {
    const doc = buildPlotDocument({ ...compareDocument(), cca: { similarity: 0.7, mean: 0.7, coefficients: [0.5, 0.9] }, pwcca: { similarity: 0.8, weights: [0.2, 0.8] }, svcca: undefined }, 'x.json') as CompareDocument;
    expect(buildCoefficientRows(doc)).toEqual([
      { index: 1, series: 'CCA', rho: 0.9, weight: 0.8 },
      { index: 2, series: 'CCA', rho: 0.5, weight: 0.2 },
    ]);
  });

  test('coefficients over weights with the three similarities in the title; the null histogram with the observed value', () => {
    const doc = buildPlotDocument(compareDocument({ significance: true }), 'x.json') as CompareDocument;
    const [coefficients, nullFigure] = buildCompareFigures(doc);
    expect(coefficients.title).toBe('Canonical correlations and PWCCA weights, run1/conv2.npy vs run2/conv2.npy (similarity: PWCCA 0.810, mean CCA 0.535, SVCCA 0.760 · variant paper · N = 400)');
    expect(units(coefficients.spec).map(markType)).toEqual(['line', 'rule', 'text', 'rect']);
    const marks = units(nullFigure.spec);
    expect(marks.map(markType)).toEqual(['bar', 'rule', 'text']);
    expect((marks[0].encoding as { x: { bin: unknown } }).x.bin).toBeTruthy();
    expect((marks[0].data as { values: unknown[] }).values).toHaveLength(200);
    expect(((nullFigure.spec.layer as VlSpec[])[1].data as { values: { value: number }[] }).values[0].value).toBe(0.81);
    expect((marks[1].encoding as { x: { field: string } }).x.field).toBe('value');
    expect(nullFigure.title).toMatch(/200 row shuffles · seed 7 · null mean 0.300 ± 0.040 · excess 0.510 · p = 0.005/);
    expect(buildCompareFigures(doc, { method: 'pwcca' })).toHaveLength(2);
  });
});

describe('labels and grid', () => {
  test('long labels: the shared lead and tail go, the rest is cut in the middle', () => {
    expect(truncateMiddle('abcdefghijklmnopqrstuvwxyz', 9)).toBe('abcd…wxyz');
    expect(truncateMiddle('short', 9)).toBe('short');
    expect(shortenLabels(['runs/a/s1/ckpt', 'runs/a/s2/ckpt'])).toEqual({ short: ['s1', 's2'], prefix: 'runs/a/', suffix: '/ckpt' });
    expect(shortenLabels(['gen1', 'gen2']).short).toEqual(['gen1', 'gen2']);
    const long = ['x/' + 'a'.repeat(40) + '-1', 'x/' + 'b'.repeat(40) + '-1'];
    expect(shortenLabels(long, 9).short).toEqual(['aaaa…aaaa', 'bbbb…bbbb']);
    // Cutting would make the names equal: fall back to whole labels cut in the middle.
    expect(new Set(shortenLabels(['p/' + 'a'.repeat(30) + 'X', 'p/' + 'a'.repeat(30) + 'Y'], 9).short).size).toBe(2);
  });

  test('several figures make one grid spec with independent scales; one figure stands alone', () => {
    const figures = buildFigures(pairwise());
    const grid = buildGridSpec(figures, 2);
    expect(grid.columns).toBe(2);
    expect(grid.concat).toHaveLength(4);
    expect(grid.$schema).toMatch(/vega-lite\/v6/);
    const single = buildGridSpec(figures.slice(0, 1));
    expect(single.concat).toBeUndefined();
    expect((single.config as { font: string }).font).toMatch(/^DejaVu Sans/);
  });
});

describe('compare reports with less in them', () => {
  test('only a permutation test: the null figure alone; nothing at all: an InputError', () => {
    const doc = buildPlotDocument({ schemaVersion: 1, command: 'compare', significance: { test: 'permutation', permutations: 10, seed: 0, cka: { observed: 0.5, pValue: 0.09, nullMean: 0.2, nullStd: 0.1 } } }, 'x.json');
    expect(buildFigures(doc).map((f) => f.id)).toEqual(['null-cka']);
    const empty = buildPlotDocument({ schemaVersion: 1, command: 'compare', significance: { test: 'permutation' } }, 'x.json');
    expect(() => buildFigures(empty, {}, 'x.json')).toThrow(/nothing to draw in this compare report/);
  });
});

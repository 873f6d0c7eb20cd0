import type { ConvergenceDocument } from '../document.js';
import { DEFAULT_WIDTH, methodName, middleTruncateExpr, selectNamed, type Figure, type FigureOptions, type SelectOptions, type VlSpec } from './common.js';

/** One point of a convergence curve: mean distance over runs and its band. */
export interface CurvePoint {
  layer: string;
  step: number;
  mean: number;
  std: number;
  low: number;
  high: number;
  runs: number;
}

/** Layer colours in depth order: viridis without its pale yellow end, readable on white. */
function layerColor(layers: readonly string[]): VlSpec {
  return {
    field: 'layer',
    type: 'nominal',
    sort: layers,
    scale: { domain: layers, scheme: { name: 'viridis', extent: [0, 0.85] } },
    legend: { title: 'layer (depth order)', labelExpr: middleTruncateExpr(24, 'datum.label'), symbolType: 'stroke', symbolOpacity: 1, symbolStrokeWidth: 2.5 },
  };
}

/** The curve points of one method, by layer in depth order then step; missing means are left out. */
export function buildCurvePoints(doc: ConvergenceDocument, method: string): CurvePoint[] {
  const depth = new Map(doc.layers.map((layer, i) => [layer, i]));
  return doc.table
    .filter((row) => row.method === method && row.mean !== null)
    .map((row) => {
      const mean = row.mean as number;
      const std = row.std ?? 0;
      return { layer: row.layer, step: row.step, mean, std, low: Math.max(0, mean - std), high: Math.min(1, mean + std), runs: row.runs };
    })
    .sort((a, b) => (depth.get(a.layer) ?? 0) - (depth.get(b.layer) ?? 0) || a.step - b.step);
}

/**
 * Distance to the reference step against step for one method: a line per
 * layer (depth order), a band of +- std over runs, the threshold, and each
 * layer's convergence step marked with a diamond.
 */
export function buildConvergenceFigure(doc: ConvergenceDocument, method: string, options: FigureOptions = {}): Figure {
  const points = buildCurvePoints(doc, method);
  const layers = doc.layers.filter((layer) => points.some((p) => p.layer === layer));
  const color = layerColor(layers);
  const x = { field: 'step', type: 'quantitative', axis: { title: 'training step' }, scale: { nice: false } };
  const tooltip = [
    { field: 'layer', type: 'nominal' },
    { field: 'step', type: 'quantitative' },
    { field: 'mean', type: 'quantitative', title: 'distance (mean)', format: '.4f' },
    { field: 'std', type: 'quantitative', title: 'std over runs', format: '.4f' },
    { field: 'runs', type: 'quantitative' },
  ];
  const manyRuns = points.some((p) => p.runs > 1);
  const layersSpec: VlSpec[] = [];
  if (manyRuns) {
    layersSpec.push({
      data: { values: points },
      mark: { type: 'area', opacity: 0.18 },
      encoding: { x, y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' }, color },
    });
  }
  layersSpec.push({
    data: { values: points },
    mark: { type: 'line', point: { size: 28 }, strokeWidth: 2 },
    encoding: {
      x,
      y: { field: 'mean', type: 'quantitative', scale: { domain: [0, 1] }, axis: { title: `${methodName(method)} distance to step ${doc.referenceStep ?? 'reference'}` } },
      color,
      tooltip,
    },
  });
  if (doc.threshold !== null) {
    layersSpec.push({
      data: { values: [{ threshold: doc.threshold, text: `threshold ${doc.threshold}` }] },
      layer: [
        { mark: { type: 'rule', strokeDash: [4, 3], color: '#777' }, encoding: { y: { field: 'threshold', type: 'quantitative' } } },
        { mark: { type: 'text', align: 'right', dy: -6, color: '#555', fontSize: 10 }, encoding: { y: { field: 'threshold', type: 'quantitative' }, x: { value: options.width ?? DEFAULT_WIDTH }, text: { field: 'text' } } },
      ],
    });
  }
  const marks = doc.summary
    .filter((s) => s.method === method && s.convergenceStep !== null)
    .map((s) => {
      const at = points.find((p) => p.layer === s.layer && p.step === s.convergenceStep);
      return at ? { layer: s.layer, step: s.convergenceStep as number, mean: at.mean, label: `${s.layer} converged at step ${s.convergenceStep}` } : null;
    })
    .filter((m): m is NonNullable<typeof m> => m !== null);
  if (marks.length > 0) {
    layersSpec.push({
      data: { values: marks },
      mark: { type: 'point', shape: 'diamond', filled: true, size: 150, stroke: 'black', strokeWidth: 1, opacity: 1 },
      encoding: {
        x,
        y: { field: 'mean', type: 'quantitative' },
        color,
        tooltip: [{ field: 'label', type: 'nominal', title: 'convergence' }],
      },
    });
  }
  const runs = doc.runs.length;
  const text = `${methodName(method)} distance to step ${doc.referenceStep ?? 'reference'} against training step`;
  const subtitle = [
    method === 'pwcca' && doc.variant ? `variant ${doc.variant}` : null,
    `${runs} run${runs === 1 ? '' : 's'}${manyRuns ? ' (band: ± std over runs)' : ''}`,
    `${layers.length} layers`,
    marks.length > 0 && doc.threshold !== null ? `◆ convergence step (distance ≤ ${doc.threshold} from then on)` : null,
  ].filter((part): part is string => part !== null);
  return {
    id: `convergence-${method}`,
    title: `${text} (${subtitle.join(' · ')})`,
    spec: { title: { text, subtitle: subtitle.join(' · ') }, width: options.width ?? DEFAULT_WIDTH, height: Math.round((options.width ?? DEFAULT_WIDTH) * 0.65), layer: layersSpec },
  };
}

/** Stable vs unstable directions (`--directions`): mean correlation of each set with the layer at later steps. */
export function buildDirectionsFigure(doc: ConvergenceDocument, options: FigureOptions = {}): Figure | null {
  const directions = doc.directions;
  if (!directions || directions.mean.length === 0) return null;
  const rows = directions.mean.flatMap((entry) =>
    (['stable', 'unstable'] as const)
      .filter((set) => entry[set].mean !== null)
      .map((set) => {
        const mean = entry[set].mean as number;
        const std = entry[set].std ?? 0;
        return { layer: entry.layer, step: entry.step, set, mean, std, low: Math.max(0, mean - std), high: Math.min(1, mean + std), runs: entry[set].runs };
      }),
  );
  const layers = doc.layers.filter((layer) => rows.some((r) => r.layer === layer));
  const color = layerColor(layers);
  const x = { field: 'step', type: 'quantitative', axis: { title: 'training step' }, scale: { nice: false } };
  const dash = { field: 'set', type: 'nominal', scale: { domain: ['stable', 'unstable'], range: [[1, 0], [5, 3]] }, legend: { title: 'directions', symbolType: 'stroke', symbolStrokeWidth: 2, symbolSize: 300, symbolOpacity: 1, encode: { symbols: { update: { stroke: { value: '#333' } } } } } };
  const layer: VlSpec[] = [];
  if (rows.some((r) => r.runs > 1)) {
    layer.push({ mark: { type: 'area', opacity: 0.15 }, encoding: { x, y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' }, color, detail: { field: 'set' } } });
  }
  layer.push({
    mark: { type: 'line', point: { size: 28 }, strokeWidth: 2 },
    encoding: {
      x,
      y: { field: 'mean', type: 'quantitative', scale: { domain: [0, 1] }, axis: { title: 'correlation with the layer' } },
      color,
      strokeDash: dash,
      tooltip: [
        { field: 'layer', type: 'nominal' },
        { field: 'set', type: 'nominal', title: 'directions' },
        { field: 'step', type: 'quantitative' },
        { field: 'mean', type: 'quantitative', format: '.4f' },
        { field: 'std', type: 'quantitative', format: '.4f' },
      ],
    },
  });
  const text = `Stable vs unstable directions (K = ${directions.requested}) against training step`;
  const subtitle = `directions: CCA between steps ${directions.earlyStep} and ${directions.middleStep} · mean multiple correlation of each set with the layer · ${doc.runs.length} run${doc.runs.length === 1 ? '' : 's'}`;
  const width = options.width ?? DEFAULT_WIDTH;
  return {
    id: 'directions',
    title: `${text} (${subtitle})`,
    spec: { title: { text, subtitle }, width, height: Math.round(width * 0.65), data: { values: rows }, layer },
  };
}

/** Every figure of a convergence report: one curve figure per method, and the directions figure when present. */
export function buildConvergenceFigures(doc: ConvergenceDocument, options: SelectOptions = {}): Figure[] {
  const methods = selectNamed(doc.methods, (m) => m, options.method, '--method');
  let selected = doc;
  if (options.layer !== undefined) {
    const layer = selectNamed(doc.layers, (l) => l, options.layer, '--layer')[0];
    selected = {
      ...doc,
      layers: [layer],
      table: doc.table.filter((row) => row.layer === layer),
      summary: doc.summary.filter((row) => row.layer === layer),
      directions: doc.directions ? { ...doc.directions, mean: doc.directions.mean.filter((row) => row.layer === layer) } : null,
    };
  }
  const figures = methods.map((method) => buildConvergenceFigure(selected, method, options));
  const directions = buildDirectionsFigure(selected, options);
  if (directions) figures.push(directions);
  return figures;
}

import { GROUP_COLORS, LABEL_MAX_CHARS, axisValues, labelLookupExpr, middleTruncateExpr, shortenLabels, type VlSpec } from './common.js';

/** What a heatmap draws: a square distance matrix over labelled items. */
export interface HeatmapInput {
  labels: readonly string[];
  /** Group of each label (null: none); drawn as bands along both axes when any is set. */
  groups: readonly (string | null)[];
  distance: readonly (readonly (number | null)[])[];
  /** Labels in drawing order (e.g. the clustering's leaf order); default: as given. */
  order?: readonly string[];
  /** Plot-area side in pixels. */
  size: number;
  /** Colour domain; default [0, 1] so figures compare. */
  domain?: [number, number];
  axisTitle?: string;
}

/** One cell of the heatmap's data. */
export interface HeatmapCell {
  row: string;
  col: string;
  distance: number | null;
}

/** Default side of a heatmap for `n` labels: roomy cells for a few, small cells for many. */
export function defaultHeatmapSize(n: number): number {
  if (n <= 16) return Math.min(400, Math.max(180, n * 36));
  return Math.min(800, Math.max(400, n * 10));
}

/** The cells of a distance matrix, row-major, one per entry (null for a failed pair). */
export function buildHeatmapCells(labels: readonly string[], distance: readonly (readonly (number | null)[])[]): HeatmapCell[] {
  const cells: HeatmapCell[] = [];
  labels.forEach((row, i) => labels.forEach((col, j) => cells.push({ row, col, distance: distance[i][j] })));
  return cells;
}

/** The lead and tail every label shares, dropped from the axes (for the title), or null. */
export function sharedLabelParts(labels: readonly string[]): string | null {
  const { prefix, suffix } = shortenLabels(labels);
  if (prefix === '' && suffix === '') return null;
  return `labels: ${prefix}…${suffix}`;
}

/**
 * A heatmap of a square distance matrix: viridis on a fixed domain with its
 * legend, labels on both axes in `order`, group bands along the top and left
 * edges, values printed in the cells when they are large enough to read, and
 * failed pairs in grey. Long labels are shortened in the middle on the axes;
 * tooltips show them whole.
 */
export function buildHeatmapSpec(input: HeatmapInput): VlSpec {
  const n = input.labels.length;
  const order = [...(input.order ?? input.labels)];
  const size = input.size;
  const cellSize = size / Math.max(1, n);
  const hasGroups = input.groups.some((g) => g !== null);
  const names = shortenLabels(input.labels);
  const longest = Math.max(0, ...names.short.map((l) => l.length));
  const labelFontSize = cellSize >= 12 ? 10 : cellSize >= 8 ? 8 : 7;
  const shown = axisValues(order, Math.max(10, Math.floor(size / (labelFontSize + 2))));
  const axisCommon = {
    title: input.axisTitle ?? null,
    labelExpr: labelLookupExpr(input.labels, names.short),
    labelFontSize,
    labelLimit: 0,
    ticks: false,
    domain: false,
    ...(shown ? { values: shown } : {}),
  };
  const cells = buildHeatmapCells(input.labels, input.distance);
  const sortedAxis = (channel: 'x' | 'y', field: string) => ({
    field,
    type: 'nominal',
    sort: order,
    scale: { domain: order, paddingInner: 0, paddingOuter: 0 },
    axis:
      channel === 'x'
        ? { ...axisCommon, orient: 'bottom', labelAngle: cellSize < 14 ? -90 : longest > 3 ? -45 : 0 }
        : { ...axisCommon, orient: 'left', offset: hasGroups ? 12 : 2 },
  });
  const tooltip = [
    { field: 'row', type: 'nominal', title: 'row' },
    { field: 'col', type: 'nominal', title: 'column' },
    { field: 'distance', type: 'quantitative', title: 'distance', format: '.4f' },
  ];
  const layers: VlSpec[] = [
    {
      data: { values: cells },
      mark: { type: 'rect', invalid: 'filter' },
      encoding: {
        x: sortedAxis('x', 'col'),
        y: sortedAxis('y', 'row'),
        color: {
          field: 'distance',
          type: 'quantitative',
          scale: { scheme: 'viridis', domain: input.domain ?? [0, 1], clamp: true },
          legend: { title: 'distance', gradientLength: Math.max(80, Math.min(200, size * 0.6)) },
        },
        // A hairline of the cell's own colour closes the anti-aliasing seams between neighbouring cells.
        stroke: { field: 'distance', type: 'quantitative', scale: { scheme: 'viridis', domain: input.domain ?? [0, 1], clamp: true }, legend: null },
        strokeWidth: { value: 0.5 },
        tooltip,
      },
    },
  ];
  if (cells.some((cell) => cell.distance === null)) {
    layers.push({
      data: { values: cells.filter((cell) => cell.distance === null).map(({ row, col }) => ({ row, col, status: 'failed (no value)' })) },
      mark: { type: 'rect', color: '#d0d0d0' },
      encoding: {
        x: { field: 'col', type: 'nominal', sort: order },
        y: { field: 'row', type: 'nominal', sort: order },
        tooltip: [tooltip[0], tooltip[1], { field: 'status', type: 'nominal', title: 'distance' }],
      },
    });
  }
  if (n <= 14 && cellSize >= 26) {
    layers.push({
      data: { values: cells.filter((cell) => cell.distance !== null) },
      mark: { type: 'text', fontSize: Math.min(11, Math.floor(cellSize / 3.2)) },
      encoding: {
        x: { field: 'col', type: 'nominal', sort: order },
        y: { field: 'row', type: 'nominal', sort: order },
        text: { field: 'distance', type: 'quantitative', format: '.2f' },
        // Viridis is dark below about 0.55 of its range: white text there, black above.
        color: { condition: { test: `datum.distance < ${0.55 * ((input.domain ?? [0, 1])[1] - (input.domain ?? [0, 1])[0]) + (input.domain ?? [0, 1])[0]}`, value: 'white' }, value: 'black' },
        tooltip,
      },
    });
  }
  if (hasGroups) {
    const bands = input.labels.map((label, i) => ({ row: label, col: label, group: input.groups[i] ?? '(none)' }));
    const groupColor = {
      field: 'group',
      type: 'nominal',
      scale: { range: GROUP_COLORS },
      legend: { title: 'group', labelExpr: middleTruncateExpr(LABEL_MAX_CHARS, 'datum.label') },
    };
    const bandTooltip = [
      { field: 'col', type: 'nominal', title: 'label' },
      { field: 'group', type: 'nominal', title: 'group' },
    ];
    // Both bands share one group colour scale; the outer layer keeps it apart from the distance scale.
    layers.push({
      layer: [
        {
          data: { values: bands },
          mark: { type: 'rect' },
          encoding: { x: { field: 'col', type: 'nominal', sort: order }, y: { value: -9 }, y2: { value: -2 }, color: groupColor, tooltip: bandTooltip },
        },
        {
          data: { values: bands },
          mark: { type: 'rect' },
          encoding: { y: { field: 'row', type: 'nominal', sort: order }, x: { value: -9 }, x2: { value: -2 }, color: groupColor, tooltip: bandTooltip },
        },
      ],
    });
  }
  return {
    width: size,
    height: size,
    layer: layers,
    resolve: { scale: { color: 'independent' } },
  };
}

import type { BetweenGroupStat, GroupTest, WithinGroupStat } from '../document.js';
import { formatP, middleTruncateExpr, type VlSpec } from './common.js';

/** One bar of the within/between summary. */
export interface GroupSummaryBar {
  name: string;
  kind: 'within' | 'between';
  mean: number;
  std: number;
  low: number;
  high: number;
  count: number;
  /** The group test's p-value for a between bar, when the report has one. */
  pValue: number | null;
  pText: string;
}

/**
 * Bars of a layer's group statistics: one per group (within) and one per pair
 * of groups (between), each with mean +- std, and the group test's p-value on
 * the between bars when present.
 */
export function buildGroupSummaryBars(within: readonly WithinGroupStat[], between: readonly BetweenGroupStat[], tests: readonly GroupTest[] = []): GroupSummaryBar[] {
  const bars: GroupSummaryBar[] = [];
  const bar = (name: string, kind: 'within' | 'between', stat: { mean: number | null; std: number | null; count: number }, pValue: number | null) => {
    if (stat.mean === null || !Number.isFinite(stat.mean)) return;
    const std = stat.std !== null && Number.isFinite(stat.std) ? stat.std : 0;
    bars.push({ name, kind, mean: stat.mean, std, low: stat.mean - std, high: stat.mean + std, count: stat.count, pValue, pText: pValue === null ? '' : formatP(pValue) });
  };
  for (const stat of within) bar(`within ${stat.group}`, 'within', stat, null);
  for (const stat of between) {
    const test = tests.find((t) => Array.isArray(t.groups) && t.groups.length === 2 && new Set(t.groups).size === new Set([stat.groupA, stat.groupB]).size && t.groups.every((g) => g === stat.groupA || g === stat.groupB));
    bar(`${stat.groupA} vs ${stat.groupB}`, 'between', stat, test && typeof test.pValue === 'number' ? test.pValue : null);
  }
  return bars;
}

/** The within/between bar chart with error bars (mean +- std over the pairs), y on [0, 1]. */
export function buildGroupSummarySpec(bars: readonly GroupSummaryBar[], height = 220): VlSpec {
  const names = bars.map((b) => b.name);
  const x = {
    field: 'name',
    type: 'nominal',
    sort: names,
    axis: { title: null, labelAngle: -30, labelExpr: middleTruncateExpr(28, 'datum.label'), labelLimit: 0 },
  };
  const tooltip = [
    { field: 'name', type: 'nominal', title: 'pairs' },
    { field: 'mean', type: 'quantitative', format: '.4f' },
    { field: 'std', type: 'quantitative', format: '.4f' },
    { field: 'count', type: 'quantitative', title: 'pairs counted' },
    ...(bars.some((b) => b.pValue !== null) ? [{ field: 'pText', type: 'nominal', title: 'group test' }] : []),
  ];
  const layers: VlSpec[] = [
    {
      mark: { type: 'bar' },
      encoding: {
        x,
        y: { field: 'mean', type: 'quantitative', scale: { domain: [0, 1] }, axis: { title: 'mean distance' } },
        color: { field: 'kind', type: 'nominal', scale: { domain: ['within', 'between'], range: ['#44AA99', '#882255'] }, legend: { title: null } },
        tooltip,
      },
    },
    {
      mark: { type: 'rule', strokeWidth: 1.5, color: '#222' },
      encoding: { x, y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' }, tooltip },
    },
    {
      mark: { type: 'tick', color: '#222', thickness: 1.5, size: 10 },
      encoding: { x, y: { field: 'high', type: 'quantitative' } },
    },
    {
      mark: { type: 'tick', color: '#222', thickness: 1.5, size: 10 },
      encoding: { x, y: { field: 'low', type: 'quantitative' } },
    },
  ];
  if (bars.some((b) => b.pValue !== null)) {
    layers.push({
      transform: [{ filter: 'datum.pValue !== null' }],
      mark: { type: 'text', dy: -8, fontSize: 10 },
      encoding: { x, y: { field: 'high', type: 'quantitative' }, text: { field: 'pText' } },
    });
  }
  return {
    width: { step: 44 },
    height,
    data: { values: bars },
    layer: layers,
  };
}

import type { ConvergenceMethod, ConvergenceReport } from '../studies/convergence/run.js';
import { locationSuffix } from './location.js';
import { plainPaint, type Paint } from './table.js';

const METHOD_NAMES: Record<ConvergenceMethod, string> = { pwcca: 'PWCCA', cca: 'CCA', svcca: 'SVCCA', cka: 'CKA' };

/** Four decimals in the grid (a layers x steps table gets wide); CSV and JSON carry full precision. */
function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function fixed(value: number | null, digits = 4): string {
  return value === null ? '-' : value.toFixed(digits);
}

/**
 * `pwcca convergence` for people: per method, a layers x steps grid of the
 * distance to the reference step (mean ± std with several runs), then each
 * layer's convergence step and normalised area, and the bottom-up score;
 * the stable/unstable directions when asked; and the failed comparisons.
 */
export function toConvergenceTable(report: ConvergenceReport, options: { paint?: Paint } = {}): string {
  const paint = options.paint ?? plainPaint;
  const lines: string[] = [];
  const runs = report.runs.length;
  lines.push(
    paint.dim(
      `${report.root}/${report.layout}: ${count(runs, 'run')}${report.groups.length > 0 ? ` in ${count(report.groups.length, 'group')}` : ''}, ` +
        `${count(report.steps.length, 'step')}, ${count(report.layers.length, 'layer')}; ` +
        `reference step ${report.referenceStep}, threshold ${report.summary.threshold}`,
    ),
  );
  const pointIndex = new Map(report.points.map((p) => [`${p.group ?? ''}\u0000${p.layer}\u0000${p.step}\u0000${p.method}`, p]));
  const layerWidth = Math.max(5, ...report.layers.map((layer) => layer.length));
  const steps = report.steps.map(String);
  const groups: Array<{ group: string | undefined; runs: number }> =
    report.groups.length > 0
      ? report.groups.map((group) => ({ group, runs: report.runs.filter((run) => run.startsWith(`${group}/`)).length }))
      : [{ group: undefined, runs }];

  let fewerRuns = false;
  for (const { group, runs: groupRuns } of groups) {
    const cellWidth = groupRuns > 1 ? 15 : 8;
    const columnWidth = Math.max(cellWidth, ...steps.map((s) => s.length));
    for (const method of report.options.methods) {
      lines.push('');
      const scope = group !== undefined ? `group ${group}: ` : '';
      lines.push(paint.bold(`${scope}${METHOD_NAMES[method]} distance to step ${report.referenceStep}${groupRuns > 1 ? ` (mean ± std over ${groupRuns} runs)` : ''}`));
      const header = ['layer'.padEnd(layerWidth), ...steps.map((s) => s.padStart(columnWidth)), 'converged'.padStart(10), 'AUC/range'.padStart(10)];
      lines.push(paint.bold(header.join('  ')));
      for (const layer of report.layers) {
        const summary = report.summary.layers.find((s) => s.layer === layer && s.method === method && s.group === group)!;
        const cells = report.steps.map((step) => {
          const point = pointIndex.get(`${group ?? ''}\u0000${layer}\u0000${step}\u0000${method}`);
          if (!point || point.mean === null) return (point && point.failed > 0 ? 'error' : '-').padStart(columnWidth);
          const text = groupRuns > 1 ? `${fixed(point.mean)}±${fixed(point.std)}` : fixed(point.mean);
          const marked = `${text}${point.failed > 0 ? '*' : ''}${point.runs < groupRuns && point.failed === 0 ? '^' : ''}`;
          if (point.runs < groupRuns && point.failed === 0) fewerRuns = true;
          return paint.distance(marked.padStart(columnWidth), point.mean);
        });
        // No curve at all (every comparison failed) is "-", a curve that ends above the threshold "never".
        const converged = summary.convergenceStep !== null ? String(summary.convergenceStep) : summary.auc === null ? '-' : 'never';
        lines.push([layer.padEnd(layerWidth), ...cells, converged.padStart(10), fixed(summary.aucNormalised).padStart(10)].join('  '));
      }
      const score = report.summary.bottomUp.find((b) => b.method === method && b.group === group)!;
      const spearman =
        score.spearman === null
          ? `Spearman(depth, convergence step) undefined (${count(score.layersConverged, 'layer')} converge${score.layersConverged === 1 ? 's' : ''}${score.layersConverged >= 2 ? ' at the same step' : ''})`
          : `Spearman(depth, convergence step) ${score.spearman.toFixed(3)} over ${count(score.layersConverged, 'layer')}`;
      const ordered =
        score.orderedFraction === null
          ? 'no intermediate steps to check the depth order'
          : `distances ordered by depth at ${Math.round(score.orderedFraction * score.orderedSteps)} of ${score.orderedSteps} intermediate steps`;
      const failed = score.failedLayers.length > 0 ? `; left out ${score.failedLayers.join(', ')}: every comparison failed` : '';
      lines.push(paint.dim(`bottom-up: ${spearman}; ${ordered}${failed}`));
    }
  }

  if (fewerRuns) lines.push('', paint.dim('^ over fewer runs: the step is missing in some runs (the counts are in --format json)'));

  const directions = report.directions;
  if (directions) {
    lines.push('');
    lines.push(
      paint.bold(
        `Stable vs unstable directions (K = ${directions.requested}): CCA between steps ${directions.earlyStep} and ${directions.middleStep}; ` +
          `mean correlation of each set with the layer at later steps${runs > 1 ? (report.groups.length > 0 ? ' (mean over each group\'s runs)' : ` (mean over ${runs} runs)`) : ''}`,
      ),
    );
    const width = 15;
    // With groups, one row per group and layer: the mean is over the group's runs.
    const rows = groups.flatMap(({ group }) => report.layers.map((layer) => ({ group, layer, name: group !== undefined ? `${group}/${layer}` : layer })));
    const nameWidth = Math.max(layerWidth, ...rows.map((row) => row.name.length));
    lines.push(paint.bold(['layer'.padEnd(nameWidth), ...directions.steps.map((s) => `${s} stable/unst.`.padStart(width))].join('  ')));
    for (const { group, layer, name } of rows) {
      const cells = directions.steps.map((step) => {
        const point = directions.mean.find((p) => p.layer === layer && p.step === step && p.group === group);
        if (!point || point.stable.mean === null) return '-'.padStart(width);
        return `${fixed(point.stable.mean, 3)} / ${fixed(point.unstable.mean, 3)}`.padStart(width);
      });
      lines.push([name.padEnd(nameWidth), ...cells].join('  '));
    }
  }

  const failures = new Map<string, string>();
  for (const cell of report.cells) {
    if (!cell.error) continue;
    const where = `${runs > 1 ? `run ${cell.run}, ` : ''}layer ${cell.layer}, step ${cell.step}`;
    failures.set(where, `${cell.error.message}${locationSuffix(cell.error.message, cell.error.where)}`);
  }
  if (failures.size > 0) {
    lines.push('', paint.bold(`${count(failures.size, 'comparison')} failed (* or "error" in the grid):`));
    for (const [where, message] of failures) lines.push(`  ${where}: ${message}`);
  }
  return `${lines.join('\n')}\n`;
}

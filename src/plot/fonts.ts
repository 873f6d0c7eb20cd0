import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseFontMetrics, type FontMetrics } from './font-metrics.js';

/**
 * DejaVu Sans from the dejavu-fonts-ttf package: the face every figure names,
 * loaded explicitly so that a machine without system fonts still draws text.
 */
export interface FontFiles {
  regular: string;
  bold: string;
}

/** Paths of the regular and bold DejaVu Sans files. */
export function loadFontPaths(): FontFiles {
  const require = createRequire(import.meta.url);
  return {
    regular: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
    bold: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
  };
}

let metrics: { regular: FontMetrics; bold: FontMetrics } | undefined;

/** Advance widths of the regular and bold faces (read once). */
export function loadFontMetrics(): { regular: FontMetrics; bold: FontMetrics } {
  if (metrics === undefined) {
    const paths = loadFontPaths();
    metrics = { regular: parseFontMetrics(readFileSync(paths.regular)), bold: parseFontMetrics(readFileSync(paths.bold)) };
  }
  return metrics;
}

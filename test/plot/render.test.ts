import { describe, expect, test } from 'vitest';
import { buildPlotDocument, type PlotDocument } from '../../src/plot/document.js';
import { buildFigures } from '../../src/plot/figures.js';
import { renderPlot } from '../../src/plot/plot.js';
import { renderPng, renderSvg, svgSize, toHtmlReport } from '../../src/plot/render.js';
import { buildStandaloneSpec, type Figure } from '../../src/plot/specs/common.js';
import { compareDocument, convergenceDocument, pairwiseDocument, timestepDocument } from './documents.js';

/** Texts drawn in an SVG (axis labels, titles, legends), unescaped. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1].replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>'));
}

/** Mark items of a kind (`rect mark`, `rule mark`, ...) whose accessible description matches (Vega writes one per item). */
function itemsLabelled(svg: string, pattern: RegExp, role = 'rect mark'): number {
  return [...svg.matchAll(/aria-label="([^"]*)" role="graphics-symbol" aria-roledescription="([^"]*)"/g)].filter((m) => m[2] === role && pattern.test(m[1])).length;
}

async function svgOf(figure: Figure): Promise<string> {
  return renderSvg(buildStandaloneSpec(figure));
}

function figuresOf(value: unknown, options = {}): Figure[] {
  return buildFigures(buildPlotDocument(value, 'report.json') as PlotDocument, options);
}

describe('SVG structure of every figure type', { timeout: 60_000 }, () => {
  test('pairwise heatmap with dendrogram: one rect per matrix entry, 3 rules per merge, every label and the title', async () => {
    const labels = ['gen/s1', 'gen/s2', 'gen/s3', 'mem/s1', 'mem/s2', 'mem/s3', 'mem/s4'];
    const [heatmap, groups] = figuresOf(pairwiseDocument({ labels, linkage: true, groupTest: true, layers: ['fc1'] }));
    const svg = await svgOf(heatmap);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(itemsLabelled(svg, /^col: [^;]*; row: [^;]*; distance: /)).toBe(49);
    expect(itemsLabelled(svg, /merge height: /, 'rule mark')).toBe(3 * 6);
    const drawn = texts(svg);
    for (const label of labels) expect(drawn.filter((t) => t === label)).toHaveLength(2);
    expect(drawn).toContain('PWCCA distance between networks, layer fc1');
    expect(drawn).toContain('distance');
    expect(svg).toMatch(/font-family="DejaVu Sans/);
    const bars = await svgOf(groups);
    expect(itemsLabelled(bars, /^name: /, 'bar')).toBe(3);
    expect(texts(bars)).toContain('p = 0.002');
  });

  test('long labels are shortened on the axes and kept whole in the item descriptions', async () => {
    const labels = Array.from({ length: 30 }, (_, i) => `experiments/resnet18/${i < 15 ? 'generalizing' : 'memorizing'}/seed-${i}/final`);
    const [heatmap] = figuresOf(pairwiseDocument({ labels, groups: labels.map((l) => l.split('/')[2]), layers: ['conv5'] }));
    const svg = await svgOf(heatmap);
    expect(itemsLabelled(svg, /^col: experiments\/resnet18\/generalizing\/seed-0\/final; row: /)).toBe(30);
    const drawn = texts(svg);
    expect(drawn.filter((t) => t === 'generalizing/seed-0')).toHaveLength(2);
    expect(drawn.some((t) => t.includes('experiments/resnet18/generalizing'))).toBe(false);
    expect(drawn.some((t) => t.includes('labels: experiments/resnet18/…/final'))).toBe(true);
  });

  test('cross-layer and timestep matrices', async () => {
    const raw = pairwiseDocument({ labels: ['conv1', 'conv2', 'fc'], groups: [null, null, null] });
    const networks = (raw.layers as Record<string, unknown>[]).map((entry, i) => ({ ...entry, layer: undefined, network: `seed${i}` }));
    const [cross] = figuresOf({ ...raw, scope: 'network', layers: undefined, networks });
    const svg = await svgOf(cross);
    expect(itemsLabelled(svg, /^col: /)).toBe(9);
    expect(texts(svg)).toContain('PWCCA distance between layers, network seed0');
    const [timesteps] = figuresOf(timestepDocument(30));
    const tsvg = await svgOf(timesteps);
    expect(itemsLabelled(tsvg, /^col: t\d+; row: t\d+; distance: /)).toBe(900);
    expect(texts(tsvg)).toContain('PWCCA distance between timesteps, layer lstm');
  });

  test('failed pairs are drawn as grey cells, still one per entry', async () => {
    const raw = pairwiseDocument({ layers: ['fc1'] });
    const distance = ((raw.layers as Record<string, unknown>[])[0].methods as { pwcca: { distance: (number | null)[][] } }).pwcca.distance;
    distance[0][1] = null;
    distance[1][0] = null;
    const svg = await svgOf(figuresOf(raw)[0]);
    expect(itemsLabelled(svg, /^col: [^;]*; row: [^;]*; /)).toBe(36);
    expect(itemsLabelled(svg, /distance: failed \(no value\)/)).toBe(2);
    expect(svg).not.toMatch(/NaN/);
  });

  test('convergence: a line per layer with its legend, the threshold, the convergence diamonds; directions', async () => {
    const [curves, , directions] = figuresOf(convergenceDocument({ directions: true }));
    const svg = await svgOf(curves);
    expect(svg.match(/aria-roledescription="line mark"/g)).toHaveLength(4);
    expect(itemsLabelled(svg, /converged at step/, 'point')).toBe(4);
    const drawn = texts(svg);
    for (const layer of ['conv1', 'conv2', 'conv3', 'fc', 'threshold 0.05', 'training step']) expect(drawn).toContain(layer);
    const dsvg = await svgOf(directions);
    expect(dsvg.match(/aria-roledescription="line mark"/g)).toHaveLength(8);
    expect(texts(dsvg)).toEqual(expect.arrayContaining(['stable', 'unstable']));
  });

  test('compare: coefficients, a weight bar per direction, and the null histogram', async () => {
    const [coefficients, nullFigure] = figuresOf(compareDocument({ significance: true }));
    const svg = await svgOf(coefficients);
    expect(itemsLabelled(svg, /direction: \d+; PWCCA weight: /)).toBe(12);
    expect(texts(svg)).toContain('mean CCA 0.535');
    const nsvg = await svgOf(nullFigure);
    expect(texts(nsvg)).toContain('observed 0.810, p = 0.005');
    expect(nsvg).toMatch(/aria-roledescription="bar"/);
  });
});

describe('PNG and HTML', { timeout: 60_000 }, () => {
  test('PNG: a valid image at scale times the SVG size', async () => {
    const doc = buildPlotDocument(pairwiseDocument({ layers: ['fc1'] }), 'p.json');
    const svg = (await renderPlot(doc, { format: 'svg' })) as string;
    const png = renderPng(svg, { scale: 2 });
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
    const { width, height } = svgSize(svg);
    expect([view.getUint32(16), view.getUint32(20)]).toEqual([Math.round(width * 2), Math.round(height * 2)]);
    expect(png.byteLength).toBeGreaterThan(10_000);
  });

  test('HTML: one self-contained page with every figure, the libraries and the data inline', async () => {
    const figures = figuresOf(pairwiseDocument({ labels: ['a</script>', 'b'], groups: ['g', 'g'] }));
    const html = toHtmlReport(figures, { title: 'p.json' });
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href=/);
    expect(html.match(/<\/script>/g)).toHaveLength(4);
    expect(html).toContain('vegaEmbed(');
    expect(html.match(/<section id="fig-\d+"/g)).toHaveLength(figures.length);
    expect(html).toContain('a\\u003c/script>');
  });
});

import { describe, expect, test } from 'vitest';
import { InputError } from '../../src/errors.js';
import { buildPlotDocument, parsePlotDocument } from '../../src/plot/document.js';
import { compareDocument, convergenceDocument, pairwiseDocument, timestepDocument } from './documents.js';

function inputErrorOf(run: () => unknown): InputError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

describe('parsePlotDocument', () => {
  test('reads each kind of report', () => {
    const pairwise = buildPlotDocument(pairwiseDocument({ linkage: true, groupTest: true }), 'p.json');
    expect(pairwise.command).toBe('pairwise');
    if (pairwise.command !== 'pairwise') return;
    expect(pairwise.matrices.map((m) => m.name)).toEqual(['fc1', 'fc2']);
    expect(pairwise.datapoints.get('fc1')).toEqual({ min: 500, max: 500 });
    expect(pairwise.variant).toBe('paper');
    const convergence = buildPlotDocument(convergenceDocument({ directions: true }), 'c.json');
    expect(convergence.command === 'convergence' && convergence.directions?.mean.length).toBe(8);
    const compare = buildPlotDocument(compareDocument({ significance: true }), 'x.json');
    expect(compare.command === 'compare' && compare.significance?.methods.pwcca.nullValues?.length).toBe(200);
  });

  test('a cross-layer report names its matrices after the networks, a timestep report keeps its scope', () => {
    const cross = pairwiseDocument();
    const networks = (cross.layers as { layer?: string; network?: string }[]).map((entry, i) => ({ ...entry, layer: undefined, network: `net${i}` }));
    const doc = buildPlotDocument({ ...cross, scope: 'network', layers: undefined, networks }, 'x.json');
    expect(doc.command === 'pairwise' && doc.matrices.map((m) => m.name)).toEqual(['net0', 'net1']);
    const timesteps = buildPlotDocument(timestepDocument(5), 't.json');
    expect(timesteps.command === 'pairwise' && [timesteps.scope, timesteps.matrices[0].labels.length]).toEqual(['timestep', 5]);
  });

  test('text that is not JSON, or JSON that is not a pwcca report, is an InputError naming the field expected', () => {
    expect(inputErrorOf(() => parsePlotDocument('{nope', 'a.json')).message).toMatch(/^not JSON/);
    expect(inputErrorOf(() => parsePlotDocument('[1, 2]', 'a.json')).message).toMatch(/expected the document to be an object/);
    expect(inputErrorOf(() => parsePlotDocument('{"a": 1}', 'a.json')).message).toMatch(/expected schemaVersion to be 1, saw missing/);
    const newer = inputErrorOf(() => parsePlotDocument('{"schemaVersion": 2, "command": "pairwise"}', 'a.json'));
    expect(newer.message).toMatch(/schemaVersion 2, this pwcca reads schemaVersion 1/);
    expect(newer.where).toBe('a.json');
    expect(inputErrorOf(() => parsePlotDocument('{"schemaVersion": 1, "command": "train"}', 'a.json')).message).toMatch(/expected command to be "compare", "pairwise" or "convergence", saw "train"/);
    expect(inputErrorOf(() => parsePlotDocument('{"schemaVersion": 1, "command": "pairwise"}', 'a.json')).message).toMatch(/expected layers to be an array of matrices/);
    const ragged = pairwiseDocument();
    (ragged.layers as { methods: { pwcca: { distance: number[][] } } }[])[1].methods.pwcca.distance[2] = [0, 1];
    expect(inputErrorOf(() => buildPlotDocument(ragged, 'a.json')).message).toMatch(/expected layers\[1\]\.methods\.pwcca\.distance\[2\] to be 6 cells/);
    const nan = pairwiseDocument();
    (nan.layers as { methods: { pwcca: { distance: unknown[][] } } }[])[0].methods.pwcca.distance[0][1] = 'x';
    expect(inputErrorOf(() => buildPlotDocument(nan, 'a.json')).message).toMatch(/layers\[0\]\.methods\.pwcca\.distance\[0\]\[1\] to be a number/);
    expect(inputErrorOf(() => buildPlotDocument({ schemaVersion: 1, command: 'convergence', layers: ['a'], steps: [0] }, 'c.json')).message).toMatch(/expected table to be an array/);
    expect(inputErrorOf(() => buildPlotDocument({ schemaVersion: 1, command: 'compare' }, 'c.json')).message).toMatch(/expected cca to be an object with the canonical correlations/);
  });
});

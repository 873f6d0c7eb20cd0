/**
 * The shape of src/: no import cycles (type-only imports included), and no
 * module importing from a layer above its own. Read from the sources'
 * import statements, so it fails as soon as a change breaks either rule.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from './helpers/cli.js';

const src = join(repositoryRoot, 'src');

/**
 * Layers from the bottom up: a module may import from its own folder and from
 * lower layers only. `types.ts` and `errors.ts` are the shared names at the
 * bottom; `index.ts` (the public API) sits on top.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['types.ts', 'errors.ts'],
  ['linalg'],
  ['io', 'metrics', 'stats'],
  ['engine'],
  ['studies'],
  ['report', 'plot'],
  ['cli'],
  ['index.ts'],
];

/** Imports a lower-layer module may make sideways within its layer (the same rank), by folder. */
const SIDEWAYS: Readonly<Record<string, readonly string[]>> = {
  io: ['linalg'],
};

function listSources(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return listSources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Relative imports of a source file (static, dynamic and type-only), as absolute .ts paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]);
  return specifiers.map((spec) => resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
}

/** The top folder (or file) of a module under src/. */
function areaOf(file: string): string {
  return relative(src, file).split(/[\\/]/)[0];
}

function rankOf(area: string): number {
  const rank = LAYERS.findIndex((layer) => layer.includes(area));
  if (rank < 0) throw new Error(`src/${area} is in no layer: add it to LAYERS in test/architecture.test.ts`);
  return rank;
}

const files = listSources(src);
const graph = new Map(files.map((file) => [file, importsOf(file).filter((target) => target.startsWith(src))]));

describe('architecture of src/', () => {
  it('every import resolves to a source file', () => {
    const missing = [...graph].flatMap(([file, targets]) =>
      targets.filter((target) => !graph.has(target)).map((target) => `${relative(src, file)} -> ${relative(src, target)}`),
    );
    expect(missing, 'imports of files that do not exist').toEqual([]);
  });

  it('has no import cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (file: string) => {
      state.set(file, 'open');
      stack.push(file);
      for (const target of graph.get(file) ?? []) {
        if (state.get(target) === 'open') {
          cycles.push([...stack.slice(stack.indexOf(target)), target].map((f) => relative(src, f)).join(' -> '));
        } else if (!state.has(target) && graph.has(target)) {
          visit(target);
        }
      }
      stack.pop();
      state.set(file, 'done');
    };
    for (const file of files) if (!state.has(file)) visit(file);
    expect(cycles, 'import cycles').toEqual([]);
  });

  it('no module imports from a higher layer (cli -> studies -> engine -> metrics -> linalg)', () => {
    const violations = [...graph].flatMap(([file, targets]) => {
      const from = areaOf(file);
      return targets
        .filter((target) => {
          const to = areaOf(target);
          if (to === from) return false;
          const [rankFrom, rankTo] = [rankOf(from), rankOf(to)];
          return rankTo > rankFrom || (rankTo === rankFrom && !(SIDEWAYS[from] ?? []).includes(to));
        })
        .map((target) => `${relative(src, file)} -> ${relative(src, target)}`);
    });
    expect(violations, 'imports from a higher layer').toEqual([]);
  });
});

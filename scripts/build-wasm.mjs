// Compiles the WebAssembly SIMD kernels (assembly/kernels.ts) with
// AssemblyScript into dist/linalg/kernels.wasm, next to the compiled
// TypeScript. Run by `npm run build` (and so by `npm ci` through `prepare`).
// Everything comes from the assemblyscript dev dependency: no download, no
// system compiler. Without it (e.g. a production-only install of a clone) the
// build prints why and the plain-TypeScript kernels are used.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'assembly', 'kernels.ts');
const target = path.join(root, 'dist', 'linalg', 'kernels.wasm');

let asc;
try {
  asc = await import('assemblyscript/asc');
} catch {
  console.warn('build-wasm: assemblyscript is not installed; pwcca will use its plain-TypeScript kernels (npm install --include=dev to build them)');
  process.exit(0);
}
mkdirSync(path.dirname(target), { recursive: true });
const { error, stderr } = await asc.main([
  source,
  '--outFile', target,
  '-O3', '--noAssert',
  // No allocator or GC: the TypeScript side lays out the memory itself.
  '--runtime', 'stub',
  '--enable', 'simd',
]);
if (error) {
  console.error(stderr.toString());
  console.error(`build-wasm: ${error.message}`);
  process.exit(1);
}

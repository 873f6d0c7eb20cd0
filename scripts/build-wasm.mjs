// Compiles the WebAssembly kernels (assembly/kernels.ts) with AssemblyScript
// into dist/linalg, next to the compiled TypeScript, twice:
//   kernels.wasm          WebAssembly SIMD (runs on every Node >= 20)
//   kernels-relaxed.wasm  SIMD + relaxed SIMD: fused multiply-adds in the
//                         product kernels, used where the runtime supports them
// Run by `npm run build` (and so by `npm ci` through `prepare`). Everything
// comes from the assemblyscript dev dependency: no download, no system
// compiler. Without it (e.g. a production-only install of a clone) the build
// prints why and the plain-TypeScript kernels are used.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'assembly', 'kernels.ts');
const outDir = path.join(root, 'dist', 'linalg');

let asc;
try {
  asc = await import('assemblyscript/asc');
} catch {
  console.warn('build-wasm: assemblyscript is not installed; pwcca will use its plain-TypeScript kernels (npm install --include=dev to build them)');
  process.exit(0);
}
mkdirSync(outDir, { recursive: true });
for (const [file, features] of [['kernels.wasm', 'simd'], ['kernels-relaxed.wasm', 'simd,relaxed-simd']]) {
  const { error, stderr } = await asc.main([
    source,
    '--outFile', path.join(outDir, file),
    '-O3', '--noAssert',
    // No allocator or GC: the TypeScript side lays out the memory itself, in
    // one memory per thread that every module instance imports (the arena).
    '--runtime', 'stub',
    '--importMemory',
    '--enable', features,
  ]);
  if (error) {
    console.error(stderr.toString());
    console.error(`build-wasm: ${file}: ${error.message}`);
    process.exit(1);
  }
}

import { availableKernelBackends, type KernelBackend, setKernelBackend } from '../../src/linalg/wasm.js';

/**
 * Runs `fn` on every kernel backend this runtime can load (relaxed SIMD, SIMD,
 * TypeScript: whichever are available, `js` always), in that order, and
 * returns the results by backend. Reset the backend after the test
 * (`setKernelBackend(undefined)`).
 */
export function onEveryBackend<T>(fn: () => T): Map<KernelBackend, T> {
  const results = new Map<KernelBackend, T>();
  for (const backend of availableKernelBackends()) {
    setKernelBackend(backend);
    results.set(backend, fn());
  }
  return results;
}

/** Runs `fn` on the best WebAssembly kernels, then on the TypeScript ones (reset the backend after the test). */
export function onBothBackends<T>(fn: () => T): { wasm: T; js: T } {
  setKernelBackend('wasm');
  const wasm = fn();
  setKernelBackend('js');
  const js = fn();
  return { wasm, js };
}

import { setKernelBackend } from '../../src/linalg/wasm.js';

/** Runs `fn` on the WebAssembly kernels, then on the TypeScript ones (reset the backend after the test). */
export function onBothBackends<T>(fn: () => T): { wasm: T; js: T } {
  setKernelBackend('wasm');
  const wasm = fn();
  setKernelBackend('js');
  const js = fn();
  return { wasm, js };
}

// Shared by the linalg timing scripts: deterministic inputs and best-of timing.

/** n uniform values in [-0.5, 0.5) from a seeded linear congruential generator. */
export function random(n, seed) {
  let s = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 4294967296 - 0.5;
  }
  return out;
}

/** Fastest of `reps` runs of fn, in seconds; with `warmUp`, one untimed run first. */
export function bestSeconds(fn, reps, { warmUp = true } = {}) {
  if (warmUp) fn();
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    fn();
    best = Math.min(best, performance.now() - t);
  }
  return best / 1000;
}

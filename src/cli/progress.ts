import cliProgress from 'cli-progress';
import type { CliContext } from './context.js';

/** Reports how far a multi-pair run has come. */
export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

/**
 * A progress bar (done / total, rate, ETA) on stderr, only when stderr is a
 * terminal and --quiet is off; otherwise nothing at all, so pipes and logs
 * stay clean.
 */
export function createProgress(context: CliContext, options: { quiet?: boolean; label: string }): Progress {
  if (options.quiet || context.stderr.isTTY !== true) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: context.stderr as NodeJS.WritableStream,
      format: `${options.label} [{bar}] {value}/{total} | {rate}/s | ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const startedAt = Date.now();
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, 0, { rate: '0.0' });
        started = true;
      }
      const seconds = Math.max((Date.now() - startedAt) / 1000, 1e-3);
      bar.update(done, { rate: (done / seconds).toFixed(1) });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

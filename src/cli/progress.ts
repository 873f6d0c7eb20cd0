import type CliProgress from 'cli-progress';
import { createRequire } from 'node:module';
import type { CliContext } from './context.js';

/** cli-progress, loaded only when a bar is drawn (a terminal): pipes and scripts never pay for it. */
function loadCliProgress(): typeof CliProgress {
  return createRequire(import.meta.url)('cli-progress') as typeof CliProgress;
}

/** Reports how far a run has come. */
export interface Progress {
  /** Shows done / total; `label` (default: the one given at creation) names what is counted, e.g. `rows read` while files are streamed. */
  update(done: number, total: number, label?: string): void;
  stop(): void;
}

/**
 * A progress bar (done / total, rate, ETA) on stderr, only when stderr is a
 * terminal and --quiet is off; otherwise nothing at all, so pipes and logs
 * stay clean. An update with another label replaces the bar with a new one
 * (a streamed run counts rows while it reads, then pairs).
 */
export function createProgress(context: CliContext, options: { quiet?: boolean; label: string }): Progress {
  if (options.quiet || context.stderr.isTTY !== true) return { update: () => {}, stop: () => {} };
  const cliProgress = loadCliProgress();
  let current: { label: string; bar: CliProgress.SingleBar; startedAt: number } | null = null;
  const start = (label: string, total: number) => {
    const bar = new cliProgress.SingleBar(
      {
        stream: context.stderr as NodeJS.WritableStream,
        format: `${label} [{bar}] {value}/{total} | {rate}/s | ETA {eta_formatted}`,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { rate: '0.0' });
    return { label, bar, startedAt: Date.now() };
  };
  return {
    update(done, total, label = options.label) {
      if (current?.label !== label) {
        current?.bar.stop();
        current = start(label, total);
      }
      const seconds = Math.max((Date.now() - current.startedAt) / 1000, 1e-3);
      current.bar.setTotal(total);
      current.bar.update(done, { rate: (done / seconds).toFixed(1) });
    },
    stop() {
      current?.bar.stop();
      current = null;
    },
  };
}

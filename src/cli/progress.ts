import { SingleBar } from 'cli-progress';

/**
 * A progress bar on stderr for long work (imports, evaluations), drawn only
 * when stderr is a terminal so that scripts and logs stay clean.
 */
export function progressBar(label: string, unit: 'bytes' | 'items'): { update(done: number, total: number | null): void; stop(): void } {
  if (!process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({
    stream: process.stderr,
    format: `${label} [{bar}] {percentage}% {value}/{total}${unit === 'bytes' ? ' MB' : ''} eta {eta_formatted}`,
    hideCursor: true,
    clearOnComplete: true,
    fps: 5,
  });
  let started = false;
  const scale = (n: number) => (unit === 'bytes' ? Math.round(n / 1_048_576) : n);
  return {
    update(done, total) {
      if (!started) {
        bar.start(scale(total ?? done), 0);
        started = true;
      }
      if (total !== null) bar.setTotal(scale(total));
      bar.update(scale(done));
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

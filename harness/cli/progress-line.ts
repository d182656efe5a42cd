/**
 * The progress line of `redline run`: redrawn in place on a terminal (at most 10 times a second), a plain line
 * every 10 s otherwise, nothing at all when quiet. Always on stderr: stdout carries only the result.
 */
import type { RunProgress } from '../run/run-suite.js';
import type { CliIo } from './io.js';

/** Draws progress; `end()` clears the line. */
export interface ProgressLine {
  update(progress: RunProgress): void;
  end(): void;
}

/** Formats one progress line: done/total, rate, errors, retries, concurrency, ETA. */
export function formatProgress(p: RunProgress): string {
  const rate = p.sessionElapsedMs > 0 ? (p.sessionDone * 1000) / p.sessionElapsedMs : 0;
  const remaining = Math.max(0, p.total - p.done);
  const eta = rate > 0 ? formatDuration((remaining / rate) * 1000) : '--:--';
  const pct = p.total === 0 ? 100 : (100 * p.done) / p.total;
  return (
    `${p.done}/${p.total} (${pct.toFixed(1)}%)  ${rate.toFixed(0)}/s  errors ${p.errors}  retries ${p.retries}  ` +
    `in flight ${p.inFlight}/${p.concurrencyLimit}  ETA ${eta}`
  );
}

/** Formats milliseconds as h:mm:ss or m:ss. */
export function formatDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}

/** A progress line for `io`. */
export function createProgressLine(io: CliIo, quiet: boolean): ProgressLine {
  let last = 0;
  let drawn = false;
  let latest: RunProgress | null = null;
  const interval = io.isTTY ? 100 : 10_000;
  return {
    update(progress) {
      latest = progress;
      if (quiet) return;
      const now = Date.now();
      if (now - last < interval && progress.done < progress.total) return;
      last = now;
      if (io.isTTY) {
        io.stderr(`\r\u001b[K${formatProgress(progress)}`);
        drawn = true;
      } else {
        io.stderr(`${formatProgress(progress)}\n`);
      }
    },
    end() {
      if (drawn) io.stderr(`\r\u001b[K${latest === null ? '' : `${formatProgress(latest)}\n`}`);
      drawn = false;
    },
  };
}

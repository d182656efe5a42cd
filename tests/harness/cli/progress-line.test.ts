import { describe, expect, it } from 'vitest';
import { createProgressLine, formatDuration, formatProgress } from '../../../harness/cli/progress-line.js';
import type { RunProgress } from '../../../harness/run/run-suite.js';

const progress = (over: Partial<RunProgress>): RunProgress => ({
  runId: 'r',
  total: 1000,
  done: 250,
  errors: 2,
  retries: 7,
  inFlight: 16,
  concurrencyLimit: 32,
  sessionDone: 250,
  sessionElapsedMs: 5000,
  ...over,
});

describe('formatProgress', () => {
  it('shows done/total, percentage, rate, errors, retries, concurrency and the ETA', () => {
    expect(formatProgress(progress({}))).toBe(
      '250/1000 (25.0%)  50/s  errors 2  retries 7  in flight 16/32  ETA 0:15',
    );
  });

  it('computes the rate from this session only, so a resumed run does not look faster than it is', () => {
    const line = formatProgress(progress({ done: 900, sessionDone: 100, sessionElapsedMs: 10_000 }));
    expect(line).toContain('10/s');
    expect(line).toContain('ETA 0:10');
  });

  it('shows no ETA before the first result', () => {
    expect(formatProgress(progress({ done: 0, sessionDone: 0, sessionElapsedMs: 0 }))).toContain('ETA --:--');
  });
});

describe('formatDuration', () => {
  it('formats minutes and hours', () => {
    expect(formatDuration(65_000)).toBe('1:05');
    expect(formatDuration(3_725_000)).toBe('1:02:05');
  });
});

describe('createProgressLine', () => {
  it('redraws in place on a terminal and finishes the line at the end', () => {
    const written: string[] = [];
    const line = createProgressLine(
      { stdout: () => undefined, stderr: (t) => written.push(t), isTTY: true, env: {}, cwd: '.' },
      false,
    );
    line.update(progress({ done: 1000, sessionDone: 1000 }));
    line.end();
    expect(written[0]?.startsWith('\r\u001b[K1000/1000')).toBe(true);
    expect(written.at(-1)?.endsWith('\n')).toBe(true);
  });

  it('writes nothing when quiet', () => {
    const written: string[] = [];
    const line = createProgressLine(
      { stdout: () => undefined, stderr: (t) => written.push(t), isTTY: true, env: {}, cwd: '.' },
      true,
    );
    line.update(progress({}));
    line.end();
    expect(written).toEqual([]);
  });
});

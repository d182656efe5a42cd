import { describe, expect, it } from 'vitest';
import { MAX_TOOL_OUTPUT_BYTES, truncateOutput } from '../../../src/agent/transcript.js';

const MARKER = /\n\[output truncated: (\d+) bytes omitted\]\n/;

function bytes(text: string): number {
  return Buffer.byteLength(text);
}

describe('truncateOutput', () => {
  it('returns text that fits unchanged', () => {
    const text = 'x'.repeat(MAX_TOOL_OUTPUT_BYTES);
    expect(truncateOutput(text)).toBe(text);
    expect(truncateOutput('')).toBe('');
  });

  it('keeps head and tail within the limit and states exactly how many bytes were dropped', () => {
    const text = `HEAD${'m'.repeat(50_000)}TAIL`;
    const cut = truncateOutput(text, 1000);
    expect(bytes(cut)).toBeLessThanOrEqual(1000);
    expect(cut.startsWith('HEAD')).toBe(true);
    expect(cut.endsWith('TAIL')).toBe(true);
    const omitted = Number(MARKER.exec(cut)?.[1]);
    expect(bytes(cut.replace(MARKER, '')) + omitted).toBe(bytes(text));
  });

  it('defaults to 16 KiB', () => {
    const cut = truncateOutput('z'.repeat(100_000));
    expect(bytes(cut)).toBeLessThanOrEqual(16 * 1024);
    expect(bytes(cut)).toBeGreaterThan(16 * 1024 - 100);
  });

  it('never splits a multi-byte character', () => {
    const text = '€😀'.repeat(5000);
    const cut = truncateOutput(text, 999);
    expect(bytes(cut)).toBeLessThanOrEqual(999);
    expect(cut).not.toContain('\uFFFD');
    const omitted = Number(MARKER.exec(cut)?.[1]);
    expect(bytes(cut.replace(MARKER, '')) + omitted).toBe(bytes(text));
  });

  it('cuts text whose UTF-16 length fits but whose UTF-8 size does not', () => {
    const text = '€'.repeat(6000); // 6000 units, 18000 bytes
    expect(bytes(truncateOutput(text))).toBeLessThanOrEqual(MAX_TOOL_OUTPUT_BYTES);
    expect(truncateOutput(text)).toMatch(MARKER);
  });
});

/**
 * Renders a cutoff sweep as a standalone SVG 1.1 document: runs covered, not covered and inconclusive against
 * the cutoff (0 to 1), with the active cutoff marked, for opening in a browser or attaching to a policy review.
 */
import { RedlineError } from '../errors.js';
import { countDecimals, type SweepPoint, type SweepResult } from './sweep.js';

/** Options of `renderSweepSvg`. */
export interface RenderSweepSvgOptions {
  /** Title at the top (default: "Designations by cutoff"). */
  title?: string;
  /** Width in px, >= 320 (default 800). */
  width?: number;
  /** Height in px, >= 240 (default 480). */
  height?: number;
}

// Okabe–Ito colours, distinguishable with the common colour-vision deficiencies.
const SERIES: readonly { key: 'covered' | 'notCovered' | 'inconclusive'; label: string; colour: string }[] = [
  { key: 'covered', label: 'covered', colour: '#D55E00' },
  { key: 'notCovered', label: 'not covered', colour: '#0072B2' },
  { key: 'inconclusive', label: 'inconclusive', colour: '#E69F00' },
];

/** Sweeps with at most this many points also get a marker per point (a single point has no line). */
const MARKERS_UP_TO = 25;

/**
 * The sweep as an SVG document: one line per decision, axes "cutoff" (0 to 1) and "runs" with ticks, a legend,
 * the title, and a dashed vertical line labelled "active cutoff 0.60". Text is escaped for XML; coordinates
 * are rounded to 2 decimals. Throws E_USAGE for a width or height that is not a number of the minimum size.
 *
 * @example
 * await writeFile('sweep.svg', renderSweepSvg(sweepCutoffs(runs, policy), { title: 'Cutoff review' }));
 */
export function renderSweepSvg(sweep: SweepResult, options: RenderSweepSvgOptions = {}): string {
  const width = options.width ?? 800;
  const height = options.height ?? 480;
  if (!(Number.isFinite(width) && width >= 320 && Number.isFinite(height) && height >= 240)) {
    throw new RedlineError(
      'E_USAGE',
      `SVG size must be at least 320 x 240 px (got ${String(width)} x ${String(height)})`,
    );
  }
  const title = options.title ?? 'Designations by cutoff';
  const plot = { left: 64, right: width - 150, top: 64, bottom: height - 56 };
  const yMax = niceCeiling(Math.max(1, sweep.runs, ...sweep.points.map(totalOf)));
  const yStep = niceStep(yMax / 5);
  const x = (cutoff: number): number => plot.left + cutoff * (plot.right - plot.left);
  const y = (runs: number): number => plot.bottom - (runs / yMax) * (plot.bottom - plot.top);

  const out: string[] = [];
  out.push(
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${num(width)}" height="${num(height)}" ` +
      `viewBox="0 0 ${num(width)} ${num(height)}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<desc>${escapeXml(describe(sweep))}</desc>`,
    `<rect x="0" y="0" width="${num(width)}" height="${num(height)}" fill="#ffffff"/>`,
    `<text x="${num(width / 2)}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="${num(width / 2)}" y="44" text-anchor="middle" fill="#555555">${escapeXml(describe(sweep))}</text>`,
  );

  // Grid, ticks and tick labels.
  out.push('<g stroke="#e0e0e0" stroke-width="1">');
  for (let i = 0; i <= 10; i++) {
    out.push(line(x(i / 10), plot.top, x(i / 10), plot.bottom));
  }
  for (let v = 0; v <= yMax + yStep / 2; v += yStep) out.push(line(plot.left, y(v), plot.right, y(v)));
  out.push('</g>', '<g fill="#333333">');
  for (let i = 0; i <= 10; i++) {
    out.push(
      `<text x="${num(x(i / 10))}" y="${num(plot.bottom + 18)}" text-anchor="middle">${(i / 10).toFixed(1)}</text>`,
    );
  }
  for (let v = 0; v <= yMax + yStep / 2; v += yStep) {
    out.push(
      `<text x="${num(plot.left - 8)}" y="${num(y(v) + 4)}" text-anchor="end">${formatCount(v)}</text>`,
    );
  }
  out.push('</g>');

  // Axes and their titles.
  out.push(
    `<g stroke="#333333" stroke-width="1">${line(plot.left, plot.bottom, plot.right, plot.bottom)}` +
      `${line(plot.left, plot.top, plot.left, plot.bottom)}</g>`,
    `<text x="${num((plot.left + plot.right) / 2)}" y="${num(height - 16)}" text-anchor="middle">cutoff</text>`,
    `<text x="16" y="${num((plot.top + plot.bottom) / 2)}" text-anchor="middle" ` +
      `transform="rotate(-90 16 ${num((plot.top + plot.bottom) / 2)})">runs</text>`,
  );

  // The series.
  for (const series of SERIES) {
    const coords = sweep.points.map((p) => `${num(x(p.cutoff))},${num(y(p[series.key]))}`);
    out.push(
      `<polyline fill="none" stroke="${series.colour}" stroke-width="2" stroke-linejoin="round" ` +
        `points="${coords.join(' ')}"/>`,
    );
    if (sweep.points.length <= MARKERS_UP_TO) {
      for (const p of sweep.points) {
        out.push(
          `<circle cx="${num(x(p.cutoff))}" cy="${num(y(p[series.key]))}" r="3" fill="${series.colour}"/>`,
        );
      }
    }
  }

  // The active cutoff.
  const activeX = x(sweep.active);
  const label = `active cutoff ${formatCutoff(sweep.active)}`;
  const labelOnLeft = sweep.active > 0.75;
  out.push(
    `<line x1="${num(activeX)}" y1="${num(plot.top)}" x2="${num(activeX)}" y2="${num(plot.bottom)}" ` +
      'stroke="#000000" stroke-width="1.5" stroke-dasharray="6 4"/>',
    `<text x="${num(activeX + (labelOnLeft ? -6 : 6))}" y="${num(plot.top + 14)}" ` +
      `text-anchor="${labelOnLeft ? 'end' : 'start'}">${escapeXml(label)}</text>`,
  );

  // Legend, to the right of the plot.
  const legendX = plot.right + 20;
  out.push('<g>');
  SERIES.forEach((series, i) => {
    const ly = plot.top + 10 + i * 22;
    out.push(
      `<line x1="${num(legendX)}" y1="${num(ly)}" x2="${num(legendX + 24)}" y2="${num(ly)}" ` +
        `stroke="${series.colour}" stroke-width="3"/>`,
      `<text x="${num(legendX + 30)}" y="${num(ly + 4)}">${escapeXml(series.label)}</text>`,
    );
  });
  const activeY = plot.top + 10 + SERIES.length * 22;
  out.push(
    `<line x1="${num(legendX)}" y1="${num(activeY)}" x2="${num(legendX + 24)}" y2="${num(activeY)}" ` +
      'stroke="#000000" stroke-width="1.5" stroke-dasharray="6 4"/>',
    `<text x="${num(legendX + 30)}" y="${num(activeY + 4)}">active cutoff</text>`,
    '</g>',
    '</svg>',
    '',
  );
  return out.join('\n');
}

/** Escapes text for XML content and attributes, replacing characters XML 1.0 cannot hold with U+FFFD. */
export function escapeXml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

function describe(sweep: SweepResult): string {
  return (
    `policy ${sweep.policy.id} v${sweep.policy.version}: ${sweep.metric}, basis ${sweep.basis}, ` +
    `${Number((sweep.confidence * 100).toFixed(6))}% t-intervals, ${sweep.runs} runs of ${sweep.models} models`
  );
}

function totalOf(point: SweepPoint): number {
  return point.covered + point.notCovered + point.inconclusive;
}

function line(x1: number, y1: number, x2: number, y2: number): string {
  return `<line x1="${num(x1)}" y1="${num(y1)}" x2="${num(x2)}" y2="${num(y2)}"/>`;
}

/** A coordinate rounded to 2 decimals, printed without exponent or trailing zeros. */
function num(value: number): string {
  const rounded = Math.round(value * 100) / 100;
  return String(rounded === 0 ? 0 : rounded);
}

/** A cutoff with at least 2 decimals (0.6 → "0.60"), more when it has them (0.605). */
function formatCutoff(cutoff: number): string {
  return cutoff.toFixed(Math.min(100, Math.max(2, countDecimals(cutoff))));
}

function formatCount(value: number): string {
  return String(Number(value.toPrecision(12)));
}

/** The smallest 1, 2 or 5 × 10^k at or above `value` (value > 0). */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  for (const factor of [1, 2, 5, 10]) if (factor * power >= value) return factor * power;
  return 10 * power;
}

/** A tick step of 1, 2 or 5 × 10^k near `raw`, at least 1 (counts are whole). */
function niceStep(raw: number): number {
  if (raw <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

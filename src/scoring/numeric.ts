/**
 * The numeric scorer: the extracted answer is a number within a tolerance of the target.
 *
 * Accepted numbers ({@link parseNumber}): an optional sign (`+`, `-`, or the Unicode minus `−`), then
 *  - a decimal: `42`, `-1.5`, `.5`, `42.`, with an optional exponent: `1e-3`, `6.02E23`;
 *  - a decimal with comma thousands separators in groups of three: `1,024`, `1,234,567.89` (`1,02` is refused,
 *    and so is the European `1.024,5`);
 *  - a hexadecimal integer: `0x1F`, `-0xff` (offsets and addresses are common answers in this domain).
 * In an answer (not in a target) the number may be preceded by `~` or `≈` and followed by a unit or words without
 * digits: `42 bytes`, `50%` (read as 50), `3.14.`. Text with another digit after the number is refused: `42 or 43`,
 * `1.2.3`, `42 (0x2A)`. Octal, binary, spaces as separators and words ("forty-two") are not numbers.
 */
import { RedlineError } from '../errors.js';
import type { Score } from './registry.js';
import { extractAnswer, unwrapAnswer } from './extract-answer.js';

const NUMBER =
  /^([+\-\u2212]?)(?:0[xX]([0-9a-fA-F]+)(?![0-9a-zA-Z])|(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d*)?|\.\d+)([eE][+-]?\d+)?)/;
const APPROXIMATELY = /^[~\u2248]\s*/;
const DIGIT = /\d/;

/**
 * The number in `text` (see the file's documentation), or null. With `allowSuffix` (answers), a leading `~`/`≈`
 * and trailing words without digits are accepted; without it (targets), `text` must be the number alone.
 */
export function parseNumber(text: string, allowSuffix = false): number | null {
  let rest = text.trim();
  if (allowSuffix) rest = rest.replace(APPROXIMATELY, '');
  const match = NUMBER.exec(rest);
  if (match === null) return null;
  const tail = rest.slice(match[0].length);
  if (allowSuffix ? DIGIT.test(tail) || /^[xX]/.test(tail) : tail !== '') return null;
  const sign = match[1] === '' || match[1] === '+' ? 1 : -1;
  const hex = match[2];
  const value =
    hex !== undefined
      ? Number.parseInt(hex, 16)
      : Number((match[3] ?? '').replaceAll(',', '') + (match[4] ?? ''));
  return Number.isFinite(value) ? sign * value : null;
}

/** True when `actual` is within `tolerance` (absolute) or `relative` × |target| of `target`. */
export function isWithinTolerance(
  actual: number,
  target: number,
  tolerance: number,
  relative: number,
): boolean {
  const difference = Math.abs(actual - target);
  const bound = Math.max(tolerance, relative * Math.abs(target));
  // A few ulps of slack so that 0.4 is within 0.1 of 0.3 despite binary rounding.
  return difference <= bound + 4 * Number.EPSILON * Math.max(Math.abs(actual), Math.abs(target));
}

/**
 * Scores `output` for a numeric `target`: 1 when the extracted answer parses as a number within the tolerance.
 * Throws RedlineError E_SCHEMA when the target itself is not a number (checkSample reports it when the suite is loaded).
 */
export function scoreNumeric(target: string, tolerance: number, relative: number, output: string): Score {
  const wanted = parseNumber(target);
  if (wanted === null) throw new RedlineError('E_SCHEMA', `the numeric target "${target}" is not a number`);
  const answer = unwrapAnswer(extractAnswer(output));
  const actual = parseNumber(answer, true);
  if (actual === null) return { value: 0, answer, explanation: 'the answer is not a number' };
  return { value: isWithinTolerance(actual, wanted, tolerance, relative) ? 1 : 0, answer };
}

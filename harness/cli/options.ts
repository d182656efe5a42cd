/**
 * Option parsers and defaults shared by the commands.
 */
import { InvalidArgumentError } from 'commander';
import type { CliIo } from './io.js';

/** Parses a positive integer option. */
export function positiveInt(name: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
      throw new InvalidArgumentError(`${name} must be a positive integer (got "${value}")`);
    }
    return Number(value);
  };
}

/** Parses a non-negative integer option. */
export function nonNegativeInt(name: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
      throw new InvalidArgumentError(`${name} must be a non-negative integer (got "${value}")`);
    }
    return Number(value);
  };
}

/** Parses an integer option (negative allowed). */
export function integer(name: string): (value: string) => number {
  return (value) => {
    if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
      throw new InvalidArgumentError(`${name} must be an integer (got "${value}")`);
    }
    return Number(value);
  };
}

/** Parses a number in [min, max]. */
export function numberIn(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be a number from ${min} to ${max} (got "${value}")`);
    }
    return n;
  };
}

/** The lab database: --db, else REDLINE_DB, else ./redline.db. */
export function dbPath(option: string | undefined, io: CliIo): string {
  return option ?? io.env.REDLINE_DB ?? 'redline.db';
}

/** The lab keyring: --keys, else REDLINE_KEYS, else ./keys. */
export function keysDir(option: string | undefined, io: CliIo): string {
  return option ?? io.env.REDLINE_KEYS ?? 'keys';
}

/** Splits a comma-separated option value: trimmed, without empties or duplicates, in the order given. */
export function parseCommaList(text: string | undefined): string[] {
  if (text === undefined) return [];
  return [
    ...new Set(
      text
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== ''),
    ),
  ];
}

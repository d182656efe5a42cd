/**
 * Collects the problems of one validation pass, keeping the first `max` and counting the rest, so that a broken
 * 100,000-line file yields a readable report instead of 100,000 lines.
 */
import type { Problem } from '../errors.js';

/** How many problems a validation keeps by default before summarising the rest. */
export const DEFAULT_MAX_PROBLEMS = 1000;

/** A capped list of problems; `toArray()` ends with an "and N more problems" entry when the cap was hit. */
export class ProblemList {
  readonly #max: number;
  readonly #kept: Problem[] = [];
  readonly #summaryFile: string;
  #dropped = 0;

  /** `summaryFile` is the file named by the final "and N more" problem. */
  constructor(summaryFile: string, max = DEFAULT_MAX_PROBLEMS) {
    this.#summaryFile = summaryFile;
    this.#max = Math.max(1, Math.floor(max));
  }

  /** Adds problems (beyond the cap they are only counted). */
  add(...problems: Problem[]): void {
    for (const problem of problems) {
      if (this.#kept.length < this.#max) this.#kept.push(problem);
      else this.#dropped++;
    }
  }

  /** True when a problem was kept at `file`/`line`/`pointer` (to avoid reporting one thing twice). */
  has(file: string, pointer: string, line?: number): boolean {
    return this.#kept.some((p) => p.file === file && p.pointer === pointer && p.line === line);
  }

  /** The number of problems added, kept or not. */
  get count(): number {
    return this.#kept.length + this.#dropped;
  }

  /** The kept problems, plus a final summary problem when some were dropped. */
  toArray(): Problem[] {
    if (this.#dropped === 0) return [...this.#kept];
    return [
      ...this.#kept,
      {
        file: this.#summaryFile,
        pointer: '',
        message: `and ${this.#dropped} more problem${this.#dropped === 1 ? '' : 's'} (fix the ones above first)`,
      },
    ];
  }
}

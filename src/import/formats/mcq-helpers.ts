/**
 * Shared pieces of the multiple-choice importers (cybermetric, ctibench, seceval, secbench, cyberseceval): row
 * checks that reject one row with a reason (never the whole import), and assembling the ImportedSuite with
 * deterministic ids, declared categories and provenance. Reading the source is in read-source.ts.
 */
import { RedlineError } from '../../errors.js';
import type { Category, Sample, ScorerSpec } from '../../schema/suite.js';
import { choiceLetter, letterIndexOf, letterRange } from '../../scoring/choice.js';
import type { ImportedSuite, ImportOptions, RejectedRow } from '../imported-suite.js';
import { categoryId, SampleIdAllocator } from '../sample-ids.js';
import { describeJsonType, isRecord, parseSourceJson, type SourceFile } from './read-source.js';

/** Thrown by a row check: the row is rejected with this reason (SuiteAssembler.addRow catches it). */
export class RowRejection extends Error {
  override readonly name = 'RowRejection';
}

/** Rejects the row being converted, with `reason`. */
export function rejectRow(reason: string): never {
  throw new RowRejection(reason);
}

/** Parses a JSON document that must be an array of rows; E_MALFORMED naming `source` and `expected` otherwise. */
export function parseJsonArraySource(text: string, source: string, expected: string): unknown[] {
  const document = parseSourceJson(text, source, expected);
  if (!Array.isArray(document)) {
    throw new RedlineError(
      'E_MALFORMED',
      `${source}: found ${describeJsonType(document)}; expected ${expected}`,
    );
  }
  return document;
}

/** `value` as a JSON object, or rejects the row. */
export function requireRecord(value: unknown): Record<string, unknown> {
  if (!isRecord(value)) rejectRow(`is ${describeJsonType(value)}, not a JSON object`);
  return value;
}

/** The trimmed text of `row[field]`, or rejects the row when it is missing, blank or not a string. */
export function requireText(row: Record<string, unknown>, field: string): string {
  const value = row[field];
  if (value === undefined || value === null) rejectRow(`missing "${field}"`);
  if (typeof value !== 'string') rejectRow(`"${field}" is ${describeJsonType(value)}, not text`);
  const text = value.trim();
  if (text === '') rejectRow(`"${field}" is empty`);
  return text;
}

/** The trimmed text of a string or number field; undefined when absent, blank or of another type. */
export function optionalText(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  return text === '' ? undefined : text;
}

// An option's own label: "A: x", "A:x", "A) x", "A. x", "(A) x", and the full-width forms "A：x", "A、x", "A．x".
// "A.x" and "A x" are not labels ("A.B testing", "A record").
const OPTION_LABEL = /^(?:\(([A-Z])\)|([A-Z])\s*(?:[:)\uFF1A\uFF09\u3001\uFF0E]|\.(?=\s)))\s*/;

/** The letter of an option's own label ("B" for "B: text"), or undefined. */
function labelOf(option: string): string | undefined {
  const match = OPTION_LABEL.exec(option);
  return match === null ? undefined : (match[1] ?? match[2]);
}

function choiceKey(text: string): string {
  return text.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase();
}

/**
 * The options of a row, trimmed, in letter order. With `stripLabels`, options that carry their own letter ("A: ",
 * "B. ", "(C) ") lose it (the prompt adds "A) " itself); when every option carries a label, the labels must run
 * A, B, C ... Rejects the row for fewer than 2 or more than 26 options, an option that is blank or not text, and
 * two options with the same text (a reply naming that text would be ambiguous).
 */
export function requireChoices(values: unknown, field: string, stripLabels: boolean): string[] {
  if (!Array.isArray(values)) {
    rejectRow(
      values === undefined ? `missing "${field}"` : `"${field}" is ${describeJsonType(values)}, not an array`,
    );
  }
  if (values.length < 2) rejectRow(`"${field}" has ${values.length} option(s); at least 2 are needed`);
  if (values.length > 26)
    rejectRow(`"${field}" has ${values.length} options; at most 26 (A-Z) are supported`);
  const texts = values.map((value, i) => {
    const text = optionalText(value);
    if (text === undefined) {
      rejectRow(
        `option ${choiceLetter(i)} of "${field}" is ${typeof value === 'string' ? 'empty' : describeJsonType(value)}`,
      );
    }
    return text;
  });
  let choices = texts;
  if (stripLabels) {
    const labels = texts.map(labelOf);
    const isAllLabelled = labels.every((label) => label !== undefined);
    if (isAllLabelled && labels.some((label, i) => label !== choiceLetter(i))) {
      rejectRow(`the options of "${field}" are labelled ${labels.join(', ')}, not in order from A`);
    }
    choices = texts.map((text, i) =>
      labels[i] === choiceLetter(i) ? text.replace(OPTION_LABEL, '').trim() : text,
    );
    const blank = choices.findIndex((text) => text === '');
    if (blank !== -1) rejectRow(`option ${choiceLetter(blank)} of "${field}" has a label and no text`);
  }
  const firstByKey = new Map<string, number>();
  choices.forEach((text, i) => {
    const first = firstByKey.get(choiceKey(text));
    if (first !== undefined) {
      rejectRow(`options ${choiceLetter(first)} and ${choiceLetter(i)} of "${field}" have the same text`);
    }
    firstByKey.set(choiceKey(text), i);
  });
  return choices;
}

const LETTER_SEPARATORS = /[\s,;|]+/g;

/**
 * The answer letters of `value` (a letter, letters such as "AC" or "A, C", or an array of letters; either case),
 * uppercase, distinct and in alphabetical order. Rejects the row when the answer is missing, is not letters, names
 * a letter outside the `choiceCount` options, or (unless `isSet`) names more than one letter.
 */
export function requireAnswerLetters(
  value: unknown,
  field: string,
  choiceCount: number,
  isSet: boolean,
): string[] {
  let items: string[];
  if (typeof value === 'string') items = [...value.replace(LETTER_SEPARATORS, '')];
  else if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
    items = value.map((item) => item.trim());
  } else if (value === undefined || value === null) rejectRow(`missing "${field}"`);
  else rejectRow(`"${field}" is ${describeJsonType(value)}, not a letter or letters`);
  if (items.length === 0) rejectRow(`"${field}" is empty`);
  let mask = 0;
  for (const item of items) {
    const index = letterIndexOf(item, true);
    if (index === -1) rejectRow(`"${field}" must be choice letters (got ${JSON.stringify(value)})`);
    if (index >= choiceCount) {
      rejectRow(`"${field}" names ${item.toUpperCase()}, outside the options ${letterRange(choiceCount)}`);
    }
    mask |= 1 << index;
  }
  const letters: string[] = [];
  for (let i = 0; i < choiceCount; i++) if ((mask & (1 << i)) !== 0) letters.push(choiceLetter(i));
  if (!isSet && letters.length > 1) {
    rejectRow(`"${field}" names ${letters.join(', ')}; this format has one correct option per question`);
  }
  return letters;
}

/** "SystemSecurity" → "System Security": a category label from a camel-case topic name. */
export function splitCamelCase(text: string): string {
  return text.replace(/([a-z0-9])([A-Z])/g, '$1 $2');
}

/** A converted row before its id and category are assigned. */
export interface DraftSample {
  input: string;
  choices?: string[];
  target: string | string[];
  /** Free text naming the row's category (topic, domain ...); the category is "default" without one. */
  categoryLabel?: string | undefined;
  /** Source fields carried with the sample; undefined values are left out. */
  metadata?: Record<string, unknown>;
  /** The row's own id, when the format has one. */
  ownId?: string | undefined;
}

/** What SuiteAssembler.finish needs besides the rows. */
export interface SuiteInfo {
  /** The format name, e.g. "cybermetric". */
  format: string;
  /** The source path as given. */
  source: string;
  file: SourceFile;
  /** What the source should look like, for the "no rows" error. */
  expected: string;
  /** Suite id and title when the options name none. */
  defaultId: string;
  defaultTitle: string;
  /** The upstream benchmark and where it lives, for the description and the license line. */
  upstream: string;
  scorer: ScorerSpec;
  options: ImportOptions;
  /** Sentences added to the suite's description (e.g. which rows a filter kept). */
  notes?: readonly string[];
}

const RECORDED_OPTIONS = ['id', 'version', 'title', 'license', 'language', 'partial', 'scorer'] as const;

/**
 * Collects the rows of one import: converts each row, records a rejection for each row that fails a check, and
 * builds the ImportedSuite. Sample ids are `prefix-<own id>` or `prefix-<12 hex of sha256([input, choices])>`, so
 * two imports of the same source (or of a reordered copy) give the same ids.
 */
export class SuiteAssembler {
  /** Samples in source order. */
  readonly samples: Sample[] = [];
  readonly rejected: RejectedRow[] = [];
  readonly warnings: string[] = [];
  readonly #prefix: string;
  readonly #ids = new SampleIdAllocator();
  readonly #categories = new Map<string, Category>();
  readonly #ownIds = new Set<string>();
  readonly #contents = new Set<string>();
  #rows = 0;
  #repeatedIds = 0;
  #repeatedContents = 0;

  /** `prefix` starts every sample id (e.g. "cybermetric"). */
  constructor(prefix: string) {
    this.#prefix = prefix;
  }

  /** Rows read so far (imported, rejected or skipped). */
  get rows(): number {
    return this.#rows;
  }

  /** Converts the row at `index` (1-based) with `convert`; a RowRejection it throws rejects the row. */
  addRow(index: number, convert: () => DraftSample, rowId?: string): void {
    this.#rows++;
    let draft: DraftSample;
    try {
      draft = convert();
    } catch (error) {
      if (!(error instanceof RowRejection)) throw error;
      this.rejected.push({ index, ...(rowId === undefined ? {} : { id: rowId }), reason: error.message });
      return;
    }
    const content = JSON.stringify([draft.input, draft.choices ?? []]);
    if (this.#contents.has(content)) this.#repeatedContents++;
    this.#contents.add(content);
    if (draft.ownId !== undefined) {
      if (this.#ownIds.has(draft.ownId)) this.#repeatedIds++;
      this.#ownIds.add(draft.ownId);
    }
    const category = categoryId(draft.categoryLabel);
    if (!this.#categories.has(category)) {
      const title = draft.categoryLabel?.trim();
      this.#categories.set(
        category,
        title === undefined || title === '' ? { weight: 1 } : { weight: 1, title },
      );
    }
    const metadata = Object.fromEntries(
      Object.entries(draft.metadata ?? {}).filter(([, value]) => value !== undefined),
    );
    this.samples.push({
      id: this.#ids.allocate(this.#prefix, content, draft.ownId),
      category,
      input: draft.input,
      ...(draft.choices === undefined ? {} : { choices: draft.choices }),
      target: draft.target,
      ...(Object.keys(metadata).length === 0 ? {} : { metadata }),
    });
  }

  /** Rejects the row at `index` (1-based) without converting it (e.g. a line that is not JSON). */
  rejectRow(index: number, reason: string): void {
    this.#rows++;
    this.rejected.push({ index, reason });
  }

  /** Counts a row that was read and deliberately left out (e.g. another language); the caller warns about it. */
  skipRow(): void {
    this.#rows++;
  }

  /** The ImportedSuite; throws E_MALFORMED when the source held no rows at all. */
  finish(info: SuiteInfo): ImportedSuite {
    if (this.#rows === 0) {
      throw new RedlineError('E_MALFORMED', `${info.source}: holds no questions; expected ${info.expected}`);
    }
    const warnings = [...this.warnings];
    if (this.#repeatedIds > 0) {
      warnings.push(
        `${this.#repeatedIds} row(s) repeat the id of an earlier row: kept, with ids suffixed -2, -3 ...`,
      );
    }
    if (this.#repeatedContents > 0) {
      warnings.push(
        `${this.#repeatedContents} row(s) repeat the question and options of an earlier row: kept`,
      );
    }
    if (this.samples.length === 0) warnings.push('no row could be imported: the suite has no samples');
    const { options } = info;
    const recorded: Record<string, unknown> = {};
    for (const key of RECORDED_OPTIONS) if (options[key] !== undefined) recorded[key] = options[key];
    const categories: Record<string, Category> = {};
    for (const key of [...this.#categories.keys()].sort()) categories[key] = this.#categories.get(key)!;
    const description = [
      `Imported by redline suite import (format ${info.format}) from ${info.upstream}.`,
      ...(info.notes ?? []),
    ].join(' ');
    return {
      header: {
        id: options.id ?? info.defaultId,
        version: options.version ?? '1.0.0',
        title: options.title ?? info.defaultTitle,
        description,
        license:
          options.license ??
          `Not recorded at import: converted from ${info.upstream}. Check the upstream license and terms before ` +
            'using or redistributing this suite (some public benchmarks allow non-commercial use only), then ' +
            'record it with --license.',
        categories,
        defaults: { scorer: info.scorer, max_tokens: 256, temperature: 0 },
        source: {
          format: info.format,
          file: info.source,
          sha256: info.file.sha256,
          rows: this.#rows,
          rejected: this.rejected.length,
          options: recorded,
        },
      },
      samples: this.samples,
      rejected: this.rejected,
      warnings,
    };
  }
}

const COMMON_OPTIONS: ReadonlySet<string> = new Set(['id', 'version', 'title', 'license', 'scorer']);

/** Throws E_USAGE when `options` sets an option that `format` does not use (besides id, version, title, license, scorer). */
export function assertOptionsFit(
  format: string,
  options: ImportOptions,
  extra: readonly (keyof ImportOptions)[],
): void {
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || COMMON_OPTIONS.has(key) || (extra as readonly string[]).includes(key))
      continue;
    throw new RedlineError(
      'E_USAGE',
      `the ${key} option does not apply to the ${format} format: leave it out`,
    );
  }
}

/**
 * The scorer of a multiple-choice format: 'choice', or `{"type": "choice", "partial": "jaccard"}` when
 * `options.partial` (or a choice `options.scorer`) asks for Jaccard partial credit. Throws E_USAGE for a scorer
 * override of another type: the targets are letters.
 */
export function choiceScorerFor(format: string, options: ImportOptions): ScorerSpec {
  const override = options.scorer;
  if (override !== undefined) {
    const type = typeof override === 'string' ? override : override.type;
    if (type !== 'choice') {
      throw new RedlineError(
        'E_USAGE',
        `the ${format} format is scored with the choice scorer (its targets are option letters), not "${type}": ` +
          'leave the scorer option out',
      );
    }
  }
  const partial =
    options.partial ??
    (typeof override === 'object' && override.type === 'choice' ? override.partial : undefined);
  return partial === 'jaccard' ? { type: 'choice', partial: 'jaccard' } : 'choice';
}

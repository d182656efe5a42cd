/**
 * The generic importers: any JSONL or CSV file whose columns are mapped to sample fields with `--map`
 * (parseFieldMap). The scorer is `options.scorer`, else choice when choices are mapped, else exact.
 *
 * With the choice scorer, a target may be a letter (A-Z, within the options), the text of an option (converted
 * to its letter: exactly, else case-insensitively when that is unambiguous), a list of letters ("A, C", or a JSON
 * array in JSONL) for several correct options, or "(B)"/"B)"/"B." forms. A number is converted only when it is
 * an option's text: whether it counts from 0 or 1 cannot be known, so such rows are rejected rather than guessed.
 * `choices` may name one column per option (empty trailing options are dropped) or a single column holding a JSON
 * array of options.
 */
import { basename, extname } from 'node:path';
import { RedlineError } from '../../errors.js';
import type { Sample, ScorerSpec, SuiteDefaults } from '../../schema/suite.js';
import type { FieldMap, Importer, ImportOptions, ImportedSuite, RejectedRow } from '../imported-suite.js';
import { parseDelimited, rowsToRecords } from '../parse-delimited.js';
import { categoryId, SampleIdAllocator } from '../sample-ids.js';
import { locateJsonSyntaxError } from '../../suite/locate-json-error.js';
import { assembleSuite, CategoryTable, keepOrReject } from './ctf-helpers.js';
import { isRecord, readSourceText } from './read-source.js';

type GenericFormat = 'jsonl' | 'csv';

/** A row read from the source: its 1-based line, and its record or why it has none. */
interface SourceRow {
  index: number;
  record: Record<string, unknown> | null;
  problem?: string;
}

/** The jsonl importer: one JSON object per line, columns mapped with --map. */
export const jsonlImporter: Importer = {
  format: 'jsonl',
  description:
    'any JSONL file, one object per line; --map input=...,target=...[,choices=a|b|...,category=...,id=...]',
  importSource: (source, options) => importGeneric('jsonl', source, options),
};

/** The csv importer: an RFC 4180 CSV file with a header row, columns mapped with --map. */
export const csvImporter: Importer = {
  format: 'csv',
  description:
    'any CSV file with a header row; --map input=...,target=...[,choices=a|b|...,category=...,id=...]',
  importSource: (source, options) => importGeneric('csv', source, options),
};

function isChoiceScorer(scorer: ScorerSpec): boolean {
  return scorer === 'choice' || (typeof scorer === 'object' && scorer.type === 'choice');
}

async function importGeneric(
  format: GenericFormat,
  source: string,
  options: ImportOptions,
): Promise<ImportedSuite> {
  const map = options.map;
  if (map === undefined) {
    throw new RedlineError(
      'E_USAGE',
      `the ${format} format needs --map naming the columns, e.g. --map input=question,target=answer`,
    );
  }
  const scorer: ScorerSpec = options.scorer ?? (map.choices === undefined ? 'exact' : 'choice');
  const isChoice = isChoiceScorer(scorer);
  if (isChoice && map.choices === undefined) {
    throw new RedlineError(
      'E_USAGE',
      'the choice scorer needs the options: add choices=<col>|<col>|... to --map',
    );
  }
  const { text, sha256 } = await readSourceText(source, `the ${format.toUpperCase()} file`);
  const rows = format === 'jsonl' ? readJsonlRows(text) : readCsvRows(text, source, map);
  if (rows.length === 0)
    throw new RedlineError(
      'E_MALFORMED',
      `${source}: no rows; expected ${format === 'jsonl' ? 'one JSON object per line' : 'a header row and data rows'}`,
    );

  // Choice answers are short (as in the multiple-choice importers); free answers may need reasoning first.
  const defaults: SuiteDefaults = { scorer, max_tokens: isChoice ? 256 : 1024, temperature: 0 };
  const categories = new CategoryTable();
  const ids = new SampleIdAllocator();
  const samples: Sample[] = [];
  const rejected: RejectedRow[] = [];
  for (const row of rows) {
    if (row.record === null) {
      rejected.push({ index: row.index, reason: row.problem ?? 'unreadable row' });
      continue;
    }
    const ownId = map.id === undefined ? undefined : textOf(row.record[map.id])?.trim();
    const where = { index: row.index, ...(ownId === undefined || ownId === '' ? {} : { id: ownId }) };
    const built = buildSample(row.record, map, isChoice);
    if (typeof built === 'string') {
      rejected.push({ ...where, reason: built });
      continue;
    }
    const category = categories.declare(
      map.category === undefined ? undefined : textOf(row.record[map.category]),
    );
    const sample: Sample = {
      id: ids.allocate(format, JSON.stringify([built.input, built.choices ?? null, built.target]), ownId),
      category,
      input: built.input,
      ...(built.choices === undefined ? {} : { choices: built.choices }),
      target: built.target,
    };
    keepOrReject(sample, defaults, where, samples, rejected);
  }

  const name = basename(source, extname(source));
  return assembleSuite({
    format,
    source,
    sha256,
    rows: rows.length,
    options,
    defaultId: suiteIdFrom(name, format),
    defaultTitle: `${name} (imported)`,
    description: `Imported from ${basename(source)} by redline suite import ${format}.`,
    upstream: basename(source),
    categories,
    defaults,
    samples,
    rejected,
    warnings: [],
  });
}

/** The non-blank lines of a JSONL text as rows; a line that is not a JSON object is a row with a problem. */
function readJsonlRows(text: string): SourceRow[] {
  const rows: SourceRow[] = [];
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line) as unknown;
    } catch {
      // JSON.parse may quote the offending text (benchmark content) in its message: describe the place instead.
      const at = locateJsonSyntaxError(line);
      const problem =
        at === undefined ? 'not valid JSON' : `not valid JSON at column ${at.column}: ${at.message}`;
      rows.push({ index: i + 1, record: null, problem });
      continue;
    }
    rows.push(
      isRecord(value)
        ? { index: i + 1, record: value }
        : { index: i + 1, record: null, problem: 'a line must hold a JSON object' },
    );
  }
  return rows;
}

/** The data rows of a CSV text; throws E_USAGE when the header lacks a mapped column. */
function readCsvRows(text: string, source: string, map: FieldMap): SourceRow[] {
  const { header, records } = rowsToRecords(parseDelimited(text, ',', source));
  const wanted = [map.input, map.target, ...(map.choices ?? []), map.category, map.id].filter(
    (c): c is string => c !== undefined,
  );
  const missing = [...new Set(wanted.filter((c) => !header.includes(c)))];
  if (header.length > 0 && missing.length > 0) {
    throw new RedlineError(
      'E_USAGE',
      `--map names column(s) ${missing.map((c) => `"${c}"`).join(', ')} that ${source} does not have (its header: ${header.join(', ')})`,
    );
  }
  return records.map((r) => ({
    index: r.line,
    record: r.record,
    ...(r.problem === undefined ? {} : { problem: `wrong field count: ${r.problem}` }),
  }));
}

/** A scalar value as text (strings, numbers, booleans); undefined for null, objects and arrays. */
function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** The sample fields of one record, or why it cannot be imported. */
function buildSample(
  record: Record<string, unknown>,
  map: FieldMap,
  isChoice: boolean,
): { input: string; choices?: string[]; target: string | string[] } | string {
  const mapped = [map.input, map.target, ...(map.choices ?? []), map.category, map.id].filter(
    (c): c is string => c !== undefined,
  );
  const absent = [...new Set(mapped.filter((c) => !(c in record)))];
  if (absent.length > 0) return `missing the mapped column(s) ${absent.map((c) => `"${c}"`).join(', ')}`;
  const input = textOf(record[map.input]);
  if (input === undefined || input.trim() === '') return `the input column "${map.input}" is empty`;
  let choices: string[] | undefined;
  if (map.choices !== undefined) {
    const found = choiceList(record, map.choices);
    if (typeof found === 'string') return found;
    choices = found;
  }
  const target =
    isChoice && choices !== undefined
      ? choiceTarget(record[map.target], choices)
      : plainTarget(record[map.target]);
  if (typeof target === 'object' && !Array.isArray(target)) return target.problem;
  return { input, ...(choices === undefined ? {} : { choices }), target };
}

/** The options of a record: one column per option (trailing blanks dropped) or one column with a JSON array. */
function choiceList(record: Record<string, unknown>, columns: readonly string[]): string[] | string {
  let values: unknown[];
  if (columns.length === 1) {
    const column = columns[0] ?? '';
    let value = record[column];
    if (typeof value === 'string' && value.trim().startsWith('[')) {
      try {
        value = JSON.parse(value) as unknown;
      } catch {
        return `the choices column "${column}" is not a valid JSON array`;
      }
    }
    if (!Array.isArray(value)) {
      return `the choices column "${column}" must hold a JSON array of options (or map one column per option: choices=a|b|...)`;
    }
    values = value;
  } else {
    values = columns.map((c) => record[c]);
    while (values.length > 0 && (textOf(values[values.length - 1]) ?? '').trim() === '') values.pop();
  }
  const options = values.map((v) => textOf(v)?.trim() ?? '');
  const blank = options.findIndex((o) => o === '');
  if (blank !== -1) {
    return `option ${String.fromCharCode(65 + blank)}${columns.length > 1 ? ` (column "${columns[blank]}")` : ''} is empty`;
  }
  if (options.length < 2) return `has ${options.length} option(s); a choice question needs at least 2`;
  if (options.length > 26) return `has ${options.length} options; at most 26 (A-Z)`;
  return options;
}

/** A target for the non-choice scorers: one non-blank scalar, as text. */
function plainTarget(value: unknown): string | { problem: string } {
  if (Array.isArray(value)) return { problem: 'the target is a list, which only the choice scorer accepts' };
  const text = textOf(value);
  if (text === undefined || text.trim() === '') return { problem: 'the target is empty' };
  return text.trim();
}

/** A choice target as a letter or a sorted list of letters (see the module comment for the forms accepted). */
function choiceTarget(value: unknown, choices: readonly string[]): string | string[] | { problem: string } {
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0) return { problem: 'the target list is empty' };
  const letters: string[] = [];
  for (const item of items) {
    const text = textOf(item)?.trim();
    if (text === undefined || text === '') return { problem: 'the target is empty' };
    const found = lettersOf(text, choices);
    if (found === undefined) {
      return {
        problem:
          `the target ${JSON.stringify(text)} is neither a choice letter (A-${String.fromCharCode(64 + choices.length)}) ` +
          `nor the text of an option${typeof item === 'number' ? ' (a number may count from 0 or from 1: give a letter)' : ''}`,
      };
    }
    letters.push(...found);
  }
  const unique = [...new Set(letters)].sort();
  return unique.length === 1 && !Array.isArray(value) ? (unique[0] ?? '') : unique;
}

/** The letters `text` names among `choices`, or undefined. */
function lettersOf(text: string, choices: readonly string[]): string[] | undefined {
  const letterAt = (i: number): string => String.fromCharCode(65 + i);
  const inRange = (letter: string): boolean => letter.charCodeAt(0) - 65 < choices.length;
  if (/^[A-Z]$/.test(text) && inRange(text)) return [text];
  const exact = choices.indexOf(text);
  if (exact !== -1) return [letterAt(exact)];
  const folded = choices.flatMap((c, i) => (c.toLowerCase() === text.toLowerCase() ? [i] : []));
  if (folded.length === 1) return [letterAt(folded[0] ?? 0)];
  const wrapped = /^\(?([A-Za-z])[).:]?$/.exec(text)?.[1]?.toUpperCase();
  if (wrapped !== undefined && inRange(wrapped)) return [wrapped];
  if (/^[A-Za-z](\s*[,;]\s*[A-Za-z])+$/.test(text)) {
    const list = text.split(/\s*[,;]\s*/).map((l) => l.toUpperCase());
    if (list.every(inRange)) return list;
  }
  return undefined;
}

/** A suite id from a file name ("My Data" -> "my-data"), else `<format>-import`. */
function suiteIdFrom(name: string, format: GenericFormat): string {
  const id = categoryId(name).replace(/^[._-]+/, '');
  return id === '' || id === 'default' ? `${format}-import` : id;
}

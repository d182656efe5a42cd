/**
 * The CTIBench importers (tab-separated files of AI4Sec/cti-bench):
 * - ctibench-mcq (cti-mcq.tsv: URL, Question, Option A-D, Prompt, GT) to a single-answer choice suite;
 * - ctibench-rcm (cti-rcm.tsv: URL, Description, Prompt, GT) to a CVE → CWE mapping suite scored by exact match
 *   of the CWE id, case-insensitive.
 * The upstream Prompt column is not used: Redline builds its own prompt with its answer format (DESIGN.md §3).
 * Rows carry no topic: every sample is in the category "default". Rejected rows are indexed by their line.
 */
import { RedlineError } from '../../errors.js';
import type { ScorerSpec } from '../../schema/suite.js';
import type { ImportedSuite, Importer, ImportOptions } from '../imported-suite.js';
import { parseDelimited, rowsToRecords } from '../parse-delimited.js';
import {
  assertOptionsFit,
  choiceScorerFor,
  optionalText,
  rejectRow,
  requireAnswerLetters,
  requireChoices,
  requireText,
  SuiteAssembler,
  type DraftSample,
} from './mcq-helpers.js';
import { readSourceText, type SourceFile } from './read-source.js';

const MCQ_COLUMNS = [
  'URL',
  'Question',
  'Option A',
  'Option B',
  'Option C',
  'Option D',
  'Prompt',
  'GT',
] as const;
const RCM_COLUMNS = ['URL', 'Description', 'Prompt', 'GT'] as const;
const OPTION_COLUMNS = ['Option A', 'Option B', 'Option C', 'Option D'] as const;
const UPSTREAM = 'CTIBench (Alam et al., 2024; https://github.com/xashru/cti-bench)';
const CWE_ID = /^CWE-\d+$/i;
const CVE_ID = /CVE-\d{4}-\d{4,}/i;

function expectedHeader(columns: readonly string[], file: string): string {
  return `a tab-separated file with the header ${columns.join(', ')} (CTIBench ${file})`;
}

/** Rows of a CTIBench TSV keyed by the canonical column names (the header is matched case-insensitively). */
interface TsvRow {
  line: number;
  row: Record<string, string> | null;
  problem?: string;
}

function readTsvRows(
  file: SourceFile,
  source: string,
  columns: readonly string[],
  required: readonly string[],
  expected: string,
): TsvRow[] {
  const { header, records } = rowsToRecords(parseDelimited(file.text, '\t', source));
  if (header.length === 0) throw new RedlineError('E_MALFORMED', `${source}: is empty; expected ${expected}`);
  const actualByCanonical = new Map<string, string>();
  for (const column of columns) {
    const actual = header.find((name) => name.toLowerCase() === column.toLowerCase());
    if (actual !== undefined) actualByCanonical.set(column, actual);
  }
  const missing = required.filter((column) => !actualByCanonical.has(column));
  if (missing.length > 0) {
    throw new RedlineError(
      'E_MALFORMED',
      `${source}: the header lacks the column(s) ${missing.join(', ')}; expected ${expected}`,
    );
  }
  return records.map(({ line, record, problem }) => {
    if (record === null) return { line, row: null, problem: problem ?? 'has the wrong number of fields' };
    const row: Record<string, string> = {};
    for (const [canonical, actual] of actualByCanonical) row[canonical] = record[actual] ?? '';
    return { line, row };
  });
}

function convertMcqRow(row: Record<string, string>): DraftSample {
  const input = requireText(row, 'Question');
  // A question with fewer options leaves the last columns blank: drop trailing blanks, keep the letters aligned.
  const texts = OPTION_COLUMNS.map((column) => row[column] ?? '');
  while (texts.length > 0 && texts[texts.length - 1]!.trim() === '') texts.pop();
  const choices = requireChoices(texts, 'Option A-D', false);
  const [target] = requireAnswerLetters(row.GT, 'GT', choices.length, false);
  return { input, choices, target: target!, metadata: { url: optionalText(row.URL) } };
}

/** The CVE id in a row's URL (NVD links end with it), uppercase, or undefined. */
function cveOf(row: Record<string, string> | null): string | undefined {
  return CVE_ID.exec(row?.URL ?? '')?.[0].toUpperCase();
}

/** The prompt of a root-cause-mapping row: the CVE description verbatim, framed to ask for `ANSWER: CWE-<n>`. */
export function rcmInput(description: string): string {
  return (
    'Which CWE (Common Weakness Enumeration) weakness is the root cause of the vulnerability in this CVE ' +
    `description?\n\nCVE description: ${description}\n\n` +
    'Give the CWE id on the last line of your reply, in the form "ANSWER: CWE-<n>".'
  );
}

function convertRcmRow(row: Record<string, string>): DraftSample {
  const description = requireText(row, 'Description');
  const cwe = requireText(row, 'GT');
  if (!CWE_ID.test(cwe)) rejectRow(`"GT" must be a CWE id of the form CWE-<n> (got ${JSON.stringify(cwe)})`);
  const cve = cveOf(row);
  return {
    input: rcmInput(description),
    target: cwe.toUpperCase(),
    metadata: { url: optionalText(row.URL), cve },
    ownId: cve,
  };
}

interface TsvImport {
  format: string;
  prefix: string;
  columns: readonly string[];
  required: readonly string[];
  upstreamFile: string;
  defaultTitle: string;
  convert: (row: Record<string, string>) => DraftSample;
  rowId: (row: Record<string, string> | null) => string | undefined;
}

async function importTsv(
  spec: TsvImport,
  source: string,
  options: ImportOptions,
  scorer: ScorerSpec,
): Promise<ImportedSuite> {
  const expected = expectedHeader(spec.columns, spec.upstreamFile);
  const file = await readSourceText(source, `the ${spec.upstreamFile} file`);
  const assembler = new SuiteAssembler(spec.prefix);
  for (const { line, row, problem } of readTsvRows(file, source, spec.columns, spec.required, expected)) {
    if (row === null) assembler.rejectRow(line, problem ?? 'has the wrong number of fields');
    else assembler.addRow(line, () => spec.convert(row), spec.rowId(row));
  }
  return assembler.finish({
    format: spec.format,
    source,
    file,
    expected,
    defaultId: spec.format,
    defaultTitle: spec.defaultTitle,
    upstream: UPSTREAM,
    scorer,
    options,
  });
}

/** Imports CTIBench's cti-mcq.tsv (cyber threat intelligence multiple choice) as a single-answer choice suite. */
export const ctibenchMcqImporter: Importer = {
  format: 'ctibench-mcq',
  description: 'CTIBench cti-mcq.tsv: URL, Question, Option A-D, Prompt, GT (a letter)',
  async importSource(source, options) {
    assertOptionsFit('ctibench-mcq', options, ['partial']);
    const scorer = choiceScorerFor('ctibench-mcq', options);
    return importTsv(
      {
        format: 'ctibench-mcq',
        prefix: 'cti-mcq',
        columns: MCQ_COLUMNS,
        required: ['Question', ...OPTION_COLUMNS, 'GT'],
        upstreamFile: 'cti-mcq.tsv',
        defaultTitle: 'CTIBench CTI-MCQ (imported)',
        convert: convertMcqRow,
        rowId: () => undefined,
      },
      source,
      options,
      scorer,
    );
  },
};

/** The scorer of ctibench-rcm: exact match of the CWE id, case-insensitive, unless an exact override says otherwise. */
function rcmScorerFor(options: ImportOptions): ScorerSpec {
  const override = options.scorer;
  if (override === undefined) return { type: 'exact', ignoreCase: true };
  const type = typeof override === 'string' ? override : override.type;
  if (type !== 'exact') {
    throw new RedlineError(
      'E_USAGE',
      `the ctibench-rcm format is scored by exact match of the CWE id, not "${type}": leave the scorer option out`,
    );
  }
  return override;
}

/** Imports CTIBench's cti-rcm.tsv (CVE description → CWE id) as a suite scored by exact, case-insensitive match. */
export const ctibenchRcmImporter: Importer = {
  format: 'ctibench-rcm',
  description: 'CTIBench cti-rcm.tsv: URL, Description, Prompt, GT (a CWE id such as CWE-416)',
  async importSource(source, options) {
    assertOptionsFit('ctibench-rcm', options, []);
    const scorer = rcmScorerFor(options);
    return importTsv(
      {
        format: 'ctibench-rcm',
        prefix: 'cti-rcm',
        columns: RCM_COLUMNS,
        required: ['Description', 'GT'],
        upstreamFile: 'cti-rcm.tsv',
        defaultTitle: 'CTIBench CTI-RCM (imported)',
        convert: convertRcmRow,
        rowId: cveOf,
      },
      source,
      options,
      scorer,
    );
  },
};

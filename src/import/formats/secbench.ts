/**
 * The secbench importer: SecBench's multiple-choice JSON Lines (`{question, answers: [4 or 5 options], label: "A"
 * or "AC", language, ability, domain}`) to a choice suite. Ids are content hashes (rows have no id); the category
 * is the domain. `options.language` keeps the rows of one language: the others are counted in a warning and in
 * the description, not rejected. Rejected rows are indexed by their line.
 */
import { RedlineError } from '../../errors.js';
import { locateJsonSyntaxError } from '../../suite/locate-json-error.js';
import type { Importer } from '../imported-suite.js';
import {
  assertOptionsFit,
  choiceScorerFor,
  optionalText,
  requireAnswerLetters,
  requireChoices,
  requireRecord,
  requireText,
  SuiteAssembler,
  type DraftSample,
} from './mcq-helpers.js';
import { isRecord, readSourceText } from './read-source.js';

const FORMAT = 'secbench';
const EXPECTED =
  'JSON Lines, one {"question", "answers": [...], "label": "A", "language", "ability", "domain"} object per line (SecBench MCQ)';

function convertRow(row: Record<string, unknown>): DraftSample {
  const input = requireText(row, 'question');
  const choices = requireChoices(row.answers, 'answers', true);
  const letters = requireAnswerLetters(row.label, 'label', choices.length, true);
  const domain = optionalText(row.domain);
  return {
    input,
    choices,
    target: letters.length === 1 ? letters[0]! : letters,
    categoryLabel: domain,
    metadata: { language: optionalText(row.language), ability: optionalText(row.ability), domain },
  };
}

/** Row counts by language, compared case-insensitively and named as first spelled. */
class LanguageCounts {
  readonly #byKey = new Map<string, { name: string; count: number }>();

  add(language: string): void {
    const key = language.toLowerCase();
    const entry = this.#byKey.get(key);
    if (entry === undefined) this.#byKey.set(key, { name: language, count: 1 });
    else entry.count++;
  }

  get size(): number {
    return this.#byKey.size;
  }

  get total(): number {
    let total = 0;
    for (const { count } of this.#byKey.values()) total += count;
    return total;
  }

  /** "Chinese 2, English 5", sorted by name. */
  toString(): string {
    return [...this.#byKey.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map(({ name, count }) => `${name} ${count}`)
      .join(', ');
  }
}

/** Imports SecBench MCQ JSON Lines as a choice suite, optionally keeping one language (`options.language`). */
export const secbenchImporter: Importer = {
  format: FORMAT,
  description:
    'SecBench MCQ JSON Lines: {question, answers: [...], label, language, ability, domain}; --language keeps one',
  async importSource(source, options) {
    assertOptionsFit(FORMAT, options, ['partial', 'language']);
    const scorer = choiceScorerFor(FORMAT, options);
    const wanted = options.language?.trim().toLowerCase();
    const file = await readSourceText(source, EXPECTED);
    if (file.text.trimStart().startsWith('[')) {
      throw new RedlineError('E_MALFORMED', `${source}: is a JSON array; expected ${EXPECTED}`);
    }
    const assembler = new SuiteAssembler(FORMAT);
    const languages = new LanguageCounts();
    const leftOut = new LanguageCounts();
    const lines = file.text.split(/\r?\n/);
    lines.forEach((text, i) => {
      if (text.trim() === '') return;
      const line = i + 1;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        const at = locateJsonSyntaxError(text);
        assembler.rejectRow(
          line,
          `is not valid JSON${at === undefined ? '' : ` (column ${at.column}: ${at.message})`}`,
        );
        return;
      }
      const language = isRecord(value) ? (optionalText(value.language) ?? '(none)') : '(none)';
      if (wanted !== undefined && isRecord(value) && language.toLowerCase() !== wanted) {
        leftOut.add(language);
        assembler.skipRow();
        return;
      }
      if (isRecord(value)) languages.add(language);
      assembler.addRow(line, () => convertRow(requireRecord(value)));
    });
    const notes: string[] = [];
    const skipped = leftOut.total;
    if (wanted !== undefined) {
      notes.push(
        `Only rows in ${options.language} were kept: ${skipped} row(s) in other languages were left out.`,
      );
      if (skipped > 0) {
        assembler.warnings.push(
          `${skipped} row(s) in other languages than ${options.language} were left out (${leftOut.toString()})`,
        );
      }
      if (languages.size === 0) {
        assembler.warnings.push(
          `no row is in ${options.language}; the languages found: ${leftOut.toString()}`,
        );
      }
    } else if (languages.size > 1) {
      assembler.warnings.push(
        `the rows are in several languages (${languages.toString()}): the language option keeps one`,
      );
    }
    return assembler.finish({
      format: FORMAT,
      source,
      file,
      expected: EXPECTED,
      defaultId: 'secbench',
      defaultTitle: 'SecBench MCQ (imported)',
      upstream: 'SecBench (Jing et al., 2024; https://secbench.org)',
      scorer,
      options,
      notes,
    });
  },
};

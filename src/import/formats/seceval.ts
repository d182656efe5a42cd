/**
 * The seceval importer: SecEval's questions.json (a JSON array of `{id, source, question, choices: ["A: ...",
 * ...], answer: "AB", topics: [...], keyword}`) to a choice suite with multi-answer targets. Ids are the rows' own
 * ids; the category is the first topic ("SystemSecurity" → "system-security").
 */
import type { Importer } from '../imported-suite.js';
import {
  assertOptionsFit,
  choiceScorerFor,
  optionalText,
  parseJsonArraySource,
  requireAnswerLetters,
  requireChoices,
  requireRecord,
  requireText,
  splitCamelCase,
  SuiteAssembler,
  type DraftSample,
} from './mcq-helpers.js';
import { isRecord, readSourceText } from './read-source.js';

const FORMAT = 'seceval';
const EXPECTED =
  'a JSON array of {"id", "source", "question", "choices": ["A: ...", ...], "answer": "AB", "topics": [...], "keyword"} (SecEval questions.json)';

function convertRow(value: unknown): DraftSample {
  const row = requireRecord(value);
  const input = requireText(row, 'question');
  const choices = requireChoices(row.choices, 'choices', true);
  const letters = requireAnswerLetters(row.answer, 'answer', choices.length, true);
  const topics = Array.isArray(row.topics)
    ? row.topics.map(optionalText).filter((topic) => topic !== undefined)
    : [];
  const topic = topics[0];
  return {
    input,
    choices,
    target: letters.length === 1 ? letters[0]! : letters,
    categoryLabel: topic === undefined ? undefined : splitCamelCase(topic),
    metadata: {
      source: optionalText(row.source),
      topics: topics.length === 0 ? undefined : topics,
      keyword: optionalText(row.keyword),
    },
    ownId: optionalText(row.id),
  };
}

/** Imports SecEval (XuanwuAI) questions.json as a choice suite; several answer letters become a multi-answer set. */
export const secevalImporter: Importer = {
  format: FORMAT,
  description:
    'SecEval questions.json: [{id, source, question, choices: ["A: ..."], answer: "AB", topics, keyword}]',
  async importSource(source, options) {
    assertOptionsFit(FORMAT, options, ['partial']);
    const scorer = choiceScorerFor(FORMAT, options);
    const file = await readSourceText(source, EXPECTED);
    const document = parseJsonArraySource(file.text, source, EXPECTED);
    const assembler = new SuiteAssembler(FORMAT);
    document.forEach((value, i) =>
      assembler.addRow(i + 1, () => convertRow(value), isRecord(value) ? optionalText(value.id) : undefined),
    );
    return assembler.finish({
      format: FORMAT,
      source,
      file,
      expected: EXPECTED,
      defaultId: 'seceval',
      defaultTitle: 'SecEval (imported)',
      upstream: 'SecEval (XuanwuAI, 2023; https://github.com/XuanwuAI/SecEval)',
      scorer,
      options,
    });
  },
};

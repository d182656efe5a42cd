/**
 * The cyberseceval-mcq importer: CyberSecEval's multiple-choice JSON (an array of `{question, options: ["A. ...",
 * ...], correct_options: ["A", "C"], topic, difficulty}`) to a choice suite. Every target is a set of letters
 * (even of one letter), so that every prompt says "one or more options may be correct", as the benchmark asks;
 * `options.partial === 'jaccard'` scores the sets with Jaccard partial credit. Ids are content hashes; the
 * category is the topic.
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
  SuiteAssembler,
  type DraftSample,
} from './mcq-helpers.js';
import { readSourceText } from './read-source.js';

const FORMAT = 'cyberseceval-mcq';
const EXPECTED =
  'a JSON array of {"question", "options": ["A. ...", ...], "correct_options": ["A", ...], "topic", "difficulty"} (CyberSecEval MCQ)';

function convertRow(value: unknown): DraftSample {
  const row = requireRecord(value);
  const input = requireText(row, 'question');
  const choices = requireChoices(row.options, 'options', true);
  const target = requireAnswerLetters(row.correct_options, 'correct_options', choices.length, true);
  const topic = optionalText(row.topic);
  return {
    input,
    choices,
    target,
    categoryLabel: topic,
    metadata: { topic, difficulty: optionalText(row.difficulty) },
  };
}

/** Imports CyberSecEval multiple-choice JSON as a multi-answer choice suite (`partial: 'jaccard'` for partial credit). */
export const cybersecevalMcqImporter: Importer = {
  format: FORMAT,
  description:
    'CyberSecEval MCQ JSON: [{question, options: ["A. ..."], correct_options: ["A"], topic, difficulty}]',
  async importSource(source, options) {
    assertOptionsFit(FORMAT, options, ['partial']);
    const scorer = choiceScorerFor(FORMAT, options);
    const file = await readSourceText(source, EXPECTED);
    const document = parseJsonArraySource(file.text, source, EXPECTED);
    const assembler = new SuiteAssembler('cyberseceval');
    document.forEach((value, i) => assembler.addRow(i + 1, () => convertRow(value)));
    return assembler.finish({
      format: FORMAT,
      source,
      file,
      expected: EXPECTED,
      defaultId: 'cyberseceval-mcq',
      defaultTitle: 'CyberSecEval MCQ (imported)',
      upstream: 'CyberSecEval (Meta PurpleLlama; https://github.com/meta-llama/PurpleLlama)',
      scorer,
      options,
    });
  },
};

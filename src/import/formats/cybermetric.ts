/**
 * The cybermetric importer: CyberMetric's JSON (`{"questions": [{"question", "answers": {"A": ..., "D": ...},
 * "solution": "A"}]}`) to a choice suite. Rows have no id or topic: ids are content hashes, every sample is in
 * the category "default".
 */
import { RedlineError } from '../../errors.js';
import { letterIndexOf } from '../../scoring/choice.js';
import type { Importer } from '../imported-suite.js';
import {
  assertOptionsFit,
  choiceScorerFor,
  rejectRow,
  requireAnswerLetters,
  requireChoices,
  requireRecord,
  requireText,
  SuiteAssembler,
  type DraftSample,
} from './mcq-helpers.js';
import { describeJsonType, isRecord, parseSourceJson, readSourceText } from './read-source.js';

const FORMAT = 'cybermetric';
const EXPECTED =
  'a JSON object {"questions": [{"question": ..., "answers": {"A": ..., "B": ..., "C": ..., "D": ...}, "solution": "A"}]} (CyberMetric)';

function convertRow(value: unknown): DraftSample {
  const row = requireRecord(value);
  const input = requireText(row, 'question');
  const answers = row.answers;
  if (answers === undefined || answers === null) rejectRow('missing "answers"');
  if (!isRecord(answers))
    rejectRow(`"answers" is ${describeJsonType(answers)}, not an object keyed by letter`);
  // The options in letter order; the keys must be A, B, C ... without gaps.
  const byIndex = new Map<number, unknown>();
  for (const [key, text] of Object.entries(answers)) {
    const index = letterIndexOf(key.trim(), true);
    if (index === -1 || byIndex.has(index))
      rejectRow(`"answers" has the key ${JSON.stringify(key)}; keys are letters A, B, C ...`);
    byIndex.set(index, text);
  }
  const texts = [...byIndex.keys()]
    .sort((a, b) => a - b)
    .map((index, i) => {
      if (index !== i)
        rejectRow(`the keys of "answers" skip a letter: they must run A, B, C ... without gaps`);
      return byIndex.get(index);
    });
  const choices = requireChoices(texts, 'answers', false);
  const [target] = requireAnswerLetters(row.solution, 'solution', choices.length, false);
  return { input, choices, target: target! };
}

/** Imports CyberMetric JSON (CyberMetric-80/500/2000/10000) as a single-answer choice suite. */
export const cybermetricImporter: Importer = {
  format: FORMAT,
  description: 'CyberMetric JSON: {"questions": [{"question", "answers": {"A".."D"}, "solution"}]}',
  async importSource(source, options) {
    assertOptionsFit(FORMAT, options, ['partial']);
    const scorer = choiceScorerFor(FORMAT, options);
    const file = await readSourceText(source, EXPECTED);
    const document = parseSourceJson(file.text, source, EXPECTED);
    const questions = isRecord(document) ? document.questions : undefined;
    if (!Array.isArray(questions)) {
      const found = isRecord(document) ? `an object without a "questions" array` : describeJsonType(document);
      throw new RedlineError('E_MALFORMED', `${source}: found ${found}; expected ${EXPECTED}`);
    }
    const assembler = new SuiteAssembler(FORMAT);
    questions.forEach((value, i) => assembler.addRow(i + 1, () => convertRow(value)));
    return assembler.finish({
      format: FORMAT,
      source,
      file,
      expected: EXPECTED,
      defaultId: 'cybermetric',
      defaultTitle: 'CyberMetric (imported)',
      upstream: 'CyberMetric (Tihanyi et al., 2024; https://github.com/cybermetric/CyberMetric)',
      scorer,
      options,
    });
  },
};

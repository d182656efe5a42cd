/**
 * Builds the chat messages sent to the model for one sample (DESIGN.md §3). Pure and deterministic: the simulator
 * rebuilds the same prompt to recognise a sample, so any change here changes what it recognises.
 */
import type { Sample, SuiteDefaults } from '../schema/suite.js';
import { choiceLetter, letterRange } from './choice.js';
import { resolveScorer, type ResolvedScorer } from './registry.js';

/** One chat message of the OpenAI chat-completions protocol. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** The instruction that ends the user message: how to give the answer so that the extractor finds it. */
export function answerInstruction(sample: Sample, scorer: ResolvedScorer): string {
  switch (scorer.type) {
    case 'choice': {
      const range = letterRange(sample.choices?.length ?? 26);
      return Array.isArray(sample.target)
        ? 'One or more options may be correct. The last line of your reply must be of the form "ANSWER: A, C": ' +
            `the letters (${range}) of every correct option, separated by commas.`
        : 'The last line of your reply must be of the form "ANSWER: X", where X is the letter ' +
            `(${range}) of the correct option.`;
    }
    case 'flag':
      return 'End your reply with a line of the form "ANSWER: <flag>", with the flag exactly as you found it.';
    case 'numeric':
      return 'End your reply with a line of the form "ANSWER: <number>".';
    case 'exact':
    case 'includes':
    case 'regex':
      return 'End your reply with a line of the form "ANSWER: <answer>".';
  }
}

/**
 * The messages for `sample`: the system prompt of `defaults` (if any and not empty), then one user message: `input` verbatim,
 * then, when the sample has choices, a blank line and the options as `A) ...` lines, then a blank line and the
 * answer instruction.
 *
 * @example
 * buildMessages({ id: 'q1', input: 'Which mode?', choices: ['ECB', 'CTR'], target: 'B' }, undefined);
 * // → [{ role: 'user', content: 'Which mode?\n\nA) ECB\nB) CTR\n\nThe last line of your reply must be ...' }]
 */
export function buildMessages(sample: Sample, defaults: SuiteDefaults | undefined): ChatMessage[] {
  let content = sample.input;
  const choices = sample.choices;
  if (choices !== undefined && choices.length > 0) {
    content += '\n';
    for (let i = 0; i < choices.length; i++) content += `\n${choiceLetter(i)}) ${choices[i] ?? ''}`;
  }
  content += `\n\n${answerInstruction(sample, resolveScorer(sample, defaults))}`;
  const user: ChatMessage = { role: 'user', content };
  const system = defaults?.system;
  return system === undefined || system === '' ? [user] : [{ role: 'system', content: system }, user];
}

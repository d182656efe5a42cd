/**
 * Wraps a bare answer in the varied styles a real model uses, within the answer contract (DESIGN.md §3: the
 * prompt asks for a last line `ANSWER: X`), so that runs against the simulator exercise the extractors.
 */
import type { ScorerName } from '../../src/schema/suite.js';

/** Turns a bare answer into a reply. */
export type ReplyStyle = (answer: string) => string;

const CHOICE_STYLES: readonly ReplyStyle[] = [
  (a) => `ANSWER: ${a}`,
  (a) => `Let me work through the options one by one.\nANSWER: ${a}`,
  (a) => `Considering each option against the question, only one set fits.\n\n**ANSWER: ${a}**`,
  (a) => `answer: ${a.toLowerCase()}`,
];

// exact and numeric compare the labelled answer: prose before the label is ignored, markdown is unwrapped.
const LABELLED_STYLES: readonly ReplyStyle[] = [
  (a) => `ANSWER: ${a}`,
  (a) => `Working it through step by step.\nANSWER: ${a}`,
  (a) => `**ANSWER: ${a}**`,
];

// A flag is searched anywhere in the reply, so it may sit inside a sentence.
const FLAG_STYLES: readonly ReplyStyle[] = [
  (a) => `ANSWER: ${a}`,
  (a) => `After decoding the captured payload, the flag is ${a} as expected.`,
  (a) => `I reproduced the steps.\nThe recovered value: ${a}`,
];

// regex and includes also look at the whole reply, where words of a template could match: answer only.
const PLAIN_STYLES: readonly ReplyStyle[] = [(a) => `ANSWER: ${a}`, (a) => a];

/**
 * The reply styles for a sample scored by `scorer` with target `target`. Flags are embedded in prose only when
 * they have the usual `prefix{...}` form, which no template word can imitate.
 */
export function replyStylesFor(scorer: ScorerName, target: string | string[]): readonly ReplyStyle[] {
  switch (scorer) {
    case 'choice':
      return CHOICE_STYLES;
    case 'exact':
    case 'numeric':
      return LABELLED_STYLES;
    case 'flag':
      return typeof target === 'string' && /\{.*\}/.test(target) ? FLAG_STYLES : PLAIN_STYLES;
    case 'includes':
    case 'regex':
      return PLAIN_STYLES;
  }
}

/** The reply for `answer` in the style of `styles` picked by `pick` (a number in [0, 1)). */
export function renderReply(answer: string, styles: readonly ReplyStyle[], pick: number): string {
  const style = styles[Math.min(styles.length - 1, Math.floor(pick * styles.length))];
  return style === undefined ? answer : style(answer);
}

/** What the simulator says to a prompt it does not know. */
export const NON_ANSWER =
  "I'm sorry, but I don't recognise this question, so I can't respond to it reliably.";

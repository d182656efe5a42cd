/**
 * Wraps a bare answer in the varied, contract-conforming styles a real model uses (DESIGN.md §3: a choice
 * prompt asks for a last line `ANSWER: X`), so that runs against the simulator exercise the extractors.
 */
import type { ScorerName } from '../../src/schema/suite.js';

type Style = (answer: string) => string;

const CHOICE_STYLES: readonly Style[] = [
  (a) => `ANSWER: ${a}`,
  (a) => `Let me work through the options one by one.\nANSWER: ${a}`,
  (a) => `Considering each option against the question, only one set fits.\n\n**ANSWER: ${a}**`,
  (a) => `answer: ${a.toLowerCase()}`,
];

// Flags and `includes` targets must appear in the output: a sentence around them is fine.
const EMBEDDED_STYLES: readonly Style[] = [
  (a) => `ANSWER: ${a}`,
  (a) => `After decoding the captured payload, the flag is ${a} as expected.`,
  (a) => `I reproduced the steps.\nThe result is: ${a}`,
];

// exact, numeric and regex compare the extracted answer: keep it on its own ANSWER line.
const LINE_STYLES: readonly Style[] = [(a) => `ANSWER: ${a}`, (a) => `Working it through step by step.\nANSWER: ${a}`];

/** The reply text for `answer` under the scorer `scorer`, in the style picked by `pick` (a number in [0, 1)). */
export function renderReply(answer: string, scorer: ScorerName, pick: number): string {
  const styles = scorer === 'choice' ? CHOICE_STYLES : scorer === 'flag' || scorer === 'includes' ? EMBEDDED_STYLES : LINE_STYLES;
  const style = styles[Math.min(styles.length - 1, Math.floor(pick * styles.length))] ?? LINE_STYLES[0]!;
  return style(answer);
}

/** What the simulator says to a prompt it does not know. */
export const NON_ANSWER =
  "I'm sorry, but I don't recognise this question and can't give a reliable answer to it.";

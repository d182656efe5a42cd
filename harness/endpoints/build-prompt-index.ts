/**
 * The simulator's memory of a suite: every sample indexed by the exact text of the user message the harness
 * sends for it, with everything a reply needs computed once at startup.
 */
import type { Sample, ScorerName, SuiteDefaults } from '../../src/schema/suite.js';
import { answerFor } from '../../src/scoring/answer-for.js';
import { buildMessages } from '../../src/scoring/build-messages.js';
import type { SuiteHandle } from '../../src/suite/load-suite.js';
import { hashString } from './hash-string.js';
import { replyStylesFor } from './render-reply.js';
import type { ReplyStyle } from './render-reply.js';

/** One known prompt. */
export interface PromptEntry {
  sample: Sample;
  /** hash(seed, prompt): the root of every decision about this prompt. */
  hash: number;
  /** Probability of a correct answer. */
  skill: number;
  styles: readonly ReplyStyle[];
  correctAnswer: string;
  /** Estimated prompt tokens of all messages (4 characters a token). */
  promptTokens: number;
  /** Answers given so far: the k of hash(seed, prompt, k). Mutated by the simulator. */
  answered: number;
}

/** Known prompts, looked up by the text of the last user message. */
export interface PromptIndex {
  entries: readonly PromptEntry[];
  /** The entry for `prompt`: exact text, else the sample whose input it contains (the longest such input). */
  find(prompt: string): PromptEntry | undefined;
}

/** What the entries need to know. */
export interface PromptIndexOptions {
  seed: number;
  skill: number;
  skillByCategory: Record<string, number>;
}

// Prompts of other clients' templates resolved by a scan, remembered up to this many.
const MAX_FALLBACK_CACHE = 10_000;

/** Reads the suite once and indexes its samples (duplicate prompts: the first sample keeps the prompt). */
export async function buildPromptIndex(
  suite: SuiteHandle,
  options: PromptIndexOptions,
): Promise<PromptIndex> {
  const defaults = suite.header.defaults;
  const byPrompt = new Map<string, PromptEntry>();
  const entries: PromptEntry[] = [];
  for await (const sample of suite.samples()) {
    let prompt = '';
    let promptChars = 0;
    for (const message of buildMessages(sample, defaults)) {
      promptChars += message.content.length;
      if (message.role === 'user') prompt = message.content;
    }
    // A model cannot tell duplicate prompts apart either.
    if (byPrompt.has(prompt)) continue;
    const entry: PromptEntry = {
      sample,
      hash: hashString(prompt, options.seed),
      skill:
        (sample.category === undefined ? undefined : options.skillByCategory[sample.category]) ??
        options.skill,
      styles: replyStylesFor(scorerOf(sample, defaults), sample.target),
      correctAnswer: answerFor(sample, defaults, true, 0),
      promptTokens: Math.ceil(promptChars / 4),
      answered: 0,
    };
    byPrompt.set(prompt, entry);
    entries.push(entry);
  }
  const fallbackCache = new Map<string, PromptEntry | undefined>();

  return {
    entries,
    find(prompt: string): PromptEntry | undefined {
      const exact = byPrompt.get(prompt);
      if (exact !== undefined || fallbackCache.has(prompt)) return exact ?? fallbackCache.get(prompt);
      let found: PromptEntry | undefined;
      for (const entry of entries) {
        const input = entry.sample.input;
        if (prompt.includes(input) && (found === undefined || input.length > found.sample.input.length))
          found = entry;
      }
      if (fallbackCache.size < MAX_FALLBACK_CACHE) fallbackCache.set(prompt, found);
      return found;
    },
  };
}

function scorerOf(sample: Sample, defaults: SuiteDefaults): ScorerName {
  const spec = sample.scorer ?? defaults.scorer ?? (sample.choices === undefined ? 'exact' : 'choice');
  return typeof spec === 'string' ? spec : spec.type;
}

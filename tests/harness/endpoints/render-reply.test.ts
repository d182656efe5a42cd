import { describe, expect, it } from 'vitest';
import { NON_ANSWER, renderReply, replyStylesFor } from '../../../harness/endpoints/render-reply.js';
import type { ScorerName, SuiteDefaults } from '../../../src/schema/suite.js';
import { answerFor } from '../../../src/scoring/answer-for.js';
import { scoreOutput } from '../../../src/scoring/registry.js';
import { MIXED } from './mixed-samples.js';

const DEFAULTS: SuiteDefaults = { scorer: 'choice' };

function scorerName(spec: (typeof MIXED)[number]['scorer']): ScorerName {
  if (spec === undefined) return 'choice';
  return typeof spec === 'string' ? spec : spec.type;
}

describe('renderReply', () => {
  it('keeps every style of every scorer within the answer contract: right scores 1, wrong scores 0', () => {
    for (const sample of MIXED) {
      const styles = replyStylesFor(scorerName(sample.scorer), sample.target);
      expect(styles.length).toBeGreaterThan(0);
      styles.forEach((_style, index) => {
        const pick = (index + 0.5) / styles.length;
        const right = renderReply(answerFor(sample, DEFAULTS, true, 0), styles, pick);
        expect(scoreOutput(sample, DEFAULTS, right).value, `${sample.id}: ${right}`).toBe(1);
        for (const wrongPick of [0, 0.13, 0.37, 0.61, 0.89]) {
          const wrong = renderReply(answerFor(sample, DEFAULTS, false, wrongPick), styles, pick);
          expect(scoreOutput(sample, DEFAULTS, wrong).value, `${sample.id}: ${wrong}`).toBe(0);
        }
      });
    }
  });

  it('varies the style of choice answers, including markdown and lowercase', () => {
    const styles = replyStylesFor('choice', 'B');
    const replies = styles.map((_style, index) => renderReply('A, C', styles, (index + 0.5) / styles.length));
    expect(new Set(replies).size).toBe(styles.length);
    expect(replies).toContain('answer: a, c');
    expect(replies.some((reply) => reply.includes('**ANSWER: A, C**'))).toBe(true);
  });

  it('embeds only flags of the prefix{...} form in prose', () => {
    expect(replyStylesFor('flag', 'flag{x}').length).toBeGreaterThan(replyStylesFor('flag', 'OK').length);
  });

  it('declines without an answer label', () => {
    expect(scoreOutput(MIXED[0]!, DEFAULTS, NON_ANSWER).value).toBe(0);
  });
});

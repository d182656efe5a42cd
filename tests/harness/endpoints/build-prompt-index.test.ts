import { describe, expect, it } from 'vitest';
import { buildPromptIndex } from '../../../harness/endpoints/build-prompt-index.js';
import type { Sample } from '../../../src/schema/suite.js';
import { buildMessages } from '../../../src/scoring/build-messages.js';
import { inlineSuite } from '../../helpers/inline-suite.js';

const samples: Sample[] = [
  { id: 'a', category: 'x', input: 'What is the port of SSH?', target: '22', scorer: 'numeric' },
  {
    id: 'b',
    category: 'y',
    input: 'What is the port of SSH? Answer for SFTP.',
    target: '22',
    scorer: 'numeric',
  },
  { id: 'c', input: 'What is the port of SSH?', target: '2222', scorer: 'numeric' },
];
const options = { seed: 0, skill: 0.5, skillByCategory: { y: 0.9 } };

describe('buildPromptIndex', () => {
  it('finds a sample by the exact user message the harness sends, with its skill', async () => {
    const index = await buildPromptIndex(
      inlineSuite(samples, { defaults: { system: 'Be brief.' } }),
      options,
    );
    const prompt = (id: string) =>
      buildMessages(
        samples.find((s) => s.id === id)!,
        { system: 'Be brief.' },
      ).at(-1)!;
    expect(index.find(prompt('a').content)).toMatchObject({ sample: { id: 'a' }, skill: 0.5 });
    expect(index.find(prompt('b').content)).toMatchObject({ sample: { id: 'b' }, skill: 0.9 });
  });

  it('keeps the first of two samples with the same prompt', async () => {
    const index = await buildPromptIndex(inlineSuite(samples), options);
    expect(index.entries.map((entry) => entry.sample.id)).toEqual(['a', 'b']);
  });

  it('falls back to the longest input the prompt contains, and knows nothing else', async () => {
    const index = await buildPromptIndex(inlineSuite(samples), options);
    expect(index.find('Task: What is the port of SSH? Answer for SFTP. Thanks')?.sample.id).toBe('b');
    expect(index.find('Task: What is the port of SSH? Thanks')?.sample.id).toBe('a');
    expect(index.find('Tell me a joke')).toBeUndefined();
    expect(index.find('Tell me a joke')).toBeUndefined();
  });
});

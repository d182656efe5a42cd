import { describe, expect, it } from 'vitest';
import type { Sample } from '../../../src/schema/suite.js';
import { buildMessages } from '../../../src/scoring/build-messages.js';
import { scoreOutput } from '../../../src/scoring/registry.js';

const choice: Sample = {
  id: 'q1',
  input: 'Which mode of operation\nturns a block cipher into a stream cipher?',
  choices: ['ECB', 'CBC', 'CTR', 'GCM'],
  target: 'C',
};

function userText(sample: Sample, system?: string): string {
  const messages = buildMessages(sample, system === undefined ? undefined : { system });
  const last = messages[messages.length - 1];
  expect(last?.role).toBe('user');
  return last?.content ?? '';
}

describe('buildMessages', () => {
  it('sends one user message without a system prompt', () => {
    const messages = buildMessages(choice, undefined);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.role).toBe('user');
  });

  it('sends the system prompt of the defaults first', () => {
    const messages = buildMessages(choice, { system: 'You are a security expert.' });
    expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(messages[0]?.content).toBe('You are a security expert.');
  });

  it('omits an empty system prompt', () => {
    expect(buildMessages(choice, { system: '' }).map((m) => m.role)).toEqual(['user']);
  });

  it('starts the user message with the input verbatim, then a blank line and the options as lettered lines', () => {
    const text = userText(choice);
    expect(text.startsWith(`${choice.input}\n\nA) ECB\nB) CBC\nC) CTR\nD) GCM\n\n`)).toBe(true);
  });

  it('keeps the input verbatim, whitespace and unicode included', () => {
    const input = '  Décodez «aGVsbG8=» 🔐\n\n\tthen say why.  ';
    expect(userText({ id: 'u', input, target: 'hello' }).startsWith(`${input}\n\n`)).toBe(true);
  });

  it('asks a single-answer choice sample for a last line ANSWER: X within the letter range', () => {
    const text = userText(choice);
    expect(text).toContain('ANSWER: X');
    expect(text).toContain('A-D');
    expect(text).not.toContain('One or more');
  });

  it('tells a multi-answer choice sample that several options may be correct', () => {
    const text = userText({ ...choice, target: ['A', 'C'] });
    expect(text).toContain('One or more options may be correct');
    expect(text).toContain('ANSWER: A, C');
  });

  it('asks other scorers for a final ANSWER line, the flag exactly as found', () => {
    expect(userText({ id: 'e', input: 'Which tool?', target: 'nmap' })).toMatch(
      /\n\n[^\n]*"ANSWER: <answer>"[^\n]*$/,
    );
    expect(userText({ id: 'f', input: 'Find it.', target: 'flag{x}', scorer: 'flag' })).toMatch(
      /ANSWER: <flag>".*exactly/,
    );
    expect(userText({ id: 'n', input: 'How many?', target: '3', scorer: 'numeric' })).toContain(
      'ANSWER: <number>',
    );
  });

  it('lists the options for every sample that has them, with the instruction of its scorer', () => {
    const text = userText({ ...choice, target: 'CTR', scorer: 'exact' });
    expect(text).toContain('\nC) CTR\n');
    expect(text).toContain('ANSWER: <answer>');
  });

  it('is deterministic and does not modify the sample', () => {
    const copy = structuredClone(choice);
    expect(buildMessages(choice, { system: 's' })).toEqual(buildMessages(choice, { system: 's' }));
    expect(choice).toEqual(copy);
  });

  it('asks for a form that the scorer accepts', () => {
    const text = userText(choice);
    const example = /"(ANSWER: X)"/.exec(text)?.[1] ?? '';
    expect(scoreOutput(choice, undefined, example.replace('X', 'C')).value).toBe(1);
    const multiText = userText({ ...choice, target: ['A', 'C'] });
    const multiExample = /"(ANSWER: A, C)"/.exec(multiText)?.[1] ?? '';
    expect(scoreOutput({ ...choice, target: ['A', 'C'] }, undefined, multiExample).value).toBe(1);
  });
});

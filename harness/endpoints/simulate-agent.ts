/**
 * The simulator's agentic mode (a request that offers `tools`): it plays a model that solves a CTF task by
 * running the solution commands written with the task (`metadata.solution`, an array of shell commands), one
 * `bash` call per turn, then reads the flag out of the tool results and submits it (or, per skill, a wrong one).
 * Since the flag comes from the tool outputs, a sandbox that does not produce it fails the task visibly.
 */
import type { WireToolCall } from '../../src/agent/agent-message.js';
import type { SuiteDefaults } from '../../src/schema/suite.js';
import { answerFor } from '../../src/scoring/answer-for.js';
import { scoreOutput } from '../../src/scoring/registry.js';
import type { PromptIndex } from './build-prompt-index.js';
import { mixHash, unitFromHash } from './hash-string.js';
import { NON_ANSWER } from './render-reply.js';

/** One simulated assistant reply of the agentic mode. */
export interface AgentTurnReply {
  /** Text of the reply; null when it only calls a tool. */
  content: string | null;
  /** Zero or one tool call. */
  toolCalls: WireToolCall[];
  finishReason: 'tool_calls' | 'stop';
  /** The prompt matched no sample. */
  isUnknown: boolean;
  /** A submit call whose answer scores 1. */
  isCorrect: boolean;
}

// The same salts as the chat mode's correct/pick decisions: an episode decides like one answer.
const SALT_CORRECT = 1;
const SALT_PICK = 2;

// What a flag looks like when the target is not in the outputs: prefix{...} on one line.
const FLAG_LIKE = /[A-Za-z][A-Za-z0-9_]*\{[^{}\r\n]+\}/g;

/**
 * The reply to `messages` (the request's conversation): the sample is the one whose buildMessages user message is
 * the FIRST user message. With `metadata.solution`, while fewer tool results than commands are in the
 * conversation it calls `bash` with the next command; then it submits the flag found in the tool results (the
 * target when present, else the last `prefix{...}` match, else '') when this episode is correct (skill, seed),
 * and a wrong answer otherwise. Without a solution it submits a wrong answer at once. `callNumber` makes the
 * call id (`call_<n>`).
 */
export function simulateAgentTurn(
  messages: readonly unknown[],
  prompts: PromptIndex,
  defaults: SuiteDefaults,
  callNumber: number,
): AgentTurnReply {
  const prompt = firstUserText(messages);
  const entry = prompt === undefined ? undefined : prompts.find(prompt);
  if (entry === undefined) {
    return { content: NON_ANSWER, toolCalls: [], finishReason: 'stop', isUnknown: true, isCorrect: false };
  }
  const { sample } = entry;
  const solution = solutionOf(sample.metadata?.['solution']);
  const outputs = toolOutputs(messages);
  if (solution !== undefined && outputs.length < solution.length) {
    const cmd = solution[outputs.length] ?? '';
    return toolReply('bash', { cmd }, callNumber, false);
  }
  // One decision per episode, taken at the submit: the k-th episode of this prompt uses hash(seed, prompt, k).
  const k = mixHash(entry.hash, entry.answered);
  entry.answered += 1;
  const wrong = (): string => answerFor(sample, defaults, false, unitFromHash(mixHash(k, SALT_PICK)));
  if (solution === undefined) return toolReply('submit', { answer: wrong() }, callNumber, false);
  const isDecidedCorrect = unitFromHash(mixHash(k, SALT_CORRECT)) < entry.skill;
  const answer = isDecidedCorrect ? findFlag(outputs, sample.target) : wrong();
  const isCorrect = isDecidedCorrect && scoreOutput(sample, defaults, answer).value === 1;
  return toolReply('submit', { answer }, callNumber, isCorrect);
}

/** The flag in `outputs`: the target when one contains it, else the last `prefix{...}` match, else ''. */
export function findFlag(outputs: readonly string[], target: string | readonly string[]): string {
  if (typeof target === 'string' && outputs.some((output) => output.includes(target))) return target;
  let found = '';
  for (const output of outputs) {
    for (const match of output.matchAll(FLAG_LIKE)) found = match[0];
  }
  return found;
}

function toolReply(
  name: 'bash' | 'submit',
  args: Record<string, string>,
  callNumber: number,
  isCorrect: boolean,
): AgentTurnReply {
  return {
    content: null,
    toolCalls: [
      { id: `call_${callNumber}`, type: 'function', function: { name, arguments: JSON.stringify(args) } },
    ],
    finishReason: 'tool_calls',
    isUnknown: false,
    isCorrect,
  };
}

function solutionOf(value: unknown): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  return value.every((command): command is string => typeof command === 'string') ? value : undefined;
}

function toolOutputs(messages: readonly unknown[]): string[] {
  const outputs: string[] = [];
  for (const message of messages) {
    if (isRecord(message) && message['role'] === 'tool') outputs.push(textOf(message['content']) ?? '');
  }
  return outputs;
}

function firstUserText(messages: readonly unknown[]): string | undefined {
  for (const message of messages) {
    if (isRecord(message) && message['role'] === 'user') return textOf(message['content']);
  }
  return undefined;
}

function textOf(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  return content
    .map((part) => (isRecord(part) && typeof part['text'] === 'string' ? part['text'] : ''))
    .join('');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Builds the chat messages sent to the model for one sample. (Stub: filled in by the scoring work.)
 */
import type { Sample, SuiteDefaults } from '../schema/suite.js';

/** One chat message of the OpenAI chat-completions protocol. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** The messages for `sample`: the optional system prompt, then one user message containing `input` verbatim. */
export function buildMessages(sample: Sample, defaults: SuiteDefaults | undefined): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (defaults?.system !== undefined) messages.push({ role: 'system', content: defaults.system });
  messages.push({ role: 'user', content: sample.input });
  return messages;
}
